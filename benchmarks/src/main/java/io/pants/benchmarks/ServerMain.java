// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.Engine;
import io.pants.EngineGroup;
import io.pants.Server;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * One server under test, in a process of its own:
 * {@code java -cp benchmarks.jar io.pants.benchmarks.ServerMain SERVER WORKLOAD [PORT]}. It
 * listens on 127.0.0.1 and prints {@code benchmark server listening on port N (SERVER)}.
 *
 * <p>Its standard input is a control channel for {@link LoadRunner}: the line {@code stats}
 * answers {@code stats connections=N heap=BYTES rss=BYTES}, the heap measured after a full
 * collection and the resident set read from /proc/self/status. End of input ends the process, so
 * a server never outlives the runner that started it.
 */
public final class ServerMain {
    /** How many event loops the server runs: Pants' own property, which Netty's servers here read too. */
    static final String LOOPS_PROPERTY = "pants.loops";

    private ServerMain() {}

    /** {@code -Dpants.loops}, 1 without it. */
    static int loops() { return Integer.getInteger(LOOPS_PROPERTY, 1); }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: ServerMain SERVER WORKLOAD [PORT]");
            System.exit(2);
        }
        ServerKind kind = ServerKind.byId(args[0]);
        Workload.Protocol protocol = Workload.byId(args[1]).protocol;
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        if (!kind.speaks(protocol)) throw new IllegalArgumentException(kind + " does not speak " + protocol);

        String poller = kind.pantsPoller();
        if (protocol == Workload.Protocol.JDK_API_HELLO) {
            // the provider comes from the command line (ServerKind.jvmProperties); make sure it did
            String expected = kind.onPantsProvider() ? ServerKind.PANTS_PROVIDER : ServerKind.JDK_PROVIDER;
            if (!expected.equals(System.getProperty(ServerKind.PROVIDER_PROPERTY))) {
                throw new IllegalStateException(kind + " needs -D" + ServerKind.PROVIDER_PROPERTY + "=" + expected
                        + (kind.onPantsProvider() ? " -Dpants.poller=" + poller : ""));
            }
            if (kind.onPantsProvider()) {
                if (!poller.equals(System.getProperty("pants.poller"))) throw new IllegalStateException(kind + " needs -Dpants.poller=" + poller);
                try (Engine probe = Engine.builder().poller(poller).build()) {
                    requireShim(kind, probe);
                }
            }
            var server = JdkApiHello.serve(new InetSocketAddress("127.0.0.1", port));
            String provider = HttpServerProvider.provider().getClass().getName();
            if (!provider.equals(expected)) throw new IllegalStateException(kind + " runs on " + provider + ", not " + expected);
            control(kind, server.getAddress().getPort(), () -> -1); // the API does not tell
        } else if (poller != null) {
            // PantsServers counts the streams it writes itself; the HTTP server's are its own
            IntSupplier connections = protocol == Workload.Protocol.HTTP_HELLO || protocol == Workload.Protocol.HTTPS_HELLO
                    || protocol == Workload.Protocol.WS_ECHO
                    ? () -> -1 : PantsServers.OPEN::get;
            if (loops() > 1) {
                EngineGroup group = new EngineGroup(loops(), poller);
                requireShim(kind, group.engine(0));
                Server server = PantsServers.listen(group, protocol, port);
                control(kind, server.port(), connections);
                group.start();
            } else {
                Engine engine = Engine.builder().poller(poller).build();
                requireShim(kind, engine);
                Server server = PantsServers.listen(engine, protocol, port);
                control(kind, server.port(), connections);
                engine.start();
            }
        } else if (kind == ServerKind.JDK_HTTP) {
            var server = JdkHttpServers.listen(protocol, port);
            control(kind, server.getAddress().getPort(), () -> -1); // it does not tell
        } else {
            var channel = NettyServers.listen(kind.nettyTransport(), kind == ServerKind.NETTY_EPOLL_OPENSSL, protocol, port, loops());
            control(kind, ((java.net.InetSocketAddress) channel.localAddress()).getPort(), NettyServers.OPEN::get);
            channel.closeFuture().sync();
        }
    }

    /**
     * "epoll" falls back to libc when the shim does not load; measured so, the table would credit
     * the shim with libc's numbers.
     */
    private static void requireShim(ServerKind kind, Engine engine) {
        if (kind.pantsPoller().equals("epoll") && !engine.pollerDescription().contains("native shim")) {
            throw new IllegalStateException(kind + " must run on the shim, but runs " + engine.pollerDescription());
        }
    }

    /** Announces the port, then answers the runner's requests on a daemon thread. */
    private static void control(ServerKind kind, int port, IntSupplier connections) {
        // The first reading is megabytes too high (the management beans set themselves up
        // during it); take it now so that every reading the runner gets is comparable.
        heapAfterGc();
        System.out.println("benchmark server listening on port " + port + " (" + kind + ")");
        System.out.flush();
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("stats")) {
                        System.out.println("stats connections=" + connections.getAsInt()
                                + " heap=" + heapAfterGc() + " rss=" + residentSet());
                        System.out.flush();
                    }
                }
            } catch (IOException e) {
                e.printStackTrace();
            }
            System.exit(0);
        }, "benchmark control");
        t.setDaemon(true);
        t.start();
    }

    /** Heap in use once garbage is gone: what the live connections hold. */
    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc(); // the first may leave floating garbage behind
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** VmRSS from /proc/self/status, in bytes; -1 where there is no such file. */
    static long residentSet() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String l : Files.readAllLines(status)) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
        }
        return -1;
    }
}
