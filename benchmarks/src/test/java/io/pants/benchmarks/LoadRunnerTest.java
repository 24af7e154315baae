// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.Pollers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole harness once, as briefly as it goes: each Pants backend and Netty NIO as child
 * processes under the echo load for one second (no warm-up), then the report. Checks that every
 * server was measured with real round trips and that the report, the chart and the raw samples
 * are written; the numbers themselves mean nothing here. Then the HTTP workloads under wrk the
 * same way, where wrk is installed.
 */
class LoadRunnerTest {
    @Test
    void measuresEveryServerAndWritesTheReport(@TempDir Path out) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "the runner reads CPU times from /proc (Linux)");
        List<String> servers = new ArrayList<>();
        for (String poller : Pollers.available()) servers.add("pants-" + poller);
        servers.add("netty-nio");
        new LoadRunner(Map.of("ROUNDS", "1", "DURATION", "1", "WARMUP", "0", "WORKLOADS", "echo-100",
                "SERVERS", String.join(",", servers), "SERVER_CPU", "", "SERVER_JVM_OPTS", "-Xmx256m",
                "OUT", out.toString())).runAll();

        List<String> csv = Files.readAllLines(out.resolve("samples.csv"));
        assertEquals(Sample.CSV_HEADER, csv.get(0));
        assertEquals(servers.size() + 1, csv.size(), "one sample per server:\n" + String.join("\n", csv));
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            assertTrue(servers.contains(f[1]), line);
            assertTrue(Long.parseLong(f[3]) > 0, "no round trip measured: " + line);
            assertTrue(Double.parseDouble(f[8]) > 0, "no server CPU time measured: " + line);
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## echo-100") && report.contains("| Pants NIO |") && report.contains("| Netty NIO |"), report);
        assertTrue(Files.readString(out.resolve("echo-100.svg")).startsWith("<svg"), "the chart");
    }

    @Test
    void measuresTheHttpHelloWorkloadsWithWrk(@TempDir Path out) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "the runner reads CPU times from /proc (Linux)");
        assumeTrue(Wrk.available(), "no wrk on the PATH (benchmarks/run.sh installs it)");
        // one Pants backend and one peer per workload: HttpHelloServersTest starts every server
        List<String> servers = List.of("pants-nio", "netty-nio", "jdk-api-pants-nio", "jdk-http");
        // warm-up first: a server JVM still loading and compiling its HTTP code on a busy machine
        // (Netty's took over a second for its first answers here) may answer nothing within the
        // one measured second
        new LoadRunner(Map.of("ROUNDS", "1", "DURATION", "1", "WARMUP", "3", "WORKLOADS", "http-hello-100,jdk-api-hello-100",
                "SERVERS", String.join(",", servers), "SERVER_CPU", "", "SERVER_JVM_OPTS", "-Xmx256m",
                "OUT", out.toString())).runAll();

        List<String> csv = Files.readAllLines(out.resolve("samples.csv"));
        List<String> measured = csv.subList(1, csv.size()).stream().map(l -> l.split(",", -1)[0] + " " + l.split(",", -1)[1]).toList();
        assertEquals(List.of("http-hello-100 pants-nio", "http-hello-100 netty-nio", "jdk-api-hello-100 jdk-api-pants-nio", "jdk-api-hello-100 jdk-http"),
                measured, "each workload on the servers that speak it:\n" + String.join("\n", csv));
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            assertTrue(Long.parseLong(f[3]) > 0, "no request measured: " + line);
            assertEquals("0", f[10], "wrk saw socket errors or non-2xx responses: " + line);
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## http-hello-100") && report.contains("| Pants NIO |") && report.contains("| Netty NIO |")
                && report.contains("vs Netty epoll |"), report);
        assertTrue(report.contains("## jdk-api-hello-100") && report.contains("| JDK API on Pants NIO |")
                && report.contains("vs JDK HttpServer |"), report);
        assertTrue(report.lines().anyMatch(l -> l.startsWith("| JDK HttpServer |") && l.endsWith("| 1.00× |")), "the JDK server is the jdk-api baseline:\n" + report);
        assertTrue(Files.readString(out.resolve("http-hello-100.svg")).startsWith("<svg"), "the chart");
        assertTrue(Files.readString(out.resolve("jdk-api-hello-100.svg")).startsWith("<svg"), "the chart");
    }
}
