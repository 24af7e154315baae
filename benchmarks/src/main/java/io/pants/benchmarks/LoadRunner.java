// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.Pollers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the load scenarios and writes the report: {@code benchmarks/run.sh} calls it pinned to
 * the load generator's CPU. For each round, each workload and each server that speaks it: a
 * fresh server process pinned to the server's CPU, a warm-up, then the measured run. Settings
 * come from the environment or from {@code KEY=VALUE} arguments:
 *
 * <ul>
 *   <li>{@code ROUNDS} (3), {@code DURATION} (15, seconds measured), {@code WARMUP} (5, seconds);
 *   <li>{@code WORKLOADS}, {@code SERVERS}, {@code CLIENTS} (for {@code http-client-100}): comma-separated ids to run (default: all);
 *   <li>{@code SERVER_CPU} (0), or {@code SERVER_CPUS}: the CPU set for {@code taskset -c}
 *       ({@code 0-3}, {@code 0,2}), empty for no pinning;
 *   <li>{@code LOOPS} (1): event loops per server: Pants on an {@code EngineGroup} of that many
 *       ({@code -Dpants.loops}), Netty with as many event-loop threads;
 *   <li>{@code SERVER_JVM_OPTS} ({@code -Xms1g -Xmx1g -XX:+UseSerialGC}, the collector the JVM
 *       picks by itself on one CPU, said explicitly): the same for every server;
 *   <li>{@code OUT}: the results directory (default {@code benchmarks/results/DATE});
 *   <li>{@code JMH}: a regex of JMH benchmarks to run after the workloads (default none), with
 *       their results in {@code jmh.json} beside the report and a table in it; {@code WORKLOADS=none}
 *       runs only those.
 * </ul>
 */
public final class LoadRunner {
    private static final int MESSAGE_SIZE = 64;

    private final Map<String, String> settings;
    private final int rounds;
    private final Duration duration, warmup;
    private final String serverCpu;
    private final int loops;
    private final List<String> serverJvm;
    private final Path out;
    private final List<Sample> samples = new ArrayList<>();
    /** The JMH section of the report, once run. */
    private String microbenchmarks;
    private final String started = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));

    LoadRunner(Map<String, String> settings) {
        this.settings = settings;
        rounds = Integer.parseInt(setting("ROUNDS", "3"));
        duration = Duration.ofSeconds(Long.parseLong(setting("DURATION", "15")));
        warmup = Duration.ofSeconds(Long.parseLong(setting("WARMUP", "5")));
        String cpus = setting("SERVER_CPUS", setting("SERVER_CPU", "0"));
        serverCpu = cpus.isBlank() ? null : cpus;
        loops = Integer.parseInt(setting("LOOPS", "1"));
        if (loops < 1) throw new IllegalArgumentException("LOOPS must be 1 or more, got " + loops);
        serverJvm = Arrays.stream(setting("SERVER_JVM_OPTS", "-Xms1g -Xmx1g -XX:+UseSerialGC").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        out = Path.of(setting("OUT", "benchmarks/results/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmm"))));
        if (rounds < 1 || duration.isZero() || duration.isNegative() || warmup.isNegative()) {
            throw new IllegalArgumentException("ROUNDS and DURATION must be positive, WARMUP not negative");
        }
    }

    private String setting(String key, String fallback) {
        return settings.getOrDefault(key, fallback);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = new HashMap<>(System.getenv());
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                System.err.println("usage: LoadRunner [KEY=VALUE]... (ROUNDS, DURATION, WARMUP, WORKLOADS, SERVERS, CLIENTS, SERVER_CPU(S), LOOPS, SERVER_JVM_OPTS, OUT, JMH)");
                System.exit(2);
            }
            settings.put(a.substring(0, eq), a.substring(eq + 1));
        }
        new LoadRunner(settings).runAll();
    }

    void runAll() throws Exception {
        List<Workload> workloads = selected("WORKLOADS", Workload.values(), w -> w.id).stream().map(Workload.class::cast).toList();
        List<ServerKind> servers = available("SERVERS", ServerKind.values());
        List<ClientKind> clients = workloads.stream().anyMatch(Workload::measuresClients) ? available("CLIENTS", ClientKind.values()) : List.of();
        boolean wrk = Wrk.available();
        if (!wrk && workloads.stream().anyMatch(w -> w.protocol.usesWrk())) System.err.println("no wrk on the PATH: skipping the HTTP workloads (run.sh installs it)");
        Files.createDirectories(out);
        Path csv = out.resolve("samples.csv");
        Files.writeString(csv, Sample.CSV_HEADER + "\n");
        System.out.printf("%d rounds, %s warm-up + %s measured per server; servers %s; results in %s%n",
                rounds, warmup, duration, servers, out);
        for (int round = 1; round <= rounds; round++) {
            for (Workload w : workloads) {
                if (w.protocol.usesWrk() && !wrk) continue;
                if (w.measuresClients()) {
                    for (ClientKind c : clients) {
                        try {
                            record(measureClient(w, c, round), csv);
                        } catch (IOException e) {
                            System.err.printf("round %d, %s with %s failed: %s%n", round, w.id, c, e.getMessage());
                        }
                    }
                    continue;
                }
                for (ServerKind k : servers) {
                    if (!k.speaks(w.protocol)) continue;
                    try {
                        record(measure(w, k, round), csv);
                    } catch (IOException e) {
                        System.err.printf("round %d, %s on %s failed: %s%n", round, w.id, k, e.getMessage());
                    }
                }
            }
            writeReport(round); // after each round, so that an interrupted run leaves what it measured
        }
        String jmh = setting("JMH", "");
        if (!jmh.isBlank()) {
            microbenchmarks = Microbenchmarks.run(jmh, out);
            writeReport(rounds);
            System.out.println("JMH results: " + out.resolve(Microbenchmarks.RESULT_FILE));
        }
        System.out.println("report: " + out.resolve("report.md"));
    }

    private void record(Sample s, Path csv) throws IOException {
        samples.add(s);
        Files.writeString(csv, s.csv() + "\n", java.nio.file.StandardOpenOption.APPEND);
        System.out.printf(Locale.ROOT, "round %d  %-17s %-28s %,12.0f %s  p50 %s  p99 %s  cpu %.2f s/M%s%n",
                s.round(), s.workload().id, s.server().id(), s.perSecond(), s.workload().unit(),
                Report.duration(s.p50Nanos() < 0 ? Double.NaN : s.p50Nanos()),
                Report.duration(s.p99Nanos() < 0 ? Double.NaN : s.p99Nanos()), s.cpuPerMillion(),
                s.errors() > 0 ? "  ERRORS " + s.errors() : "");
    }

    /**
     * One client process against a fresh Pants http-hello server (on the epoll shim, else the best
     * Pants backend here), pinned to the server's CPU as in the server workloads: the client
     * process's CPU is what is compared.
     */
    private Sample measureClient(Workload w, ClientKind c, int round) throws IOException, InterruptedException {
        ServerKind serverKind = Pollers.available().contains("epoll") ? ServerKind.PANTS_EPOLL : ServerKind.PANTS_NIO;
        try (ServerProcess server = new ServerProcess(serverKind, Workload.HTTP_HELLO_100, serverCpu, serverJvm)) {
            ClientProcess.Result r = ClientProcess.run(c, server.port, w.activeConnections, warmup, duration, serverJvm);
            return new Sample(w, c, round, r.requests(), r.seconds(), r.p50Nanos(), r.p99Nanos(), r.cpuSeconds(), r.errors(),
                    Double.NaN, Double.NaN);
        }
    }

    /** The servers (or clients) selected by {@code key} (default all) that can run here. */
    private <T extends Contender> List<T> available(String key, T[] all) {
        List<String> pollers = Pollers.available();
        List<T> usable = new ArrayList<>();
        for (Object o : selected(key, all, Contender::id)) {
            @SuppressWarnings("unchecked") T k = (T) o;
            if (k.pantsPoller() != null && !pollers.contains(k.pantsPoller())) {
                System.err.println("skipping " + k + ": " + Pollers.probeAll());
            } else if (k.onNettyEpoll() && !io.netty.channel.epoll.Epoll.isAvailable()) {
                System.err.println("skipping " + k + ": " + io.netty.channel.epoll.Epoll.unavailabilityCause());
            } else if (k.onNettyIoUring() && !io.netty.channel.uring.IoUring.isAvailable()) {
                System.err.println("skipping " + k + ": " + io.netty.channel.uring.IoUring.unavailabilityCause());
            } else if (k == ServerKind.NETTY_EPOLL_OPENSSL && !io.netty.handler.ssl.OpenSsl.isAvailable()) {
                System.err.println("skipping " + k + ": " + io.netty.handler.ssl.OpenSsl.unavailabilityCause());
            } else {
                usable.add(k);
            }
        }
        return usable;
    }

    private <T> List<Object> selected(String key, T[] all, java.util.function.Function<T, String> id) {
        String list = setting(key, "");
        if (list.isBlank()) return List.of((Object[]) all);
        if (list.equals("none")) return List.of();
        List<Object> chosen = new ArrayList<>();
        for (String name : list.split(",")) {
            T match = Arrays.stream(all).filter(x -> id.apply(x).equals(name.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown " + key + " entry '" + name + "'"));
            chosen.add(match);
        }
        return chosen;
    }

    /** One server process, one workload: warm-up, then the measured run. */
    Sample measure(Workload w, ServerKind k, int round) throws IOException, InterruptedException {
        try (ServerProcess server = new ServerProcess(k, w, serverCpu, serverJvm, loops)) {
            return switch (w.protocol) {
                case ECHO, WS_ECHO -> measureEcho(w, k, round, server);
                case TLS_ECHO -> measureTlsEcho(w, k, round, server);
                case FAKE_HTTP, HTTP_HELLO, JDK_API_HELLO, HTTPS_HELLO -> measureWrk(w, k, round, server);
                case HTTP_CLIENT -> throw new IllegalArgumentException("the client workload measures clients: measureClient");
            };
        }
    }

    private Sample measureEcho(Workload w, ServerKind k, int round, ServerProcess server) throws IOException, InterruptedException {
        Duration stall = Duration.ofSeconds(30);
        EchoClient.Framing framing = w.protocol == Workload.Protocol.WS_ECHO ? new WebSocketFraming() : EchoClient.Framing.RAW;
        try (EchoClient client = new EchoClient(server.port, w.activeConnections, MESSAGE_SIZE, framing)) {
            if (!warmup.isZero()) client.run(warmup, stall);
            double heapPer = Double.NaN, rssPer = Double.NaN;
            IdleConnections idle = null;
            try {
                if (w.idleConnections > 0) {
                    // measured after the warm-up, so that whatever the server sets up lazily is
                    // already in "before" and the difference is the idle connections alone
                    ServerProcess.Stats before = server.awaitConnections(w.activeConnections);
                    idle = new IdleConnections(server, w.idleConnections, w.activeConnections);
                    ServerProcess.Stats after = server.awaitConnections(w.activeConnections + w.idleConnections);
                    heapPer = (after.heapBytes() - before.heapBytes()) / (double) w.idleConnections;
                    rssPer = (after.rssBytes() - before.rssBytes()) / (double) w.idleConnections;
                }
                double cpu0 = server.cpuSeconds();
                EchoClient.Result r = client.run(duration, stall);
                double cpu = server.cpuSeconds() - cpu0;
                return new Sample(w, k, round, r.roundTrips(), r.nanos() / 1e9,
                        r.latencies().getValueAtPercentile(50), r.latencies().getValueAtPercentile(99), cpu, 0, heapPer, rssPer);
            } finally {
                if (idle != null) idle.close();
            }
        }
    }

    /** The echo over TLS: connections handshake once, before the warm-up; the runs reuse them. */
    private Sample measureTlsEcho(Workload w, ServerKind k, int round, ServerProcess server) throws IOException, InterruptedException {
        Duration stall = Duration.ofSeconds(30);
        try (TlsEchoClient client = new TlsEchoClient(server.port, w.activeConnections, MESSAGE_SIZE)) {
            if (!warmup.isZero()) client.run(warmup, stall);
            double cpu0 = server.cpuSeconds();
            EchoClient.Result r = client.run(duration, stall);
            double cpu = server.cpuSeconds() - cpu0;
            return new Sample(w, k, round, r.roundTrips(), r.nanos() / 1e9,
                    r.latencies().getValueAtPercentile(50), r.latencies().getValueAtPercentile(99), cpu, 0, Double.NaN, Double.NaN);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("no TLS client context: " + e.getMessage(), e);
        }
    }

    private Sample measureWrk(Workload w, ServerKind k, int round, ServerProcess server) throws IOException, InterruptedException {
        String url = (w.protocol.isTls() ? "https" : "http") + "://127.0.0.1:" + server.port + "/";
        if (!warmup.isZero()) Wrk.run(url, w.activeConnections, warmup, w.connectionPerRequest);
        double cpu0 = server.cpuSeconds();
        Wrk.Result r = Wrk.run(url, w.activeConnections, duration, w.connectionPerRequest);
        double cpu = server.cpuSeconds() - cpu0;
        return new Sample(w, k, round, r.requests(), r.seconds(), r.p50Nanos(), r.p99Nanos(), cpu, r.errors(), Double.NaN, Double.NaN);
    }

    private void writeReport(int roundsDone) throws IOException {
        StringBuilder md = new StringBuilder();
        String machine = Machine.describe();
        md.append("# Pants benchmarks, ").append(started).append("\n\n")
          .append("Machine: ").append(machine).append(".  \n")
          .append(String.format(Locale.ROOT, "Settings: %d of %d rounds, %d s warm-up + %d s measured per server and round; servers pinned to CPU %s, load generator to the other; %d event loop%s per server; server JVM options `%s`.%n%n",
                  roundsDone, rounds, warmup.toSeconds(), duration.toSeconds(), serverCpu == null ? "none" : serverCpu, loops, loops == 1 ? "" : "s",
                  String.join(" ", serverJvm)))
          .append("Medians over the rounds; spread is the slowest and fastest round. Latency percentiles are the median over rounds. ")
          .append("Server CPU s / M is the server process's user + system CPU seconds per million messages or requests. ")
          .append("Raw samples: [samples.csv](samples.csv).\n");
        Map<Workload, List<Sample>> byWorkload = new LinkedHashMap<>();
        for (Sample s : samples) byWorkload.computeIfAbsent(s.workload(), x -> new ArrayList<>()).add(s);
        for (var e : byWorkload.entrySet()) {
            Workload w = e.getKey();
            List<Report.Row> rows = Report.rows(e.getValue());
            md.append("\n## ").append(w.id).append("\n\n").append(describe(w)).append("\n\n")
              .append(Report.table(w, rows));
            if (w == Workload.MANY_CONNECTIONS && byWorkload.containsKey(Workload.ECHO_100)) {
                md.append('\n').append(idleCost(rows, Report.rows(byWorkload.get(Workload.ECHO_100)))).append('\n');
            }
            md.append("\n![").append(w.id).append("](").append(w.id).append(".svg)\n");
            Files.writeString(out.resolve(w.id + ".svg"), BarChart.svg(w, rows, started + ", " + machine));
        }
        if (microbenchmarks != null) {
            md.append("\n## Microbenchmarks (JMH)\n\nOne fork, 3 × 1 s warm-up, 5 × 1 s measured; JMH's own results: [")
              .append(Microbenchmarks.RESULT_FILE).append("](").append(Microbenchmarks.RESULT_FILE).append(").\n\n")
              .append(microbenchmarks);
        }
        Files.writeString(out.resolve("report.md"), md.toString());
    }

    /** What the idle connections cost each server: its throughput with them over its echo-100 throughput. */
    private static String idleCost(List<Report.Row> many, List<Report.Row> echo100) {
        List<String> parts = new ArrayList<>();
        for (Report.Row m : many) {
            echo100.stream().filter(e -> e.server() == m.server()).findFirst().ifPresent(e ->
                    parts.add(String.format(Locale.ROOT, "%s %.2f×", m.server().label(), m.perSecond() / e.perSecond())));
        }
        return "Throughput with the idle connections relative to the same server's echo-100 in this run: "
                + String.join(", ", parts) + ".";
    }

    private static String describe(Workload w) {
        return switch (w) {
            case ECHO_100, ECHO_1000 -> "Echo ping-pong: " + w.activeConnections + " connections, each sending a " + MESSAGE_SIZE
                    + "-byte message and waiting for it to come back (closed loop, built-in Java client); latency is the round trip.";
            case FAKE_HTTP -> "The talk's fake HTTP: every request answered with the same prefabricated response; wrk, 1 thread, keep-alive, "
                    + w.activeConnections + " connections; latency as wrk reports it.";
            case MANY_CONNECTIONS -> String.format(Locale.ROOT, "%,d idle connections held open while %d others do the echo ping-pong; "
                    + "memory per idle connection is the server's heap after a full GC and its resident set, before and after opening them.",
                    w.idleConnections, w.activeConnections);
            case HTTP_HELLO_100, HTTP_HELLO_1000 -> "HTTP hello world: each server's own HTTP implementation (Pants' `io.pants.http.HttpServer`, "
                    + "Netty's `HttpServerCodec`) parses every request and answers `Hello, World!` with Content-Length; wrk, 1 thread, keep-alive, "
                    + w.activeConnections + " connections; latency as wrk reports it.";
            case HTTP_CLIENT_100 -> "HTTP clients against Pants' http-hello (`io.pants.http.HttpServer` on the epoll shim, its own process pinned to the server CPU): "
                    + "each client keeps " + w.activeConnections + " `GET /` requests in flight on keep-alive connections, each followed by the next when "
                    + "answered, all I/O and callbacks on one thread (Pants' engine; the JDK client's selector thread with a one-thread executor; "
                    + "Netty's `HttpClientCodec` on a one-thread event loop). Latency is the client's, request sent to response complete; "
                    + "the CPU is the client process's.";
            case JDK_API_HELLO_100 -> "The same hello world written once against the JDK's `com.sun.net.httpserver` API (no executor), run unmodified "
                    + "on Pants' `HttpServerProvider` (one per backend) and on the JDK's own server (with TCP_NODELAY); wrk, 1 thread, keep-alive, "
                    + w.activeConnections + " connections. The ratio is to the JDK's own server.";
            case TLS_ECHO_100 -> "Echo ping-pong over TLS: " + w.activeConnections + " connections, handshaken once, each sending a " + MESSAGE_SIZE
                    + "-byte message and waiting for it (closed loop; the built-in client on the JDK's SSLEngine, one thread). Pants' TLS layer against "
                    + "Netty's `SslHandler`, both on the JDK's provider.";
            case HTTPS_HELLO_100 -> "The HTTP hello world over HTTPS: Pants' `HttpServer.tls` against Netty's `SslHandler` (JDK provider) in front "
                    + "of its `HttpServerCodec`; wrk, 1 thread, keep-alive, " + w.activeConnections + " connections.";
            case HTTPS_HANDSHAKES -> "HTTPS hello with `Connection: close` on every request: a new connection and a full handshake per request "
                    + "(handshakes per second); wrk, 1 thread, " + w.activeConnections + " connections.";
            case WS_ECHO_100 -> "WebSocket echo: " + w.activeConnections + " connections, each sending a " + MESSAGE_SIZE
                    + "-byte binary message (one masked frame) and waiting for the echo (closed loop, built-in Java client); each server's own "
                    + "WebSocket implementation (Pants' `io.pants.websocket` on a web route, Netty's `WebSocketServerProtocolHandler`).";
        };
    }
}
