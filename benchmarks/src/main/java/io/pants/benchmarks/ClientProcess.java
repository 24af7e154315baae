// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one {@link ClientMain} to its end and reads its result. It inherits the runner's CPU
 * pinning (run.sh pins the runner to CLIENT_CPU), and the JVM options the servers get.
 */
final class ClientProcess {
    private static final Pattern RESULT = Pattern.compile(
            "benchmark client result requests=(\\d+) seconds=([\\d.]+) p50=(\\d+) p99=(\\d+) errors=(\\d+) cpu=([\\d.]+)");

    /** What the client measured: its figures and the CPU it used in the measured phase. */
    record Result(long requests, double seconds, long p50Nanos, long p99Nanos, long errors, double cpuSeconds) {}

    private ClientProcess() {}

    static Result run(ClientKind kind, int port, int connections, Duration warmup, Duration duration, List<String> jvmOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ClientMain.class.getName(), kind.id,
                String.valueOf(port), String.valueOf(connections), String.valueOf(warmup.toSeconds()), String.valueOf(duration.toSeconds())));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("PANTS_POLLER");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(stderr unreadable: " + e + ")";
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        long limit = warmup.plus(duration).plus(ServerProcess.WAIT).toMillis();
        if (!p.waitFor(limit, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException(kind + " did not finish within " + limit + " ms");
        }
        Matcher m = RESULT.matcher(out);
        if (!m.find()) {
            throw new IOException(kind + " printed no result (exit " + p.exitValue() + "): " + out + stderr.join());
        }
        return new Result(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Double.parseDouble(m.group(6)));
    }
}
