// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.time.Duration;

/**
 * A re-armable timeout, made for the ones that are pushed back all the time: a connection's idle
 * timeout, moved on every read. {@link #after} is O(1) and allocates nothing; when the deadline
 * passes, its task runs on the loop thread (once per arming), at most
 * {@link #RESOLUTION_NANOS} (about 8 ms) plus the loop's latency late, never early.
 *
 * <pre>{@code
 * Deadline idle = engine.deadline(() -> stream.close());
 * idle.after(Duration.ofSeconds(30));   // armed
 * idle.after(Duration.ofSeconds(30));   // on the next read: pushed back, nothing else happens
 * idle.cancel();                        // disarmed; after() arms it again
 * }</pre>
 *
 * Unlike a {@link Timer} from {@link Engine#defer}, a deadline is made once and armed as often as
 * needed; {@link #cancel()} only disarms it. Arming reads the engine's clock (a
 * {@code System.nanoTime()} by default, some 20 ns): a time cached per turn would be cheaper, but
 * a read dispatched in the turn that accepted its connection came after the turn's time was
 * taken, and a timeout counted from before it would fire early. See {@link DeadlineWheel} for
 * how deadlines are kept, and why that way.
 *
 * @since 0.1
 */
public final class Deadline {
    /** How late, at most, a deadline's task runs after it (besides the loop being busy): 2^23 ns, about 8.4 ms. */
    public static final long RESOLUTION_NANOS = DeadlineWheel.TICK_NANOS;

    final Engine engine;
    final Runnable task;
    /** When it expires, on the engine's clock; meaningful while armed. */
    long deadline;
    boolean armed;
    // its place in the wheel: a doubly linked list per slot, so that unlinking is O(1)
    Deadline prev, next;
    int slot = DeadlineWheel.NOT_LINKED;
    /** The wheel tick of the slot it is linked in: it expires no earlier than that tick. */
    long tick;

    Deadline(Engine engine, Runnable task) {
        this.engine = engine;
        this.task = task;
    }

    /**
     * Arms the deadline to expire {@code timeout} from now, or moves it there
     * if it is armed already, earlier or later. Loop thread only.
     */
    public Deadline after(Duration timeout) {
        engine.checkLoopThread("Deadline.after");
        afterNanos(Math.max(0, Engine.saturatedNanos(timeout)));
        return this;
    }

    /** {@link #after} in nanoseconds, without the checks: for the engine's own hot paths. */
    void afterNanos(long nanos) {
        engine.arm(this, engine.now() + Math.min(nanos, DeadlineWheel.MAX_DELAY_NANOS));
    }

    /** Disarms the deadline: its task won't run unless it is armed again. Idempotent. Loop thread only. */
    public void cancel() {
        engine.checkLoopThread("Deadline.cancel");
        engine.disarm(this);
    }

    public boolean isArmed() { return armed; }

    /** Nanoseconds until it expires (negative when overdue); 0 when not armed. */
    public long remainingNanos() {
        return armed ? deadline - engine.now() : 0;
    }

    @Override
    public String toString() {
        return "Deadline[" + (armed ? "in " + remainingNanos() / 1_000_000 + " ms" : "not armed") + ", " + task + "]";
    }
}
