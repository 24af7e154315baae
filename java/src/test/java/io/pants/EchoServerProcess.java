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
 *       {@code EXHAUSTED n} whenever {@link Server#descriptorExhaustions()} changes;
 *   <li>on {@code stats} read from stdin, prints {@code STATS exhaustions turns}, then the server's
 *       accept pauses and refused connections and the engine's accept pauses (Server.stats(), Engine.stats());
 *       on {@code quit} (or end of stdin), stops and exits.
 * </ul>
 * Usage: {@code EchoServerProcess <backend>}.
 */
public final class EchoServerProcess {
    private EchoServerProcess() {}

    public static void main(String[] args) throws Exception {
        preloadClasses();
        // the logging backend initializes on first use; do it now, while descriptors remain
        System.getLogger("io.pants").log(Level.INFO, "echo server child starting on " + args[0]);

        Engine engine = new Engine(args[0]);
        Server server = new Server(engine, () -> new io.pants.Stream() {
            @Override
            protected void onConnect() { say("ACCEPTED"); }

            @Override
            protected void onRead(byte[] data) { write(data); }

            @Override
            protected void onClose() { say("CLOSED"); }
        }).listen("127.0.0.1", 0);
        long[] reported = {0};
        engine.loop(() -> {
            long n = server.descriptorExhaustions();
            if (n != reported[0]) {
                reported[0] = n;
                say("EXHAUSTED " + n);
            }
        });

        Thread commands = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !line.equals("quit")) {
                    if (line.equals("stats")) engine.execute(() -> say("STATS " + server.descriptorExhaustions() + " " + engine.turns()
                            + " " + server.stats().acceptPauses() + " " + server.stats().refused() + " " + engine.stats().acceptPauses()));
                }
            } catch (IOException e) {
                say("stdin failed: " + e);
            }
            engine.stop();
        }, "commands");
        commands.setDaemon(true);
        commands.start();

        say("PORT " + server.port());
        engine.start();
        engine.close();
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
