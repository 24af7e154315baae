// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.posix.LibcSyscalls;
import io.pants.posix.ReadArena;
import io.pants.posix.ShimAbi;
import io.pants.posix.TurnMemory;

import java.nio.ByteBuffer;

/**
 * kqueue through JNA: kqueue() and kevent() from {@link KqueueLibrary}, the rest from the C
 * library, and pants_kqueue_turn's steps here in Java, a crossing per system call.
 */
final class KqueueLibraryCalls implements KqueueCalls {
    private final LibcSyscalls libc;
    private final KeventLayout ev;
    private final int eIntr;
    /** The turn's timeout, a struct timespec (two 64-bit fields on every 64-bit system). */
    private final Memory timespec = new Memory(16);
    private final long timespecAddr = Pointer.nativeValue(timespec);
    /** Where the wake-up pipe is emptied to. */
    private final Memory drain = new Memory(64);
    private final long drainAddr = Pointer.nativeValue(drain);

    KqueueLibraryCalls(LibcSyscalls libc, KeventLayout ev, int eIntr) {
        this.libc = libc;
        this.ev = ev;
        this.eIntr = eIntr;
    }

    private static int check(int r) { return r < 0 ? -Native.getLastError() : r; }

    @Override
    public int kqueue() {
        int kq = check(KqueueLibrary.kqueue());
        libc.closeOnExec(kq); // not inherited by fork, but by exec
        return kq;
    }

    @Override
    public int submit(int kq, long changes, int n) {
        int r;
        do {
            r = check(KqueueLibrary.kevent(kq, changes, n, 0, 0, 0));
        } while (r == -eIntr);
        return Math.min(r, 0);
    }

    @Override
    public int turn(int kq, TurnMemory memory, int nchanges, long timeoutNanos) {
        long ts = 0;
        if (timeoutNanos >= 0) {
            timespec.setLong(0, timeoutNanos / 1_000_000_000L);
            timespec.setLong(8, timeoutNanos % 1_000_000_000L);
            ts = timespecAddr;
        }
        int n = check(KqueueLibrary.kevent(kq, memory.changesAddr, nchanges, memory.eventsAddr, memory.maxEvents, ts));
        if (n <= 0) return n;
        ByteBuffer events = memory.eventsView;
        ReadArena arena = memory.arena;
        arena.startTurn();
        for (int i = 0; i < n; i++) {
            int base = i * ev.size;
            boolean read = (ev.flags(events, base) & ev.evError) == 0 && ev.filter(events, base) == ev.evfiltRead;
            int fd = ev.ident(events, base);
            int mode = ShimAbi.mode(ev.udata(events, base));
            if (read && mode == ShimAbi.MODE_PREREAD) {
                arena.read(i, fd, libc);
                continue;
            }
            arena.notRead(i);
            if (read && mode == ShimAbi.MODE_WAKEUP) { // the wake-up pipe: empty it
                while (libc.read(fd, drainAddr, drain.size()) > 0) { /* until EAGAIN */ }
            }
        }
        return n;
    }

    @Override public int pipe(long fds) { return libc.pipe(fds); }

    @Override
    public void close() {
        timespec.close();
        drain.close();
    }
}
