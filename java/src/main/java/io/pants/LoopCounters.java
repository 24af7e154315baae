// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's counters: plain fields, written only by the loop thread (an increment on the hot
 * path is one add to a field it already has in cache), except {@link #tasksQueued}, which other
 * threads write. The loop publishes them twice a turn, before it waits and when the turn ends,
 * with one release store of {@link #published}; {@link #snapshot} reads that with acquire
 * semantics first, so that it sees at least everything the loop had counted by then.
 */
final class LoopCounters {
    private static final VarHandle PUBLISHED;

    static {
        try {
            PUBLISHED = MethodHandles.lookup().findVarHandle(LoopCounters.class, "published", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through PUBLISHED
    private long published;

    long turns, busyNanos, waitingNanos;
    final LongAdder tasksQueued = new LongAdder();
    long tasksRun, timersRun, timersPending;
    long channelsOpen;
    long bytesRead, bytesWritten, messagesRead, messagesWritten;
    long accepts, refused, acceptPauses;
    long flushes, partialWrites;
    /** Readiness events and reads dispatched to channels (for slow-turn events; not in the snapshot). */
    long readyEvents;

    /** Makes what the loop counted so far visible to {@link #snapshot} on other threads. */
    void publish() {
        PUBLISHED.setRelease(this, turns);
    }

    /** Sees what the loop published last (and what it counted before): call before reading counts on another thread. */
    void acquire() {
        PUBLISHED.getAcquire(this);
    }

    EngineStats snapshot() {
        acquire();
        return new EngineStats(turns, busyNanos, waitingNanos, tasksQueued.sum(), tasksRun, timersRun, timersPending,
                channelsOpen, bytesRead, bytesWritten, messagesRead, messagesWritten,
                accepts, refused, acceptPauses, flushes, partialWrites);
    }
}
