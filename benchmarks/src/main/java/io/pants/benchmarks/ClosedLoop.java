// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bookkeeping of a closed-loop load: each of the client's connections sends a request when
 * the previous one is answered, and reports each answer's latency here (from any thread: the
 * JDK's client answers on its executor). {@link #run} is a warm-up and a measured phase; only
 * the second counts, and the CPU this process used in it is measured too.
 */
final class ClosedLoop {
    /** What the measured phase saw. */
    record Result(long requests, double seconds, Histogram latencies, long errors, double cpuSeconds) {}

    private final Recorder latencies = new Recorder(3);
    private final AtomicLong requests = new AtomicLong(), errors = new AtomicLong();
    private volatile boolean stopped;

    /** One answer came, {@code nanos} after its request went. */
    void answered(long nanos) {
        latencies.recordValue(Math.max(1, nanos));
        requests.incrementAndGet();
    }

    void failed() { errors.incrementAndGet(); }

    /** Whether the load should stop issuing requests (the measured phase is over). */
    boolean stopped() { return stopped; }

    /** Lets the load run {@code warmup}, then measures it for {@code duration}, then stops it. */
    Result run(Duration warmup, Duration duration) throws InterruptedException {
        Thread.sleep(warmup.toMillis()); // the load runs on its own threads; this one only keeps time
        latencies.getIntervalHistogram(); // the warm-up's, dropped
        requests.set(0);
        errors.set(0);
        double cpu0 = cpuSeconds();
        long t0 = System.nanoTime();
        Thread.sleep(duration.toMillis());
        long n = requests.get(), e = errors.get();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Histogram h = latencies.getIntervalHistogram();
        double cpu = cpuSeconds() - cpu0;
        stopped = true;
        return new Result(n, seconds, h, e, cpu);
    }

    /** User and system CPU of this process so far. */
    private static double cpuSeconds() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getProcessCpuTime() / 1e9;
    }
}
