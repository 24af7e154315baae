// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.System.Logger.Level;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The child process of {@link DescriptorExhaustionTest}: an echo server on 127.0.0.1 that runs
 * under a low descriptor limit. It talks to the test over its standard streams:
 * <ul>
 *   <li>prints {@code PORT n} once listening, {@code ACCEPTED} and {@code CLOSED} for every
 *       connection, and
 *       {@code EXHAUSTED n} whenever the server's {@link ServerStats#acceptPauses()} changes;
 *   <li>on {@code stats} read from stdin, prints {@code STATS acceptPauses turns refused engineAcceptPauses}:
 *       the server's accept pauses, the loop's turns, the server's refused connections and the
 *       engine's accept pauses (Server.stats(), Engine.stats());
 *       on {@code quit} (or end of stdin), stops and exits.
 * </ul>
 * Usage: {@code EchoServerProcess <backend> [<loops> [handoff]]}: with a number of loops, the
 * server runs on a group of them (handing accepted connections over with {@code handoff}).
 */
public final class EchoServerProcess {
    private EchoServerProcess() {}

    public static void main(String[] args) throws Exception {
        preloadClasses();
        // the logging backend initializes on first use; do it now, while descriptors remain
        System.getLogger("io.pants").log(Level.INFO, "echo server child starting on " + args[0]);

        EngineGroup group = args.length > 1 ? new EngineGroup(Integer.parseInt(args[1]), args[0]) : null;
        Engine engine = group != null ? group.engine(0) : new Engine(args[0]);
        java.util.function.Supplier<io.pants.Stream> echo = () -> new io.pants.Stream() {
            @Override
            protected void onConnect() { say("ACCEPTED"); }

            @Override
            protected void onRead(byte[] data) { write(data); }

            @Override
            protected void onClose() { say("CLOSED"); }
        };
        Server server = group != null ? new Server(group, echo) : new Server(engine, echo);
        if (args.length > 2 && args[2].equals("handoff")) server.handOff(true);
        server.listen("127.0.0.1", 0);
        long[] reported = {0};
        Runnable report = () -> {
            long n = server.stats().acceptPauses();
            if (n != reported[0]) {
                reported[0] = n;
                say("EXHAUSTED " + n);
            }
        };
        // on a group, the other loops' pauses are seen from loop 0, which must turn to see them
        if (group != null) engine.cycle(java.time.Duration.ofMillis(10), report);
        else engine.loop(report);

        Thread commands = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !line.equals("quit")) {
                    if (line.equals("stats")) engine.execute(() -> say("STATS " + server.stats().acceptPauses() + " " + engine.turns()
                            + " " + server.stats().refused() + " " + engine.stats().acceptPauses()));
                }
            } catch (IOException e) {
                say("stdin failed: " + e);
            }
            if (group != null) group.stop();
            else engine.stop();
        }, "commands");
        commands.setDaemon(true);
        commands.start();

        say("PORT " + server.port());
        if (group != null) {
            group.start();
            group.close();
        } else {
            engine.start();
            engine.close();
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /**
     * Loads every class of the library (and this one's nested classes) up front. Loading a class
     * from a directory of class files opens a file; once the process is out of descriptors, a
     * class first needed then (say, the exception for the exhausted case) would fail to load.
     * JDK classes come from the runtime image, which stays open, and jars stay open too.
     */
    private static void preloadClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        load(Engine.class, "io/pants/");
        load(EchoServerProcess.class, "io/pants/EchoServerProcess");
    }

    private static void load(Class<?> anchor, String prefix) throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isDirectory(root)) return; // a jar: kept open by the class loader
        List<String> names;
        try (Stream<Path> files = Files.walk(root)) {
            names = files.map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(n -> n.startsWith(prefix) && n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .collect(Collectors.toList());
        }
        for (String n : names) Class.forName(n, false, anchor.getClassLoader());
    }
}
