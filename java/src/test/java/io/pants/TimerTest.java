// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Timers on a {@link FakeClock}: the test thread drives the engine one turn at a time with
 * {@code poll(Duration.ZERO)} (which never blocks) and moves the clock by hand, so what runs in
 * which turn is exact and nothing depends on the machine's speed.
 */
@ExtendWith(NoDescriptorLeaks.class) // each engine holds an epoll/eventfd or a selector
class TimerTest {
    /** An arbitrary start, far from zero: deadlines are compared as differences, like nanoTime's. */
    private static final long START = 7_000_000_000L;

    private final FakeClock clock = new FakeClock(START);
    private final List<String> ran = new ArrayList<>();

    private Engine engine(String backend) {
        return Engine.builder().poller(backend).clock(clock).build();
    }

    private void turn(Engine e) {
        e.poll(Duration.ZERO);
    }

    private void at(long millis) {
        clock.set(START, Duration.ofMillis(millis));
    }

    private Runnable record(String name) {
        return () -> ran.add(name);
    }

    @BackendTest
    void defersRunInDeadlineOrderWithTiesInSchedulingOrder(String backend) {
        try (Engine e = engine(backend)) {
            e.defer(Duration.ofMillis(30), record("c"));
            e.defer(Duration.ofMillis(10), record("a1"));
            e.defer(Duration.ofMillis(20), record("b"));
            e.defer(Duration.ofMillis(10), record("a2"));
            e.defer(Duration.ofMillis(10), record("a3"));

            turn(e);
            at(9);
            turn(e);
            assertEquals(List.of(), ran, "nothing is due before 10 ms");

            at(10);
            turn(e);
            assertEquals(List.of("a1", "a2", "a3"), ran, "equal deadlines run first come, first served");

            at(100); // b and c are both overdue: still earliest deadline first
            turn(e);
            assertEquals(List.of("a1", "a2", "a3", "b", "c"), ran);

            at(1000);
            turn(e);
            assertEquals(5, ran.size(), "a defer runs once");
        }
    }

    @BackendTest
    void overdueDefersRunInDeadlineOrderInOneTurn(String backend) {
        try (Engine e = engine(backend)) {
            for (int ms : new int[] {50, 5, 40, 5, 20, 0, 35}) e.defer(Duration.ofMillis(ms), record(ms + "ms"));
            at(60);
            turn(e);
            assertEquals(List.of("0ms", "5ms", "5ms", "20ms", "35ms", "40ms", "50ms"), ran);
        }
    }

    @BackendTest
    void deadlinesAreOrderedAcrossTheClockWrappingAround(String backend) {
        // System.nanoTime may be anywhere in the long range; a deadline past Long.MAX_VALUE wraps
        FakeClock wrapping = new FakeClock(Long.MAX_VALUE - Duration.ofMillis(15).toNanos());
        try (Engine e = Engine.builder().poller(backend).clock(wrapping).build()) {
            e.defer(Duration.ofMillis(30), record("after wrap"));
            e.defer(Duration.ofMillis(10), record("before wrap"));
            wrapping.advance(Duration.ofMillis(12));
            e.poll(Duration.ZERO);
            assertEquals(List.of("before wrap"), ran);
            wrapping.advance(Duration.ofMillis(12)); // now past the wrap, 9 ms short of the second deadline
            e.poll(Duration.ZERO);
            assertEquals(List.of("before wrap"), ran, "a wrapped deadline is in the future, not long past");
            wrapping.advance(Duration.ofMillis(9));
            e.poll(Duration.ZERO);
            assertEquals(List.of("before wrap", "after wrap"), ran);
        }
    }

    @BackendTest
    void callbackRunsOnTheNextTurnNotTheCurrentOne(String backend) {
        try (Engine e = engine(backend)) {
            List<String> log = ran;
            e.callback(() -> {
                log.add("first");
                e.callback(() -> log.add("scheduled by a callback"));
            });
            e.defer(Duration.ZERO, () -> {
                log.add("defer");
                e.callback(() -> log.add("scheduled by a defer"));
            });
            e.loop(new Runnable() {
                boolean once;

                @Override
                public void run() {
                    if (once) return;
                    once = true;
                    log.add("loop");
                    e.callback(() -> log.add("scheduled by a loop"));
                }
            });
            at(1);
            turn(e);
            assertEquals(List.of("defer", "first", "loop"), log,
                    "callbacks scheduled during a turn, by any timer, wait for the next one");
            turn(e);
            assertEquals(List.of("defer", "first", "loop",
                    "scheduled by a defer", "scheduled by a callback", "scheduled by a loop"), log);
            turn(e);
            assertEquals(6, log.size(), "a callback runs once");
        }
    }

    @BackendTest
    void callbackScheduledByATaskRunsOnTheNextTurn(String backend) {
        try (Engine e = engine(backend)) {
            e.execute(() -> {
                ran.add("task");
                e.callback(record("callback"));
            });
            turn(e);
            assertEquals(List.of("task"), ran);
            turn(e);
            assertEquals(List.of("task", "callback"), ran);
        }
    }

    @BackendTest
    void loopRunsEveryTurnUntilCancelled(String backend) {
        try (Engine e = engine(backend)) {
            int[] runs = {0};
            Timer t = e.loop(() -> runs[0]++);
            for (int i = 0; i < 5; i++) turn(e);
            assertEquals(5, runs[0], "once per turn");
            t.cancel();
            assertTrue(t.isCancelled());
            for (int i = 0; i < 3; i++) turn(e);
            assertEquals(5, runs[0], "not after cancel()");
        }
    }

    @BackendTest
    void loopAddedDuringATurnStartsOnTheNextTurn(String backend) {
        try (Engine e = engine(backend)) {
            e.loop(new Runnable() {
                boolean added;

                @Override
                public void run() {
                    ran.add("outer");
                    if (!added) {
                        added = true;
                        e.loop(record("inner"));
                    }
                }
            });
            turn(e);
            assertEquals(List.of("outer"), ran);
            turn(e);
            assertEquals(List.of("outer", "outer", "inner"), ran);
        }
    }

    @BackendTest
    void timersCancelledBeforeTheirTurnNeverRun(String backend) {
        try (Engine e = engine(backend)) {
            List<Timer> timers = List.of(
                    e.defer(Duration.ofMillis(10), record("defer")),
                    e.defer(Duration.ZERO, record("defer 0")),
                    e.cycle(Duration.ofMillis(10), record("cycle")),
                    e.callback(record("callback")),
                    e.loop(record("loop")));
            for (Timer t : timers) {
                assertFalse(t.isCancelled(), t + " is not cancelled yet");
                t.cancel();
                assertTrue(t.isCancelled(), t + " says it is cancelled");
                t.cancel(); // idempotent
            }
            for (int i = 1; i <= 5; i++) {
                at(i * 100L);
                turn(e);
            }
            assertEquals(List.of(), ran);
        }
    }

    @BackendTest
    void timersCanCancelThemselvesFromTheirOwnCallback(String backend) {
        try (Engine e = engine(backend)) {
            List<Timer> self = new ArrayList<>(); // the callbacks find their timer here: index 0..3
            List<Throwable> errors = new ArrayList<>();
            Runnable[] tasks = new Runnable[4];
            String[] names = {"defer", "cycle", "loop", "callback"};
            for (int i = 0; i < 4; i++) {
                int index = i;
                tasks[i] = () -> {
                    ran.add(names[index]);
                    try {
                        self.get(index).cancel();
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                };
            }
            self.add(e.defer(Duration.ofMillis(10), tasks[0]));
            self.add(e.cycle(Duration.ofMillis(10), tasks[1]));
            self.add(e.loop(tasks[2]));
            self.add(e.callback(tasks[3]));

            at(10);
            turn(e);
            assertEquals(List.of("defer", "cycle", "callback", "loop"), ran);
            for (int i = 2; i <= 6; i++) {
                at(i * 10L);
                turn(e);
            }
            assertEquals(List.of(), errors, "cancel() from a timer's own callback must not throw");
            assertEquals(List.of("defer", "cycle", "callback", "loop"), ran, "each ran exactly once");
            for (Timer t : self) assertTrue(t.isCancelled(), t + " is cancelled");
        }
    }

    @BackendTest
    void aTimerCancelsAnotherDueInTheSameTurn(String backend) {
        try (Engine e = engine(backend)) {
            Timer[] victims = new Timer[4];
            // the killers come first in each category, so their victims are still pending in this turn
            e.defer(Duration.ofMillis(10), () -> {
                ran.add("defer killer");
                victims[0].cancel();
                victims[1].cancel();
            });
            victims[0] = e.defer(Duration.ofMillis(10), record("defer victim"));
            victims[1] = e.cycle(Duration.ofMillis(10), record("cycle victim"));
            e.callback(() -> {
                ran.add("callback killer");
                victims[2].cancel();
            });
            victims[2] = e.callback(record("callback victim"));
            e.loop(new Runnable() {
                boolean done;

                @Override
                public void run() {
                    if (done) return;
                    done = true;
                    ran.add("loop killer");
                    victims[3].cancel();
                }
            });
            victims[3] = e.loop(record("loop victim"));

            at(10);
            turn(e);
            at(100);
            turn(e);
            turn(e);
            assertEquals(List.of("defer killer", "callback killer", "loop killer"), ran);
        }
    }

    /**
     * What this asserts about {@code cycle}: run n is due at start + n * interval however late
     * run n-1 was (no drift); when the loop was held up past several slots, the timer runs once
     * for all of them and then waits for the next slot after now (no burst of catch-up runs).
     */
    @BackendTest
    void cycleKeepsToItsScheduleAndSkipsMissedSlots(String backend) {
        try (Engine e = engine(backend)) {
            int[] runs = {0};
            e.cycle(Duration.ofMillis(100), () -> runs[0]++);

            at(99);
            turn(e);
            assertEquals(0, runs[0], "first run after one interval");
            at(100);
            turn(e);
            assertEquals(1, runs[0]);

            at(230); // 30 ms late for the 200 ms slot
            turn(e);
            assertEquals(2, runs[0]);
            at(299);
            turn(e);
            assertEquals(2, runs[0], "the next slot is 300 ms, not 230 + 100 ms");
            at(300);
            turn(e);
            assertEquals(3, runs[0], "back on schedule at 300 ms");

            at(750); // held up across the 400, 500, 600 and 700 ms slots
            turn(e);
            assertEquals(4, runs[0], "one run for the missed slots");
            turn(e);
            turn(e);
            assertEquals(4, runs[0], "missed slots are skipped, not run in a burst");
            at(799);
            turn(e);
            assertEquals(4, runs[0]);
            at(800);
            turn(e);
            assertEquals(5, runs[0], "the next run is on the 800 ms slot");
        }
    }

    @BackendTest
    void zeroDelayTimerScheduledByATimerRunsOnTheNextTurn(String backend) {
        try (Engine e = engine(backend)) {
            int[] runs = {0};
            // each run schedules the next one with delay 0: if same-turn scheduling ran at once,
            // this first turn would never end
            Runnable again = new Runnable() {
                @Override
                public void run() {
                    runs[0]++;
                    e.defer(Duration.ZERO, this);
                }
            };
            e.defer(Duration.ZERO, again);
            turn(e);
            assertEquals(1, runs[0], "one run per turn");
            turn(e);
            turn(e);
            assertEquals(3, runs[0]);
        }
    }

    @BackendTest
    void callbackScheduledByACallbackDoesNotSpinWithinATurn(String backend) {
        try (Engine e = engine(backend)) {
            int[] runs = {0};
            Runnable again = new Runnable() {
                @Override
                public void run() {
                    runs[0]++;
                    e.callback(this);
                }
            };
            e.callback(again);
            turn(e);
            turn(e);
            assertEquals(2, runs[0], "one run per turn");
        }
    }

    /**
     * With the real clock: a poll allowed to wait minutes returns for a timer 50 ms away. Only
     * that the timer ran is asserted (within {@link LoopThread#WAIT}, far shorter than the poll
     * timeout), not when.
     */
    @BackendTest
    void pollWaitsOnlyUntilTheNearestTimer(String backend) throws Exception {
        ExecutorService pollerThread = Executors.newSingleThreadExecutor();
        try (Engine e = new Engine(backend)) {
            CountDownLatch timerRan = new CountDownLatch(1);
            e.defer(Duration.ofSeconds(600), () -> { }); // a farther timer must not be the one that counts
            e.defer(Duration.ofMillis(50), timerRan::countDown);
            Future<?> polling = pollerThread.submit(() -> {
                // the first poll may return a moment early (millisecond rounding); a few are allowed
                for (int i = 0; i < 20 && timerRan.getCount() > 0; i++) e.poll(Duration.ofMinutes(5));
            });
            boolean ran = timerRan.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            // the poll that ran the timer now waits for the 600 s one: wake it so the thread ends
            e.execute(() -> { });
            polling.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(ran, "poll(5 min) should have returned for the 50 ms timer and run it within " + LoopThread.WAIT);
        } finally {
            pollerThread.shutdownNow();
            assertTrue(pollerThread.awaitTermination(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @BackendTest
    void cycleRejectsANonPositiveInterval(String backend) {
        try (Engine e = engine(backend)) {
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> e.cycle(Duration.ZERO, () -> { }));
            assertTrue(zero.getMessage().contains("positive"), zero.getMessage());
            assertThrows(IllegalArgumentException.class, () -> e.cycle(Duration.ofMillis(-5), () -> { }));
            turn(e);
            at(1000);
            turn(e);
            assertEquals(List.of(), ran);
        }
    }

    @BackendTest
    void negativeDeferDelayMeansNow(String backend) {
        try (Engine e = engine(backend)) {
            e.defer(Duration.ofMillis(-100), record("negative"));
            e.defer(Duration.ZERO, record("zero"));
            turn(e);
            assertEquals(List.of("negative", "zero"), ran);
        }
    }

    /** A timer scheduled from another thread by way of execute() runs on the loop like any other. */
    @BackendTest
    void timersScheduledThroughExecuteRunOnTheLoopThread(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
            loop.run(() -> loop.engine.defer(Duration.ofMillis(1), () -> onLoop.complete(loop.engine.inLoopThread())));
            assertTrue(onLoop.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
        }
    }
}
