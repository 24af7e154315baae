// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.time.Duration;

/**
 * One HTTP client under test, in a process of its own:
 * {@code java -cp benchmarks.jar io.pants.benchmarks.ClientMain CLIENT PORT CONNECTIONS WARMUP_S DURATION_S}.
 * Runs its closed-loop load against 127.0.0.1:PORT, then prints
 * {@code benchmark client result requests=N seconds=S p50=NS p99=NS errors=N cpu=S} and exits.
 */
public final class ClientMain {
    private ClientMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ClientMain CLIENT PORT CONNECTIONS WARMUP_SECONDS DURATION_SECONDS");
            System.exit(2);
        }
        ClientKind kind = ClientKind.byId(args[0]);
        int port = Integer.parseInt(args[1]), connections = Integer.parseInt(args[2]);
        ClosedLoop loop = new ClosedLoop();
        HttpClientLoads.start(kind, port, connections, loop);
        ClosedLoop.Result r = loop.run(Duration.ofSeconds(Long.parseLong(args[3])), Duration.ofSeconds(Long.parseLong(args[4])));
        System.out.printf(java.util.Locale.ROOT, "benchmark client result requests=%d seconds=%.6f p50=%d p99=%d errors=%d cpu=%.6f%n",
                r.requests(), r.seconds(), r.latencies().getValueAtPercentile(50), r.latencies().getValueAtPercentile(99),
                r.errors(), r.cpuSeconds());
        System.out.flush();
        System.exit(0); // the clients' threads are daemons, but the JDK's selector thread may not be
    }
}
