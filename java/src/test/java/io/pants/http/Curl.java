// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Processes;
import io.pants.LoopThread;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs the curl command line client, as a real HTTP client independent of the JDK. */
public final class Curl {
    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String out() { return new String(stdout, StandardCharsets.UTF_8); }
    }

    private Curl() {}

    /** {@code curl --silent --show-error --max-time 20 ARGS...}; fails if curl is missing or hangs. */
    public static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time",
                String.valueOf(LoopThread.WAIT.toSeconds())));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new AssertionError("these tests need curl on the PATH (.ci/run installs it): " + e.getMessage(), e);
        }
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread reader = new Thread(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete("[reading stderr failed: " + e + "]");
            }
        });
        reader.setDaemon(true);
        reader.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(LoopThread.WAIT.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail("curl " + String.join(" ", args) + " did not finish");
        }
        String stderr;
        try {
            stderr = err.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            stderr = "[no stderr: " + e + "]";
        }
        Processes.closeStreams(p);
        return new Result(p.exitValue(), out, stderr);
    }
}
