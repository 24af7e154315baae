// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.Engine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Wake-up latency: {@link Engine#execute} from another thread until the task runs on the loop,
 * the loop having nothing else to do (so it is usually asleep in the poller and must be woken).
 * The benchmark thread spins until the task has run; the spin is bounded, so a lost wake-up
 * fails the run instead of hanging it. Needs two CPUs to mean anything.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WakeupBenchmark {
    @Param({"epoll", "epoll-libc", "nio"})
    public String backend;

    private Engine engine;
    private Thread loop;
    /** Written by the loop thread only. */
    private volatile long ran;
    private final Runnable task = () -> ran++;

    @Setup
    public void start() {
        engine = Engine.builder().poller(backend).build();
        loop = new Thread(engine::start, "wakeup benchmark loop");
        loop.start();
    }

    @TearDown
    public void stop() throws InterruptedException {
        engine.stop();
        loop.join(TimeUnit.SECONDS.toMillis(10));
        if (!loop.isAlive()) engine.close();
    }

    @Benchmark
    public long executeUntilRun() {
        long target = ran + 1;
        engine.execute(task);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ran != target) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the task did not run within 10 s");
            Thread.onSpinWait();
        }
        return target;
    }
}
