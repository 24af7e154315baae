// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deadlines on a {@link FakeClock}, driven one turn at a time as in {@link TimerTest}: a deadline
 * runs no earlier than it is due and at most {@link Deadline#RESOLUTION_NANOS} later, however
 * often it is pushed back and however many there are.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DeadlineTest {
    private static final long START = 7_000_000_000L;
    private static final long RESOLUTION = Deadline.RESOLUTION_NANOS;

    private final FakeClock clock = new FakeClock(START);
    private final List<String> ran = new ArrayList<>();

    private Engine engine(String backend) {
        return Engine.builder().poller(backend).clock(clock).build();
    }

    /** Moves the clock to {@code START + nanos} and runs a turn there. */
    private void turnAt(Engine e, long nanos) {
        clock.set(START, Duration.ofNanos(nanos));
        e.poll(Duration.ZERO);
    }

    private static long ms(long millis) { return millis * 1_000_000; }

    @BackendTest
    void aDeadlineRunsNoEarlierThanDueAndWithinTheResolution(String backend) {
        try (Engine e = engine(backend)) {
            Deadline d = e.deadline(() -> ran.add("due"));
            d.after(Duration.ofMillis(1000));
            assertTrue(d.isArmed());
            turnAt(e, ms(1000) - 1);
            assertEquals(List.of(), ran, "not a nanosecond early");
            turnAt(e, ms(1000) + RESOLUTION);
            assertEquals(List.of("due"), ran, "at most the resolution late");
            assertFalse(d.isArmed(), "a deadline runs once per arming");
            turnAt(e, ms(5000));
            assertEquals(List.of("due"), ran);
        }
    }

    @BackendTest
    void pushingADeadlineBackMovesWhenItRuns(String backend) {
        try (Engine e = engine(backend)) {
            Deadline d = e.deadline(() -> ran.add("due"));
            d.after(Duration.ofMillis(1000));
            turnAt(e, ms(600));
            d.after(Duration.ofMillis(1000)); // as a read would: now due at 1600 ms
            turnAt(e, ms(1000) + RESOLUTION);
            assertEquals(List.of(), ran, "the old deadline passed without running");
            turnAt(e, ms(1600) - 1);
            assertEquals(List.of(), ran);
            turnAt(e, ms(1600) + RESOLUTION);
            assertEquals(List.of("due"), ran);
        }
    }

    @BackendTest
    void aDeadlineMovedEarlierRunsAtItsNewTime(String backend) {
        try (Engine e = engine(backend)) {
            Deadline d = e.deadline(() -> ran.add("due"));
            d.after(Duration.ofSeconds(60));
            d.after(Duration.ofMillis(100));
            turnAt(e, ms(100) + RESOLUTION);
            assertEquals(List.of("due"), ran);
        }
    }

    @BackendTest
    void aCancelledDeadlineDoesNotRunAndCanBeArmedAgain(String backend) {
        try (Engine e = engine(backend)) {
            Deadline d = e.deadline(() -> ran.add("due"));
            d.after(Duration.ofMillis(100));
            d.cancel();
            d.cancel(); // idempotent
            assertFalse(d.isArmed());
            turnAt(e, ms(1000));
            assertEquals(List.of(), ran);
            d.after(Duration.ofMillis(100));
            turnAt(e, ms(1100) + RESOLUTION);
            assertEquals(List.of("due"), ran, "armed again after a cancel");
            d.after(Duration.ofMillis(100));
            turnAt(e, ms(1200) + 2 * RESOLUTION);
            assertEquals(List.of("due", "due"), ran, "and again after it ran");
        }
    }

    /** Farther than a turn of the wheel (about 34 s): it waits its turns, then runs on time. */
    @BackendTest
    void aDeadlineBeyondOneTurnOfTheWheelRunsOnTime(String backend) {
        try (Engine e = engine(backend)) {
            Deadline d = e.deadline(() -> ran.add("due"));
            d.after(Duration.ofSeconds(100));
            for (long t = 0; t < 100_000; t += 500) turnAt(e, ms(t));
            turnAt(e, ms(100_000) - 1);
            assertEquals(List.of(), ran);
            turnAt(e, ms(100_000) + RESOLUTION);
            assertEquals(List.of("due"), ran);
        }
    }

    /** A task may arm its own deadline again (a periodic check), and cancel another one due in the same turn. */
    @BackendTest
    void tasksMayRearmThemselvesAndCancelOthersDueWithThem(String backend) {
        try (Engine e = engine(backend)) {
            Deadline[] ds = new Deadline[3];
            // in one slot, in no particular order: whichever runs first cancels the other
            ds[0] = e.deadline(() -> { ran.add("a"); ds[1].cancel(); });
            ds[1] = e.deadline(() -> { ran.add("b"); ds[0].cancel(); });
            ds[2] = e.deadline(() -> { ran.add("periodic"); ds[2].after(Duration.ofMillis(50)); });
            for (Deadline d : ds) d.after(Duration.ofMillis(100));
            turnAt(e, ms(100) + RESOLUTION);
            assertEquals(2, ran.size(), "one of the pair and the periodic one: " + ran);
            assertTrue(ran.contains("periodic"), ran.toString());
            turnAt(e, ms(150) + 2 * RESOLUTION);
            assertEquals(3, ran.size(), ran.toString());
            assertEquals("periodic", ran.get(2), "armed again by its own task");
        }
    }

    /**
     * 10,000 deadlines spread over two minutes, a third of them pushed back halfway: each runs
     * no earlier than its (last) deadline and within the resolution plus the step of the clock.
     */
    @BackendTest
    void tenThousandDeadlinesEachRunOnTime(String backend) {
        int n = 10_000;
        long step = ms(10);
        long[] due = new long[n];
        long[] ranAt = new long[n];
        Arrays.fill(ranAt, -1);
        Random random = new Random(42);
        try (Engine e = engine(backend)) {
            Deadline[] ds = new Deadline[n];
            for (int i = 0; i < n; i++) {
                int index = i;
                ds[i] = e.deadline(() -> ranAt[index] = clock.getAsLong() - START);
                due[i] = ms(1 + random.nextInt(120_000));
                ds[i].after(Duration.ofNanos(due[i]));
            }
            for (long t = step; t <= ms(60_000); t += step) turnAt(e, t);
            for (int i = 0; i < n; i += 3) {
                if (ranAt[i] >= 0) continue;
                due[i] = ms(60_000) + ms(1 + random.nextInt(60_000));
                ds[i].after(Duration.ofNanos(due[i] - ms(60_000)));
            }
            for (long t = ms(60_000) + step; t <= ms(121_000) + RESOLUTION + step; t += step) turnAt(e, t);
        }
        for (int i = 0; i < n; i++) {
            assertTrue(ranAt[i] >= due[i], "deadline " + i + " ran early: at " + ranAt[i] + " ns, due at " + due[i]);
            assertTrue(ranAt[i] <= due[i] + RESOLUTION + step, "deadline " + i + " ran late: at " + ranAt[i] + " ns, due at " + due[i]);
        }
    }

    /**
     * With the real clock: a poll allowed to wait minutes returns for a deadline 50 ms away, and
     * an engine whose only deadline is far away sleeps instead of waking every tick of the wheel.
     */
    @BackendTest
    void pollWaitsUntilTheNearestDeadlineAndNoLonger(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            java.util.concurrent.CompletableFuture<Boolean> ranOnLoop = new java.util.concurrent.CompletableFuture<>();
            loop.run(() -> {
                loop.engine.deadline(() -> { }).after(Duration.ofMinutes(10));
                loop.engine.deadline(() -> ranOnLoop.complete(loop.engine.inLoopThread())).after(Duration.ofMillis(50));
            });
            assertTrue(Await.get(ranOnLoop, "the 50 ms deadline"));
            long before = loop.call(loop.engine::turns);
            Thread.sleep(500); // not synchronisation: the span over which the loop's wake-ups are counted
            long turns = loop.call(loop.engine::turns) - before;
            // a loop that woke every 8 ms tick would turn some 60 times; asleep, it turns for the two calls
            assertTrue(turns < 20, "an engine with a deadline 10 minutes away turned " + turns + " times in 500 ms");
        }
    }
}
