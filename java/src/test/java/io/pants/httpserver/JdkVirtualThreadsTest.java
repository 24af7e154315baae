// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.Pollers;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Handlers on {@code Executors.newVirtualThreadPerTaskExecutor()} don't pin their carrier
 * threads while they wait in the request and response bodies: ten thousand exchanges at once,
 * each handler waiting in the request body for the rest of its body, which its client sends only
 * once all ten thousand are under way, on two carrier threads and no more
 * ({@code -Djdk.virtualThreadScheduler.parallelism=2}, {@code maxPoolSize=2}). On Java 21 to 23 a
 * handler waiting in a monitor would hold its carrier, two would hold them all, and the clients
 * would time out; on Java 24 and later, where monitors no longer pin (JEP 491), the server's JFR
 * recording shows whether a virtual thread waited in a monitor of ours.
 *
 * <p>Runs {@link VirtualThreadsMain} in two child JVMs of Java 21 or newer (server and clients:
 * each side holds ten thousand sockets, and one process could not hold both under a limit of 20,000
 * descriptors): the JDK in {@code -Dpants.java21.home} or {@code JAVA21_HOME}, else this JVM if it
 * is 21 or newer, else the oldest of 21 and newer found in {@code /usr/lib/jvm} (the older, the
 * closer to the pinning monitors). Skipped without one.
 */
class JdkVirtualThreadsTest {
    static final int REQUESTS = 10_000;
    /** Each child's own deadline; the test waits a little longer for them to report. */
    static final int SECONDS = 40;

    @TempDir
    Path tmp;

    @BackendTest
    void tenThousandWaitingHandlersOnVirtualThreadsShareTwoCarriers(String backend) throws Exception {
        Optional<Path> java = java21OrNewer();
        assumeTrue(java.isPresent(), "no JDK 21 or newer found: set -Dpants.java21.home or JAVA21_HOME to run the virtual-thread test");
        Path serverErr = tmp.resolve("server.err"), clientsOut = tmp.resolve("clients.out");
        Process server = start(java.get(), null, serverErr,
                "-Djdk.virtualThreadScheduler.parallelism=2", "-Djdk.virtualThreadScheduler.maxPoolSize=2",
                "-D" + Pollers.PROPERTY + "=" + backend,
                VirtualThreadsMain.class.getName(), "server", String.valueOf(REQUESTS), String.valueOf(SECONDS));
        Process clients = null;
        try {
            BufferedReader serverOut = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> readLine(serverOut)).get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null || !line.startsWith("listening on port ")) fail("the server did not start: " + line + "\n" + Files.readString(serverErr));
            String port = line.substring("listening on port ".length());

            clients = start(java.get(), clientsOut, tmp.resolve("clients.err"),
                    VirtualThreadsMain.class.getName(), "clients", port, String.valueOf(REQUESTS), String.valueOf(SECONDS));
            long wait = TimeUnit.SECONDS.toMillis(SECONDS + 20);
            if (!clients.waitFor(wait, TimeUnit.MILLISECONDS)) fail("the clients did not finish within " + wait + " ms");
            if (!server.waitFor(wait, TimeUnit.MILLISECONDS)) fail("the server did not finish within " + wait + " ms");
            String clientsReport = Files.readString(clientsOut) + Files.readString(tmp.resolve("clients.err"));
            String serverReport = readRest(serverOut) + Files.readString(serverErr);

            assertTrue(clientsReport.startsWith("clients: " + REQUESTS + " of " + REQUESTS + " answered correctly\n"), clientsReport);
            assertEquals(0, clients.exitValue(), clientsReport);
            assertTrue(serverReport.startsWith("served " + REQUESTS + " of " + REQUESTS + ", 0 pinned, 0 monitor waits\n"), serverReport);
            assertEquals(0, server.exitValue(), serverReport);
        } finally {
            for (Process p : clients == null ? List.of(server) : List.of(server, clients)) {
                p.destroyForcibly();
                p.waitFor(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private static Process start(Path java, Path out, Path err, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path")));
        command.addAll(List.of(arguments));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
        if (out != null) pb.redirectOutput(out.toFile());
        pb.environment().remove(Pollers.ENVIRONMENT);
        return pb.start();
    }

    private static String readLine(BufferedReader in) {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readRest(BufferedReader in) throws IOException {
        StringBuilder b = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) b.append(line).append('\n');
        return b.toString();
    }

    private static final Pattern RELEASE_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    /** A {@code bin/java} of Java 21 or newer: see the class comment for where it is looked for. */
    static Optional<Path> java21OrNewer() throws IOException {
        String named = System.getProperty("pants.java21.home", System.getenv("JAVA21_HOME"));
        if (named != null && !named.isEmpty()) {
            Path java = Path.of(named, "bin", "java");
            if (!Files.isExecutable(java)) fail("pants.java21.home / JAVA21_HOME names " + named + ", which has no bin/java");
            return Optional.of(java);
        }
        if (Runtime.version().feature() >= 21) return Optional.of(Path.of(System.getProperty("java.home"), "bin", "java"));
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) return Optional.empty();
        Path best = null;
        int bestVersion = Integer.MAX_VALUE;
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : (Iterable<Path>) homes::iterator) {
                Path release = home.resolve("release");
                if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/java"))) continue;
                Matcher m = RELEASE_VERSION.matcher(Files.readString(release));
                int version = m.find() ? Integer.parseInt(m.group(1)) : 0;
                if (version >= 21 && version < bestVersion) {
                    bestVersion = version;
                    best = home.resolve("bin/java");
                }
            }
        }
        return Optional.ofNullable(best);
    }
}
