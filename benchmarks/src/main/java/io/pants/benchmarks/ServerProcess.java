// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.kqueue.KqueueProvider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link ServerMain} child process, optionally pinned to a CPU set with {@code taskset}, on
 * one or more event loops. Reads its
 * port, asks it for memory figures, and reads the CPU time it has used from /proc.
 */
final class ServerProcess implements AutoCloseable {
    /** Bounds every wait on the child: a JVM start on a busy machine takes seconds, not minutes. */
    static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("benchmark server listening on port (\\d+) \\((\\S+)\\)");
    private static final Pattern STATS = Pattern.compile("stats connections=(-?\\d+) heap=(-?\\d+) rss=(-?\\d+)");

    /** What the server said about its memory. */
    record Stats(int connections, long heapBytes, long rssBytes) {}

    final ServerKind kind;
    final int port;
    private final Process process;
    private final OutputStream control;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();

    /** On one event loop. */
    ServerProcess(ServerKind kind, Workload workload, String cpu, List<String> jvmOptions) throws IOException, InterruptedException {
        this(kind, workload, cpu, jvmOptions, 1);
    }

    ServerProcess(ServerKind kind, Workload workload, String cpu, List<String> jvmOptions, int loops) throws IOException, InterruptedException {
        this.kind = kind;
        List<String> command = new ArrayList<>();
        if (cpu != null) command.addAll(List.of("taskset", "-c", cpu));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(kind.jvmProperties(workload.protocol));
        command.add("-D" + ServerMain.LOOPS_PROPERTY + "=" + loops); // Pants and the JDK-API provider read it; ServerMain gives Netty as many threads
        // a userspace kqueue named to this JVM by property (the environment is inherited anyway)
        String kqueueLibrary = System.getProperty(KqueueProvider.LIBRARY_PROPERTY);
        if (kqueueLibrary != null && !kqueueLibrary.isBlank()) command.add("-D" + KqueueProvider.LIBRARY_PROPERTY + "=" + kqueueLibrary);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerMain.class.getName(), kind.id, workload.id));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("PANTS_POLLER");
        process = pb.start();
        control = process.getOutputStream();
        daemon(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) lines.add(l);
            } catch (IOException ignored) { // the process ended
            }
        });
        daemon(() -> {
            try (var in = process.getErrorStream()) {
                byte[] b = new byte[4096];
                for (int n; (n = in.read(b)) > 0; ) stderr.append(new String(b, 0, n, StandardCharsets.UTF_8));
            } catch (IOException ignored) {
            }
        });
        String line = nextLine("its 'listening' line");
        Matcher m = LISTENING.matcher(line);
        if (!m.matches()) throw new IOException(kind + " printed '" + line + "' instead of its port; " + diagnostics());
        port = Integer.parseInt(m.group(1));
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "server output");
        t.setDaemon(true);
        t.start();
    }

    private String nextLine(String expecting) throws IOException, InterruptedException {
        String line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) throw new IOException(kind + " printed no line within " + WAIT + " (expecting " + expecting + "); " + diagnostics());
        return line;
    }

    /** Memory and connection count, after a full GC in the server. */
    Stats stats() throws IOException, InterruptedException {
        control.write("stats\n".getBytes(StandardCharsets.US_ASCII));
        control.flush();
        String line = nextLine("its stats");
        Matcher m = STATS.matcher(line);
        if (!m.matches()) throw new IOException(kind + " answered '" + line + "' to 'stats'");
        return new Stats(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
    }

    /** Waits (bounded) until the server counts at least {@code n} open connections. */
    Stats awaitConnections(int n) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Stats s = stats();
            if (s.connections() < 0 || s.connections() >= n) return s;
            if (System.nanoTime() > deadline) throw new IOException(kind + " has " + s.connections() + " connections after " + WAIT + ", expected " + n);
            Thread.sleep(50); // polling another process's counter; nothing here to wait on
        }
    }

    /** User plus system CPU time the server has used so far, in seconds. */
    double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        // the command name (field 2) may hold spaces; fields after it are plain numbers
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        return ticks / (double) ClockTicks.PER_SECOND;
    }

    String diagnostics() {
        return (process.isAlive() ? "still running" : "exited with " + process.exitValue()) + "; its stderr:\n" + stderr;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            control.close(); // end of input: the server exits by itself
        } catch (IOException ignored) {
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The unit of /proc/PID/stat times (USER_HZ), asked from getconf; 100 if it can't be. */
    private static final class ClockTicks {
        static final long PER_SECOND = read();

        private static long read() {
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? Long.parseLong(out) : 100;
            } catch (IOException | InterruptedException | NumberFormatException e) {
                return 100;
            }
        }
    }
}
