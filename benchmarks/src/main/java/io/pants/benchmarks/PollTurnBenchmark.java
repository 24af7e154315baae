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

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One turn of the loop when nothing is ready: run due timers (none), ask the poller with a zero
 * timeout, handle no events. The floor under every turn, per backend; on epoll it is mostly the
 * one {@code epoll_wait} crossing. A backend that does not work here fails its parameter.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PollTurnBenchmark {
    @Param({"epoll", "epoll-libc", "nio", "io_uring"})
    public String backend;

    private Engine engine;

    @Setup
    public void open() {
        engine = Engine.builder().poller(backend).build();
    }

    @TearDown
    public void close() {
        engine.close();
    }

    @Benchmark
    public void idleTurn() {
        engine.poll(Duration.ZERO);
    }
}
