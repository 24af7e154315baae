// SPDX-License-Identifier: Apache-2.0
package io.pants;

/**
 * A scheduled callback: returned by {@link Engine#callback}, {@link Engine#loop},
 * {@link Engine#defer} and {@link Engine#cycle}. Cancel it with {@link #cancel()}, from
 * anywhere on the loop thread, including from inside its own callback.
 *
 * @since 0.1
 */
public final class Timer {
    enum Kind { CALLBACK, LOOP, DEFER, CYCLE }

    final Engine engine;
    final Kind kind;
    final Runnable task;
    final long interval;
    /** Nanoseconds on the engine's clock; for CYCLE, the slot it was scheduled for. */
    long deadline;
    /** Ties between equal deadlines run in scheduling order. */
    long sequence;
    /** Position in the engine's timer heap, or -1 when not in it. */
    int heapIndex = -1;
    boolean cancelled;

    Timer(Engine engine, Kind kind, Runnable task, long deadline, long interval) {
        this.engine = engine;
        this.kind = kind;
        this.task = task;
        this.deadline = deadline;
        this.interval = interval;
    }

    /** Stops this timer from running again. Idempotent. Loop thread only. */
    public void cancel() {
        engine.checkLoopThread("Timer.cancel");
        if (cancelled) return;
        cancelled = true;
        engine.cancelled(this);
    }

    public boolean isCancelled() { return cancelled; }

    @Override
    public String toString() {
        return "Timer[" + kind.name().toLowerCase() + (cancelled ? ", cancelled" : "") + ", " + task + "]";
    }
}
