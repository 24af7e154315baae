// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The cost of idle timeouts on a busy server: one loop turn in which each of 10,000 connections
 * is active and pushes its 60 s idle deadline back, then the turn runs what is due. Reported per
 * connection. {@code wheel} is the engine's {@link DeadlineWheel} (a long stored per push; a
 * relink once per timeout when the slot it sat in comes due); {@code heap} keeps a
 * {@link TimerHeap} entry per connection and re-arms it on every push (a removal and an
 * insertion, O(log n)), which is what timing each connection with a {@code defer} costs. The
 * clock is a counter moved 1 ms per turn, so the wheel's slots come due as in a real run.
 *
 * <p>In package {@code io.pants} (of this module) because the wheel and the heap are package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DeadlineBenchmark {
    private static final int CONNECTIONS = 10_000;
    private static final long TIMEOUT = Duration.ofSeconds(60).toNanos();
    private static final long TURN = Duration.ofMillis(1).toNanos();

    @Param({"wheel", "heap"})
    public String mechanism;

    private long now = 1_000_000_000L;
    private Engine engine;
    private DeadlineWheel wheel;
    private Deadline[] deadlines;
    private TimerHeap heap;
    private Timer[] timers;
    private long expired;

    @Setup
    public void prepare() {
        engine = Engine.builder().poller("nio").clock(() -> now).build();
        Runnable task = () -> expired++;
        if (mechanism.equals("wheel")) {
            wheel = new DeadlineWheel(now);
            deadlines = new Deadline[CONNECTIONS];
            for (int i = 0; i < CONNECTIONS; i++) {
                deadlines[i] = new Deadline(engine, task);
                wheel.arm(deadlines[i], now + TIMEOUT);
            }
        } else {
            heap = new TimerHeap();
            timers = new Timer[CONNECTIONS];
            for (int i = 0; i < CONNECTIONS; i++) {
                timers[i] = new Timer(engine, Timer.Kind.DEFER, task, now + TIMEOUT, 0);
                heap.add(timers[i]);
            }
        }
    }

    @TearDown
    public void close() {
        engine.close();
        if (expired != 0) throw new IllegalStateException(expired + " deadlines expired although every connection was busy");
    }

    @Benchmark
    @OperationsPerInvocation(CONNECTIONS)
    public void busyTurn() {
        now += TURN;
        long deadline = now + TIMEOUT;
        if (wheel != null) {
            for (Deadline d : deadlines) wheel.arm(d, deadline);
            wheel.runDue(now, engine);
        } else {
            for (Timer t : timers) {
                heap.remove(t);
                t.deadline = deadline;
                heap.add(t);
            }
            Timer first;
            while ((first = heap.peek()) != null && first.deadline - now <= 0) heap.poll().task.run();
        }
    }
}
