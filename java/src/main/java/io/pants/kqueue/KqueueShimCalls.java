// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import io.pants.posix.ReadArena;
import io.pants.posix.TurnMemory;

/** kqueue through the shim (native/pants_kqueue.c), a loop turn in one crossing. */
final class KqueueShimCalls implements KqueueCalls {
    @Override public int kqueue() { return KqueueShim.pants_kqueue_create(); }

    @Override public int submit(int kq, long changes, int n) { return KqueueShim.pants_kqueue_submit(kq, changes, n); }

    @Override
    public int turn(int kq, TurnMemory memory, int nchanges, long timeoutNanos) {
        ReadArena arena = memory.arena;
        return KqueueShim.pants_kqueue_turn(kq, memory.changesAddr, nchanges, memory.eventsAddr, memory.maxEvents, timeoutNanos,
                arena.readsAddress(), arena.arenaAddress(), ReadArena.SIZE, ReadArena.READ_MAX);
    }

    @Override public int pipe(long fds) { return KqueueShim.pants_kqueue_pipe(fds); }

    @Override public void close() {}
}
