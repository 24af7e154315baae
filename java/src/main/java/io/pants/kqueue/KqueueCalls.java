package io.pants.kqueue;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.posix.LibcSyscalls;

/**
 * kqueue's own calls (kqueue, kevent, and the wake-up pipe) through the poller's binding: the
 * shim, or JNA to {@link KqueueLibrary} (kqueue and kevent) and the C library. Each returns
 * -errno on failure. Loop thread only, except {@link #submit}, which touches no scratch memory.
 */
final class KqueueCalls {
    /** Null with the shim. */
    private final LibcSyscalls libc;
    private final int eIntr;
    /** The turn's timeout, a struct timespec (two 64-bit fields on every 64-bit system). */
    private final Memory timespec = new Memory(16);
    private final long timespecAddr = Pointer.nativeValue(timespec);

    /** {@code libc}: the C library binding to use, or null for the shim. */
    KqueueCalls(LibcSyscalls libc, int eIntr) {
        this.libc = libc;
        this.eIntr = eIntr;
    }

    private static int check(int r) { return r < 0 ? -Native.getLastError() : r; }

    /** A new close-on-exec kqueue. */
    int kqueue() {
        if (libc == null) return KqueueShim.pants_kqueue_create();
        int kq = check(KqueueLibrary.kqueue());
        libc.closeOnExec(kq); // not inherited by fork, but by exec
        return kq;
    }

    /** Applies {@code n} changes (struct kevent) without collecting events: 0, or -errno of the first that failed. Safe from any thread. */
    int submit(int kq, long changes, int n) {
        if (libc == null) return KqueueShim.pants_kqueue_submit(kq, changes, n);
        int r;
        do {
            r = check(KqueueLibrary.kevent(kq, changes, n, 0, 0, 0));
        } while (r == -eIntr);
        return Math.min(r, 0);
    }

    /** The JNA binding's turn kevent: changes, then up to {@code nevents} events, waiting up to timeoutNanos (negative: no limit). */
    int keventLibrary(int kq, long changes, int nchanges, long events, int nevents, long timeoutNanos) {
        long ts = 0;
        if (timeoutNanos >= 0) {
            timespec.setLong(0, timeoutNanos / 1_000_000_000L);
            timespec.setLong(8, timeoutNanos % 1_000_000_000L);
            ts = timespecAddr;
        }
        return check(KqueueLibrary.kevent(kq, changes, nchanges, events, nevents, ts));
    }

    /** A non-blocking, close-on-exec pipe: read end and write end as two int32 at {@code fds}. */
    int pipe(long fds) { return libc == null ? KqueueShim.pants_kqueue_pipe(fds) : libc.pipe(fds); }

    void close() { timespec.close(); }
}
