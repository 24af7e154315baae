// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs one of the examples by name: {@code java -jar pants-examples.jar echo 4040}. Checks the
 * arguments, so that each example can stay short, and prints the usage (exit code 2) when they
 * are wrong. The poller is chosen as in any Pants program ({@code -Dpants.poller=...}); so is
 * the number of event loops ({@code -Dpants.loops=N}), which {@code echo}, {@code http-hello}
 * and {@code jdk-hello} also take as an argument, {@code --loops=N}, anywhere after their name.
 */
public final class Main {
    /** An example: its name, its arguments, what it does, how many arguments it takes, and which is its port (-1: none). */
    record Example(String name, String arguments, String description, int minArgs, int maxArgs,
                   int portIndex, Consumer<String[]> main) {}

    static final List<Example> EXAMPLES = List.of(
            new Example("echo", "PORT [BIND_ADDRESS]",
                    "echo server: sends every byte it receives back", 1, 2, 0, EchoServer::main),
            new Example("fake-http", "PORT [BIND_ADDRESS]",
                    "answers every HTTP request with the same prefabricated response", 1, 2, 0, FakeHttpServer::main),
            new Example("messages-server", "PORT [BIND_ADDRESS]",
                    "prints each length-prefixed message it receives as a line", 1, 2, 0, MessageServer::main),
            new Example("messages-client", "HOST PORT [MESSAGE...]",
                    "sends each MESSAGE, or each line of standard input, as a length-prefixed message",
                    2, Integer.MAX_VALUE, 1, MessageClient::main),
            new Example("udp-echo", "PORT [BIND_ADDRESS]",
                    "UDP echo server: sends every datagram back to its sender", 1, 2, 0, UdpEchoServer::main),
            new Example("http-hello", "PORT [BIND_ADDRESS]",
                    "HTTP/1.1 server answering every request with Hello, World!", 1, 2, 0, HttpHello::main),
            new Example("http-get", "URL",
                    "HTTP client (io.pants.http.client): prints the status, headers and body of GET URL", 1, 1, -1, HttpGet::main),
            new Example("web-hello", "PORT [BIND_ADDRESS]",
                    "web application (io.pants.web): answers GET / with Hello, World!", 1, 2, 0, WebHello::main),
            new Example("jdk-hello", "PORT [BIND_ADDRESS]",
                    "a JDK HttpServer application (com.sun.net.httpserver) answering Hello, World!, run on Pants",
                    1, 2, 0, JdkHello::main),
            new Example("ws-echo", "PORT [BIND_ADDRESS]",
                    "WebSocket echo server at ws://HOST:PORT/: every message comes back", 1, 2, 0, WsEcho::main),
            new Example("ws-chat", "PORT [BIND_ADDRESS]",
                    "WebSocket chat room at ws://HOST:PORT/chat (a page to chat from at /): messages go to everyone",
                    1, 2, 0, WsChat::main),
            new Example("tcp-proxy", "PORT UPSTREAM_HOST UPSTREAM_PORT [BIND_ADDRESS]",
                    "relays each connection to UPSTREAM_HOST:UPSTREAM_PORT and back, with backpressure and half-close",
                    3, 4, 0, TcpProxy::main),
            new Example("tls-echo", "PORT [CERT KEY]",
                    "echo server over TLS (self-signed certificate unless CERT and KEY are given)", 1, 3, 0, TlsEcho::main),
            new Example("https-hello", "PORT [CERT KEY]",
                    "HTTPS server answering every request with Hello, World! (self-signed certificate unless CERT and KEY are given)",
                    1, 3, 0, HttpsHello::main),
            new Example("starttls-echo", "PORT [CERT KEY]",
                    "line echo that upgrades to TLS on the line STARTTLS (self-signed certificate unless CERT and KEY are given)",
                    1, 3, 0, StartTlsEcho::main),
            new Example("stats", "ECHO_PORT STATS_PORT [BIND_ADDRESS]",
                    "an echo server, and its statistics as text lines over HTTP: GET /stats on STATS_PORT",
                    2, 3, 0, StatsServer::main));

    /** The examples that serve on several loops when asked to (--loops=N, or -Dpants.loops=N). */
    static final List<String> ON_LOOPS = List.of("echo", "http-hello", "jdk-hello");
    private static final String LOOPS_OPTION = "--loops=";

    private Main() {}

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help"))) {
            usage(System.out, null);
            return;
        }
        if (args.length == 0) fail("no example named");
        Example example = EXAMPLES.stream().filter(e -> e.name().equals(args[0])).findFirst().orElse(null);
        if (example == null) fail("unknown example '" + args[0] + "'");
        String[] rest = loopsTakenFrom(example, Arrays.copyOfRange(args, 1, args.length));
        if (rest.length < example.minArgs() || rest.length > example.maxArgs()) {
            fail(example.name() + " takes " + example.arguments());
        }
        if (example.portIndex() >= 0) { // an example that takes a port; http-get takes a URL instead
            String port = rest[example.portIndex()];
            if (!isPort(port)) fail("'" + port + "' is not a port number (0 to 65535)");
        }

        try {
            Engine.instance(); // picks the poller now, so that a bad -Dpants.poller is reported plainly
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("pants-examples: " + e.getMessage());
            System.exit(2);
        }
        if (ON_LOOPS.contains(example.name())) printLoops();
        try {
            example.main().accept(rest);
        } catch (UncheckedIOException e) { // could not listen: the port is taken, say
            System.err.println(example.name() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * The arguments without {@code --loops=N}, which becomes {@code -Dpants.loops=N} (before the
     * example makes its first server) for an example that serves on several loops.
     */
    static String[] loopsTakenFrom(Example example, String[] args) {
        List<String> rest = new java.util.ArrayList<>();
        for (String a : args) {
            if (!a.startsWith(LOOPS_OPTION)) {
                rest.add(a);
                continue;
            }
            String n = a.substring(LOOPS_OPTION.length());
            if (!ON_LOOPS.contains(example.name())) fail(example.name() + " runs on one loop; --loops is for " + String.join(", ", ON_LOOPS));
            if (n.isEmpty() || n.length() > 4 || !n.chars().allMatch(Character::isDigit) || Integer.parseInt(n) == 0) {
                fail("'" + n + "' is not a number of loops (1 or more)");
            }
            System.setProperty("pants.loops", n);
        }
        return rest.toArray(new String[0]);
    }

    /** What the launcher prints before an example that serves on several loops: nothing on one loop. */
    static void printLoops() {
        int loops = io.pants.EngineGroup.configuredLoops(1);
        if (loops > 1) System.out.println("serving on " + loops + " loops (pants-loop-0 .. pants-loop-" + (loops - 1) + ")");
    }

    static boolean isPort(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) return false;
        return Integer.parseInt(s) <= 65535;
    }

    /** Prints the problem and the usage, and exits with code 2. */
    static void fail(String problem) {
        usage(System.err, problem);
        System.exit(2);
    }

    private static void usage(PrintStream out, String problem) {
        if (problem != null) out.println("pants-examples: " + problem);
        out.println("usage: java [-Dpants.poller=NAME] -jar pants-examples.jar EXAMPLE ARGUMENTS...");
        out.println("       java [-Dpants.loops=N] -jar pants-examples.jar EXAMPLE ARGUMENTS... [--loops=N]   (" + String.join(", ", ON_LOOPS) + ")");
        out.println();
        out.println("examples:");
        for (Example e : EXAMPLES) {
            out.printf("  %-45s %s%n", e.name() + " " + e.arguments(), e.description());
        }
        out.println();
        out.println("NAME is a poller: epoll, epoll-libc or nio (default: the best that works here).");
        out.println("N is a number of event loops, for " + String.join(", ", ON_LOOPS) + " (default: one).");
    }
}
