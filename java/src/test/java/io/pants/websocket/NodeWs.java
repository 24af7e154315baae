// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.Processes;
import io.pants.LoopThread;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Node's {@code ws} package (pinned: {@link #VERSION}) as an independent peer: runs one of the
 * scripts in {@code src/test/node} and hands its output lines to the test. {@code .ci/run}
 * installs the package into {@code target/node}; if it is missing there this installs it
 * (npm, bounded). Without {@code node} on the PATH the tests are skipped, saying so.
 */
final class NodeWs implements AutoCloseable {
    static final String VERSION = "8.23.0";
    private static final Path PREFIX = Path.of("target", "node").toAbsolutePath();
    private static final Path SCRIPTS = Path.of("src", "test", "node").toAbsolutePath();

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private NodeWs(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) lines.add(line);
            } catch (IOException e) {
                lines.add("io-error:" + e);
            }
            lines.add("exit");
        }, "node-ws-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs {@code script} (in src/test/node) with {@code args}; skips the test if there is no node. */
    static NodeWs run(String script, String... args) throws Exception {
        String node = find("node");
        assumeTrue(node != null, "no 'node' on the PATH: the tests against Node's ws package are skipped (install Node.js to run them)");
        ensureInstalled();
        String[] command = new String[args.length + 2];
        command[0] = node;
        command[1] = SCRIPTS.resolve(script).toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("NODE_PATH", PREFIX.resolve("node_modules").toString());
        return new NodeWs(pb.start());
    }

    /** Installs ws@VERSION into target/node unless that exact version is there. */
    private static synchronized void ensureInstalled() throws Exception {
        Path manifest = PREFIX.resolve(Path.of("node_modules", "ws", "package.json"));
        if (Files.exists(manifest) && Files.readString(manifest).contains("\"version\": \"" + VERSION + "\"")) return;
        String npm = find("npm");
        if (npm == null) throw new AssertionError("node is here but npm is not: install ws@" + VERSION + " into " + PREFIX + " (see .ci/run)");
        Files.createDirectories(PREFIX);
        Process p = new ProcessBuilder(npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", PREFIX.toString(), "ws@" + VERSION)
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean installed = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!installed) p.destroyForcibly().waitFor();
        Processes.closeStreams(p);
        if (!installed) {
            throw new AssertionError("npm could not install ws@" + VERSION + " into " + PREFIX + ":\n" + output);
        }
    }

    private static String find(String program) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    /** The next line the script printed; fails after {@link LoopThread#WAIT}. */
    String next(String what) throws InterruptedException {
        String line = lines.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) throw new AssertionError("the ws script printed no " + what + " within " + LoopThread.WAIT);
        return line;
    }

    /** The next line starting with {@code prefix}, skipping the others. */
    String nextStartingWith(String prefix) throws InterruptedException {
        while (true) {
            String line = next("line starting with '" + prefix + "'");
            if (line.startsWith(prefix)) return line;
            if (line.equals("exit")) throw new AssertionError("the ws script ended before printing a line starting with '" + prefix + "'");
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)) process.destroyForcibly().waitFor();
        process.getInputStream().close();
        process.getOutputStream().close();
        process.getErrorStream().close();
    }
}
