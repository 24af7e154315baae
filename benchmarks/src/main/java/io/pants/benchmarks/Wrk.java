// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP load: {@code wrk} with keep-alive (its default), one thread, run as a child process.
 * Its figures come from a Lua {@code done()} hook ({@code wrk-summary.lua}) that prints them as
 * one JSON line, rather than from the report wrk prints for people.
 */
final class Wrk {
    /** What one wrk run measured. */
    record Result(long requests, double seconds, double perSecond, long p50Nanos, long p99Nanos, long errors) {}

    /** Starts the line the Lua hook prints; the JSON object follows. */
    static final String SUMMARY_MARK = "wrk-summary ";
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*(-?\\d+(?:\\.\\d+)?)");
    private static final List<String> FIELDS = List.of("requests", "duration_us", "p50_us", "p99_us",
            "errors_connect", "errors_read", "errors_write", "errors_timeout", "errors_status");

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
        return run("http://127.0.0.1:" + port + "/", connections, duration, false);
    }

    /**
     * Loads {@code url} (http or https: wrk negotiates TLS, and checks no certificate) with
     * {@code connections} connections; with {@code connectionPerRequest}, every request asks
     * {@code Connection: close}, so each one makes a new connection (and handshake).
     */
    static Result run(String url, int connections, Duration duration, boolean connectionPerRequest) throws IOException, InterruptedException {
        Path script = Files.createTempFile("wrk-summary", ".lua");
        try {
            try (InputStream in = Wrk.class.getResourceAsStream("wrk-summary.lua")) {
                if (in == null) throw new IOException("wrk-summary.lua is missing from the benchmarks jar");
                Files.write(script, in.readAllBytes());
            }
            // one wrk thread per CPU the load was given (CLIENT_CPUS): one on the 2-CPU machine, as before
            int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), connections));
            List<String> command = new java.util.ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections,
                    "-d" + Math.max(1, duration.toSeconds()) + "s", "--timeout", "10s", "-s", script.toString()));
            if (connectionPerRequest) command.addAll(List.of("-H", "Connection: close"));
            command.add(url);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("wrk did not finish: " + out);
            }
            if (p.exitValue() != 0) throw new IOException("wrk failed (" + p.exitValue() + "): " + out);
            return parse(out);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** Reads the summary line of wrk's output; everything else wrk printed is ignored. */
    static Result parse(String out) throws IOException {
        String json = out.lines().filter(l -> l.startsWith(SUMMARY_MARK)).reduce((a, b) -> b)
                .map(l -> l.substring(SUMMARY_MARK.length()))
                .orElseThrow(() -> new IOException("no " + SUMMARY_MARK.trim() + " line in wrk's output:\n" + out));
        Map<String, Double> v = new HashMap<>();
        Matcher m = FIELD.matcher(json);
        while (m.find()) v.put(m.group(1), Double.parseDouble(m.group(2)));
        for (String f : FIELDS) if (!v.containsKey(f)) throw new IOException("wrk's summary lacks " + f + ": " + json);
        double seconds = v.get("duration_us") / 1e6;
        if (seconds <= 0) throw new IOException("wrk's summary has no duration: " + json);
        long requests = v.get("requests").longValue();
        long errors = 0;
        for (String f : FIELDS) if (f.startsWith("errors_")) errors += v.get(f).longValue();
        return new Result(requests, seconds, requests / seconds,
                Math.round(v.get("p50_us") * 1e3), Math.round(v.get("p99_us") * 1e3), errors);
    }
}
