package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * epoll's own calls (epoll_create1, epoll_ctl, epoll_wait, eventfd) through the poller's
 * binding: the shim, or the C library, where each failure costs a second look at errno and the
 * struct the shim fills in C is filled here in scratch memory. Each returns -errno on failure.
 * Loop thread only, except {@link #signal}, which reads memory nobody writes after construction.
 */
final class EpollCalls {
    private final boolean shim;
    private final EpollConstants e;
    private final int eAgain;
    private final Memory scratch = new Memory(16);
    private final long scratchAddr = Pointer.nativeValue(scratch);
    /** The 8-byte counter increment written to wake an eventfd; never changed. */
    private final Memory one = new Memory(8);
    private final long oneAddr = Pointer.nativeValue(one);

    EpollCalls(boolean shim, EpollConstants e, int eAgain) {
        this.shim = shim;
        this.e = e;
        this.eAgain = eAgain;
        one.setLong(0, 1);
    }

    private static int check(int r) { return r < 0 ? -Native.getLastError() : r; }

    int create() { return shim ? EpollShim.pants_epoll_create() : check(EpollLibc.epoll_create1(EpollLibc.EPOLL_CLOEXEC)); }

    int ctl(int epfd, int op, int fd, int events, long data) {
        if (shim) return EpollShim.pants_epoll_ctl(epfd, op, fd, events, data);
        scratch.setInt(e.eventEventsOffset, events);
        scratch.setLong(e.eventDataOffset, data);
        return check(EpollLibc.epoll_ctl(epfd, op, fd, scratchAddr));
    }

    /** The libc binding's wait (the shim's is part of pants_epoll_turn). */
    int waitLibc(int epfd, long events, int max, int timeoutMs) { return check(EpollLibc.epoll_wait(epfd, events, max, timeoutMs)); }

    /** A non-blocking, close-on-exec eventfd. */
    int eventfd() {
        return shim ? EpollShim.pants_eventfd() : check(EpollLibc.eventfd(0, EpollLibc.EFD_NONBLOCK | EpollLibc.EFD_CLOEXEC));
    }

    /** Increments the eventfd's counter: 0, or -errno. Safe from any thread. */
    int signal(int fd) {
        if (shim) return EpollShim.pants_eventfd_signal(fd);
        long r = EpollLibc.write(fd, oneAddr, 8);
        if (r >= 0) return 0;
        int errno = Native.getLastError();
        return errno == eAgain ? 0 : -errno; // EAGAIN: the counter is full, a wake-up is pending anyway
    }
}
