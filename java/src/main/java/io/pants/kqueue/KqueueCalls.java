// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import io.pants.posix.TurnMemory;

/**
 * kqueue's own calls (kqueue, kevent, and the wake-up pipe) through the binding picked once
 * for the process ({@link KqueueBinding}): the shim ({@link KqueueShimCalls}) or JNA to
 * {@link KqueueLibrary} and the C library ({@link KqueueLibraryCalls}). Each returns -errno on
 * failure. Loop thread only, except {@link #submit}, which touches no scratch memory.
 */
interface KqueueCalls extends AutoCloseable {
    /** A new close-on-exec kqueue. */
    int kqueue();

    /** Applies {@code n} changes (struct kevent) without collecting events: 0, or -errno of the first that failed. Safe from any thread. */
    int submit(int kq, long changes, int n);

    /**
     * One loop turn, as native/pants_kqueue.c's pants_kqueue_turn: submits {@code nchanges}
     * changes, waits up to {@code timeoutNanos} (negative: no limit) for events, and reads each
     * ready pre-read stream into the arena, draining the wake-up pipe. Returns the number of
     * events, 0 when interrupted, or -errno.
     */
    int turn(int kq, TurnMemory memory, int nchanges, long timeoutNanos);

    /** A non-blocking, close-on-exec pipe: read end and write end as two int32 at {@code fds}. */
    int pipe(long fds);

    @Override
    void close();
}
