// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Medians, spread and ratios in the report, and a chart that is well-formed SVG. */
class ReportTest {
    private static Sample sample(ServerKind k, int round, long ops, long p50) {
        return new Sample(Workload.ECHO_100, k, round, ops, 1.0, p50, p50 * 2, ops / 1e6, 0, Double.NaN, Double.NaN);
    }

    @Test
    void mediansSpreadAndRatioToNettyEpoll() throws Exception {
        List<Sample> samples = List.of(
                sample(ServerKind.NETTY_EPOLL, 1, 100_000, 1000), sample(ServerKind.NETTY_EPOLL, 2, 120_000, 3000),
                sample(ServerKind.NETTY_EPOLL, 3, 110_000, 2000),
                sample(ServerKind.PANTS_EPOLL, 1, 130_000, 900), sample(ServerKind.PANTS_EPOLL, 2, 140_000, 800),
                sample(ServerKind.PANTS_EPOLL, 3, 90_000, 700));
        List<Report.Row> rows = Report.rows(samples);
        assertEquals(List.of(ServerKind.PANTS_EPOLL, ServerKind.NETTY_EPOLL), rows.stream().map(Report.Row::server).toList());
        Report.Row pants = rows.get(0);
        assertEquals(130_000, pants.perSecond(), 1e-6);
        assertEquals(90_000, pants.minPerSecond(), 1e-6);
        assertEquals(140_000, pants.maxPerSecond(), 1e-6);
        assertEquals(800, pants.p50Nanos(), 1e-6);
        assertEquals(1.0, pants.cpuPerMillion(), 1e-9);

        String table = Report.table(Workload.ECHO_100, rows);
        assertTrue(table.contains("| Pants epoll (shim) | 130,000 | 90,000–140,000 (±19.2%) | 1 µs | 2 µs | 1.00 | 1.18× |"), table);
        assertTrue(table.contains("| Netty epoll | 110,000 |") && table.contains("| 1.00× |"), table);

        String svg = BarChart.svg(Workload.ECHO_100, rows, "a <test> & more");
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(svg.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(2, svg.split("<rect x=").length - 1, "one bar per server");
    }

    @Test
    void jdkApiWorkloadIsComparedWithTheJdkServer() {
        List<Sample> samples = List.of(
                new Sample(Workload.JDK_API_HELLO_100, ServerKind.JDK_HTTP, 1, 10_000, 1.0, 1000, 2000, 0.5, 0, Double.NaN, Double.NaN),
                new Sample(Workload.JDK_API_HELLO_100, ServerKind.JDK_API_PANTS_EPOLL_LIBC, 1, 25_000, 1.0, 1000, 2000, 0.5, 0, Double.NaN, Double.NaN));
        List<Report.Row> rows = Report.rows(samples);
        String table = Report.table(Workload.JDK_API_HELLO_100, rows);
        assertTrue(table.contains("| vs JDK HttpServer |"), table);
        assertTrue(table.contains("| JDK API on Pants epoll (libc) | 25,000 |") && table.contains("| 2.50× |"), table);
        assertTrue(table.contains("| JDK HttpServer | 10,000 |") && table.contains("| 1.00× |"), table);
        // the long server names get room: the labels end where the bars start, at least 7.5 px a character
        String svg = BarChart.svg(Workload.JDK_API_HELLO_100, rows, "test");
        int barsStart = Integer.parseInt(svg.replaceAll("(?s).*?<rect x=\"(\\d+)\".*", "$1"));
        assertTrue(barsStart >= "JDK API on Pants epoll (libc)".length() * 7.5, svg);
    }

    @Test
    void theClientWorkloadHasClientRowsComparedWithNettysClient() {
        List<Sample> samples = List.of(
                new Sample(Workload.HTTP_CLIENT_100, ClientKind.NETTY_EPOLL, 1, 40_000, 1.0, 1000, 2000, 0.5, 0, Double.NaN, Double.NaN),
                new Sample(Workload.HTTP_CLIENT_100, ClientKind.JDK, 1, 10_000, 1.0, 1000, 2000, 0.5, 0, Double.NaN, Double.NaN),
                new Sample(Workload.HTTP_CLIENT_100, ClientKind.PANTS_EPOLL, 1, 30_000, 1.0, 1000, 2000, 0.5, 0, Double.NaN, Double.NaN));
        List<Report.Row> rows = Report.rows(samples);
        assertEquals(List.of(ClientKind.PANTS_EPOLL, ClientKind.JDK, ClientKind.NETTY_EPOLL), rows.stream().map(Report.Row::server).toList());
        String table = Report.table(Workload.HTTP_CLIENT_100, rows);
        assertTrue(table.startsWith("| client | requests/s (median) |") && table.contains("| client CPU s / M | vs Netty HttpClientCodec epoll |"), table);
        assertTrue(table.contains("| Pants HttpClient epoll (shim) | 30,000 |") && table.contains("| 0.75× |"), table);
        assertTrue(table.contains("| JDK HttpClient | 10,000 |") && table.contains("| 0.25× |"), table);
        String svg = BarChart.svg(Workload.HTTP_CLIENT_100, rows, "test");
        assertTrue(svg.contains("fill=\"#2b6cb0\""), "Pants' bar in Pants' colour: " + svg);
    }
}
