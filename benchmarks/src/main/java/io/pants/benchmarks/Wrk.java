package io.pants.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP load: {@code wrk} with keep-alive (its default), one thread, run as a child process,
 * and its report parsed.
 */
final class Wrk {
    /** What one wrk run measured. */
    record Result(long requests, double seconds, double perSecond, long p50Nanos, long p99Nanos, long errors) {}

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m|h),");
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([\\d.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern BAD_STATUS = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    private Wrk() {}

    /** Whether a wrk is on the PATH. */
    static boolean available() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Loads http://127.0.0.1:port/ with {@code connections} connections for {@code duration}. */
    static Result run(int port, int connections, Duration duration) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk", "-t1", "-c" + connections,
                "-d" + Math.max(1, duration.toSeconds()) + "s", "--latency", "--timeout", "10s",
                "http://127.0.0.1:" + port + "/"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish: " + out);
        }
        if (p.exitValue() != 0) throw new IOException("wrk failed (" + p.exitValue() + "): " + out);
        return parse(out);
    }

    /** Reads wrk's report (as printed with --latency). */
    static Result parse(String out) throws IOException {
        Matcher requests = REQUESTS.matcher(out);
        Matcher rate = RATE.matcher(out);
        if (!requests.find() || !rate.find()) throw new IOException("not a wrk report:\n" + out);
        long p50 = -1, p99 = -1;
        Matcher pct = PERCENTILE.matcher(out);
        while (pct.find()) {
            long nanos = nanos(Double.parseDouble(pct.group(2)), pct.group(3));
            if (pct.group(1).equals("50")) p50 = nanos; else p99 = nanos;
        }
        if (p50 < 0 || p99 < 0) throw new IOException("no latency distribution in the wrk report:\n" + out);
        long errors = 0;
        Matcher socket = SOCKET_ERRORS.matcher(out);
        if (socket.find()) for (int g = 1; g <= 4; g++) errors += Long.parseLong(socket.group(g));
        Matcher status = BAD_STATUS.matcher(out);
        if (status.find()) errors += Long.parseLong(status.group(1));
        return new Result(Long.parseLong(requests.group(1)),
                nanos(Double.parseDouble(requests.group(2)), requests.group(3)) / 1e9,
                Double.parseDouble(rate.group(1)), p50, p99, errors);
    }

    private static long nanos(double value, String unit) {
        return Math.round(value * switch (unit) {
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> throw new IllegalArgumentException(unit);
        });
    }
}
