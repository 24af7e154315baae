// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

/**
 * One measured run of one server (or, for the client workload, one client) under one workload.
 * The CPU is the measured process's: the server's, or the client's. Latencies are -1 and memory
 * figures NaN where the workload does not measure them.
 */
record Sample(Workload workload, Contender server, int round, long operations, double seconds,
              long p50Nanos, long p99Nanos, double serverCpuSeconds, long errors,
              double heapPerConnection, double rssPerConnection) {

    double perSecond() { return operations / seconds; }

    /** CPU seconds of the measured process per million requests or messages. */
    double cpuPerMillion() { return operations == 0 ? Double.NaN : serverCpuSeconds / operations * 1e6; }

    static final String CSV_HEADER = "workload,server,round,operations,seconds,per_second,p50_ns,p99_ns,server_cpu_s,cpu_s_per_million,errors,heap_per_connection,rss_per_connection";

    String csv() {
        return String.join(",", workload.id, server.id(), Integer.toString(round), Long.toString(operations),
                fmt(seconds), fmt(perSecond()), Long.toString(p50Nanos), Long.toString(p99Nanos),
                fmt(serverCpuSeconds), fmt(cpuPerMillion()), Long.toString(errors),
                fmt(heapPerConnection), fmt(rssPerConnection));
    }

    private static String fmt(double d) { return Double.isNaN(d) ? "" : String.format(java.util.Locale.ROOT, "%.3f", d); }
}
