// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Turns the samples of a run into Markdown: one table per workload, one row per server, medians
 * over the rounds with the spread, and the ratio to the workload's baseline (Netty epoll; for the
 * JDK-API application, the JDK's own server) measured in the same run.
 */
final class Report {
    /** One server's figures for one workload, over all rounds. */
    record Row(Contender server, int rounds, double perSecond, double minPerSecond, double maxPerSecond,
               double p50Nanos, double p99Nanos, double cpuPerMillion, long errors,
               double heapPerConnection, double rssPerConnection) {}

    private Report() {}

    static List<Row> rows(List<Sample> samples) {
        // in the order of their enum (servers, or clients: one kind per workload)
        Map<Contender, List<Sample>> byServer = samples.stream().collect(Collectors.groupingBy(Sample::server,
                () -> new java.util.TreeMap<>(java.util.Comparator.comparingInt(c -> ((Enum<?>) c).ordinal())), Collectors.toList()));
        List<Row> rows = new ArrayList<>();
        byServer.forEach((server, s) -> rows.add(new Row(server, s.size(),
                median(s, Sample::perSecond), min(s, Sample::perSecond), max(s, Sample::perSecond),
                median(s, x -> x.p50Nanos() < 0 ? Double.NaN : x.p50Nanos()),
                median(s, x -> x.p99Nanos() < 0 ? Double.NaN : x.p99Nanos()),
                median(s, Sample::cpuPerMillion), s.stream().mapToLong(Sample::errors).sum(),
                median(s, Sample::heapPerConnection), median(s, Sample::rssPerConnection))));
        return rows;
    }

    /** The Markdown table of one workload. */
    static String table(Workload workload, List<Row> rows) {
        double baseline = rows.stream().filter(r -> r.server() == workload.baseline())
                .mapToDouble(Row::perSecond).findFirst().orElse(Double.NaN);
        boolean memory = workload.idleConnections > 0;
        StringBuilder b = new StringBuilder();
        String who = workload.measuresClients() ? "client" : "server";
        b.append("| ").append(who).append(" | ").append(workload.unit()).append(" (median) | spread (min–max) | p50 | p99 | ").append(who)
                .append(" CPU s / M | vs ").append(workload.baseline().label()).append(" |");
        if (memory) b.append(" heap / idle conn | RSS / idle conn |");
        b.append("\n|---|---:|---:|---:|---:|---:|---:|");
        if (memory) b.append("---:|---:|");
        b.append('\n');
        for (Row r : rows) {
            b.append("| ").append(r.server().label()).append(r.errors() > 0 ? " (" + r.errors() + " errors)" : "")
                    .append(" | ").append(String.format(Locale.ROOT, "%,.0f", r.perSecond()))
                    .append(" | ").append(String.format(Locale.ROOT, "%,.0f–%,.0f (±%.1f%%)", r.minPerSecond(), r.maxPerSecond(),
                            (r.maxPerSecond() - r.minPerSecond()) / 2 / r.perSecond() * 100))
                    .append(" | ").append(duration(r.p50Nanos()))
                    .append(" | ").append(duration(r.p99Nanos()))
                    .append(" | ").append(Double.isNaN(r.cpuPerMillion()) ? "–" : String.format(Locale.ROOT, "%.2f", r.cpuPerMillion()))
                    .append(" | ").append(Double.isNaN(baseline) ? "–" : String.format(Locale.ROOT, "%.2f×", r.perSecond() / baseline))
                    .append(" |");
            if (memory) b.append(' ').append(bytes(r.heapPerConnection())).append(" | ").append(bytes(r.rssPerConnection())).append(" |");
            b.append('\n');
        }
        return b.toString();
    }

    static String duration(double nanos) {
        if (Double.isNaN(nanos)) return "–";
        if (nanos < 1e6) return String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
        if (nanos < 1e9) return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    static String bytes(double b) {
        if (Double.isNaN(b)) return "–";
        return b < 10 * 1024 ? String.format(Locale.ROOT, "%.0f B", b) : String.format(Locale.ROOT, "%.1f KiB", b / 1024);
    }

    static double median(List<Sample> s, ToDoubleFunction<Sample> f) {
        double[] v = s.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double min(List<Sample> s, ToDoubleFunction<Sample> f) {
        return Arrays.stream(s.stream().mapToDouble(f).toArray()).min().orElse(Double.NaN);
    }

    private static double max(List<Sample> s, ToDoubleFunction<Sample> f) {
        return Arrays.stream(s.stream().mapToDouble(f).toArray()).max().orElse(Double.NaN);
    }
}
