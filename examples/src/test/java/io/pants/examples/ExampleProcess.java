// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Pollers;
import io.pants.kqueue.KqueueProvider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One example running as a child process, the way a user runs it:
 * {@code java [-Dpants.poller=NAME] -jar target/pants-examples.jar ARGS...}. Standard output is
 * read line by line as it comes; standard error is collected for failure messages. Every wait is
 * bounded by {@link #WAIT}; {@link #close()} kills the process if it still runs.
 */
final class ExampleProcess implements AutoCloseable {
    /** Bounds every wait: a JVM start on a busy 2-core machine takes a few seconds at worst. */
    static final Duration WAIT = Duration.ofSeconds(30);
    /** For {@code @MethodSource}: every backend that works on this machine. */
    static final String BACKENDS = "io.pants.examples.ExampleProcess#backends";

    private static final Pattern LISTENING = Pattern.compile("(.+) listening on port (\\d+) \\(poller: (\\S+)\\)");
    /** Marks the end of standard output in the line queue. */
    private static final String EOF = new String("<end of output>");

    private final String description;
    private final Process process;
    private final BlockingQueue<String> stdoutLines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stdoutReader, stderrReader;

    static List<String> backends() {
        List<String> names = Pollers.available();
        assertTrue(names.contains("nio"), "nio must always be available: " + Pollers.probeAll());
        return names;
    }

    /** Runs an example on the named backend. */
    static ExampleProcess start(String backend, String... args) throws IOException {
        return start(backend, List.of(), args);
    }

    /** Runs an example on the named backend, with more JVM options. */
    static ExampleProcess start(String backend, List<String> jvmOptions, String... args) throws IOException {
        List<String> options = new ArrayList<>(List.of("-Dpants.poller=" + backend));
        options.addAll(jvmOptions);
        // a userspace kqueue named to this JVM by property (the environment is inherited anyway)
        String kqueueLibrary = System.getProperty(KqueueProvider.LIBRARY_PROPERTY);
        if (kqueueLibrary != null && !kqueueLibrary.isBlank()) options.add("-D" + KqueueProvider.LIBRARY_PROPERTY + "=" + kqueueLibrary);
        return start(options, args);
    }

    /** Runs an example with the given JVM options. */
    static ExampleProcess start(List<String> jvmOptions, String... args) throws IOException {
        Path jar = Path.of(System.getProperty("pants.examples.jar", "target/pants-examples.jar"));
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": the example tests need the shaded jar (mvn verify builds it)");
        List<String> javaArguments = new ArrayList<>(jvmOptions);
        javaArguments.add("-jar");
        javaArguments.add(jar.toString());
        javaArguments.addAll(List.of(args));
        return startJava(javaArguments);
    }

    /** Runs {@code java} (this JVM's) with these arguments: options, then a jar or a main class and its arguments. */
    static ExampleProcess startJava(List<String> javaArguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaArguments);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove(Pollers.ENVIRONMENT); // only the options given here pick the poller
        return new ExampleProcess(String.join(" ", command.subList(1, command.size())), pb.start());
    }

    private ExampleProcess(String description, Process process) {
        this.description = description;
        this.process = process;
        this.stdoutReader = daemon("stdout of " + description, () -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) stdoutLines.add(line);
            } catch (IOException e) {
                stderr.append("[test: reading stdout failed: ").append(e).append("]\n");
            } finally {
                stdoutLines.add(EOF);
            }
        });
        this.stderrReader = daemon("stderr of " + description, () -> {
            try (InputStream in = process.getErrorStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (stderr) {
                        stderr.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        stderr.notifyAll();
                    }
                }
            } catch (IOException e) {
                stderr.append("[test: reading stderr failed: ").append(e).append("]\n");
            }
        });
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The example's standard input. */
    OutputStream stdin() {
        return process.getOutputStream();
    }

    /** The next line the example prints; fails if none comes within {@link #WAIT}. */
    String nextLine(String expecting) throws InterruptedException {
        String line = stdoutLines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) fail("'" + description + "' printed no line within " + WAIT + " (expecting " + expecting + "); " + diagnostics());
        if (line == EOF) {
            stdoutLines.add(EOF);
            fail("'" + description + "' closed its output before printing " + expecting + "; " + diagnostics());
        }
        return line;
    }

    /**
     * Waits for the server's "... listening on port N (poller: NAME)" line, checks that it runs
     * on {@code backend}, and returns the port.
     */
    int awaitListening(String server, String backend) throws InterruptedException {
        String line = nextLine("the '" + server + " listening' line");
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.matches() && m.group(1).equals(server), "not a '" + server + " listening on port N (poller: NAME)' line: '" + line + "'");
        assertEquals(backend, m.group(3), "the example runs on another poller than asked for");
        return Integer.parseInt(m.group(2));
    }

    /** Waits for the example to exit by itself and returns its exit code. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("'" + description + "' did not exit within " + WAIT + "; " + diagnostics());
        }
        return process.exitValue();
    }

    /**
     * Waits until the example has written {@code fragment} to standard error and returns all it
     * wrote so far. For checks on a running example: destroy() closes the pipe, so output not yet
     * read at that moment would be lost to {@link #stderrAfterExit()}.
     */
    String awaitStderrContaining(String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (stderr) {
            while (stderr.indexOf(fragment) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) fail("'" + description + "' did not write '" + fragment + "' to stderr within " + WAIT + "; " + diagnostics());
                stderr.wait(Math.max(1, left / 1_000_000));
            }
            return stderr.toString();
        }
    }

    /** Everything the example wrote to standard error; call once it has exited. */
    String stderrAfterExit() throws InterruptedException {
        if (process.isAlive()) throw new IllegalStateException("the process still runs");
        stderrReader.join(WAIT.toMillis());
        return stderr.toString();
    }

    /** Everything it printed to standard output after what was read with {@link #nextLine}; call once it has exited. */
    List<String> remainingLinesAfterExit() throws InterruptedException {
        if (process.isAlive()) throw new IllegalStateException("the process still runs");
        stdoutReader.join(WAIT.toMillis());
        List<String> lines = new ArrayList<>();
        stdoutLines.drainTo(lines);
        lines.remove(EOF);
        return lines;
    }

    /** What went wrong, for failure messages: exit status and standard error so far. */
    String diagnostics() {
        String status = process.isAlive() ? "still running" : "exited with " + process.exitValue();
        return status + "; its stderr:\n" + stderr;
    }

    /** Stops the example (SIGTERM, then SIGKILL if needed) and waits for it to end. */
    void stop() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stop();
        } finally {
            if (process.isAlive()) process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
