// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import java.util.Arrays;

/**
 * The sockets whose interest changed since the last wait, each once: a poller turns them into
 * its change list (epoll_ctl operations, kevent changes) when it next waits, so that interest
 * flipping back and forth within a turn costs no system call.
 */
public final class ChangeQueue {
    private PosixSocket[] pending = new PosixSocket[64];
    private int count;

    /** Queues {@code s} for the next wait, unless it is queued already. */
    public void add(PosixSocket s) {
        if (s.changeQueued) return;
        s.changeQueued = true;
        if (count == pending.length) pending = Arrays.copyOf(pending, count * 2);
        pending[count++] = s;
    }

    public int size() { return count; }

    /** The {@code i}-th socket queued, taken out of the queue (it may be queued again). */
    public PosixSocket take(int i) {
        PosixSocket s = pending[i];
        pending[i] = null;
        s.changeQueued = false;
        return s;
    }

    /** Empties the queue, after every socket was {@link #take}n. */
    public void clear() { count = 0; }
}
