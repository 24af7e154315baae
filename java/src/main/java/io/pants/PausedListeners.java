// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An engine's listeners that stopped accepting for lack of descriptors (EMFILE, ENFILE), and
 * what makes them try again: a descriptor freed, on this engine or, on a group, on any of its
 * loops (descriptors are the process's). Each listener also retries on a backoff timer of its own
 * ({@link Listener}); this is the quicker way back, taken as soon as a close makes room.
 */
final class PausedListeners {
    private final Engine engine;
    private final ArrayList<Listener> paused = new ArrayList<>();
    private boolean resumeScheduled;
    /** A listener here is paused for lack of descriptors (read by other loops of the group); a wake-up from one is on its way. */
    private volatile boolean any;
    private final AtomicBoolean resumeAsked = new AtomicBoolean();

    PausedListeners(Engine engine) {
        this.engine = engine;
    }

    /** {@code l} could not accept for lack of descriptors. */
    void add(Listener l) {
        if (!paused.contains(l)) {
            paused.add(l);
            if (paused.size() == 1) anyChanged(true);
        }
    }

    /** {@code l} accepts again, or closed. */
    void remove(Listener l) {
        if (paused.remove(l) && paused.isEmpty()) anyChanged(false);
    }

    /** Whether a listener here waits for descriptors to be freed (for tests). */
    boolean any() { return any; }

    /** The engine closes: nothing waits any more. */
    void clear() {
        paused.clear();
        anyChanged(false);
    }

    /**
     * A descriptor was closed: listeners paused for lack of descriptors may try again, this
     * engine's and, on a group, those of the other loops.
     */
    void descriptorFreed() {
        EngineGroup g = engine.group;
        if (g != null && g.loopsPausedForDescriptors() > 0) g.descriptorFreedBy(engine);
        resumeAll();
    }

    /** Another loop of the group freed a descriptor: if a listener here is paused for lack of them, it tries again. Any thread. */
    void descriptorFreedElsewhere() {
        if (!any || engine.isClosed() || !resumeAsked.compareAndSet(false, true)) return;
        try {
            engine.execute(() -> {
                resumeAsked.set(false);
                resumeAll();
            });
        } catch (RejectedExecutionException e) {
            resumeAsked.set(false); // closed meanwhile: nothing to resume
        }
    }

    private void resumeAll() {
        if (paused.isEmpty() || resumeScheduled || engine.isClosing()) return;
        // on the next turn: NIO releases a closed channel's descriptor only at its next select
        resumeScheduled = true;
        engine.callback(() -> {
            resumeScheduled = false;
            Listener[] waiting = paused.toArray(new Listener[0]);
            paused.clear();
            anyChanged(false);
            for (Listener l : waiting) l.resumeAccepting();
        });
    }

    /** Whether some listener here waits for descriptors, told to the group so that other loops' closes wake it. */
    private void anyChanged(boolean now) {
        if (now == any) return;
        any = now;
        EngineGroup g = engine.group;
        if (g != null) g.loopPausedForDescriptors(now);
    }
}
