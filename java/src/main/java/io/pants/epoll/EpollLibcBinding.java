// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Iovec;
import io.pants.posix.LibcSyscalls;
import io.pants.posix.ReadArena;
import io.pants.posix.ShimAbi;
import io.pants.posix.SocketConstants;
import io.pants.posix.Syscalls;
import io.pants.posix.TurnMemory;

import java.nio.ByteBuffer;

import static io.pants.posix.ShimAbi.EPOLL_CHANGE_DATA;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_EVENTS;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_FD;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_OP;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_SIZE;

/**
 * epoll through the C library by JNA ({@link EpollLibc}), for when the shim can't be loaded or
 * to compare with it: each failure costs a second look at errno, the struct the shim fills in C
 * is filled here in scratch memory, and pants_epoll_turn's steps run here in Java.
 */
final class EpollLibcBinding implements EpollBinding {
    private final SocketConstants sockets = SocketConstants.linux();
    private final EpollConstants epoll = EpollConstants.linuxGeneric();
    private final DatagramConstants datagrams = DatagramConstants.linux();
    private final LibcSyscalls sys = LibcSyscalls.linux(sockets, datagrams);
    /** An epoll_event for epoll_ctl. */
    private final Memory scratch = new Memory(16);
    private final long scratchAddr = Pointer.nativeValue(scratch);
    /** The 8-byte counter increment written to wake an eventfd; never changed. */
    private final Memory one = new Memory(8);
    private final long oneAddr = Pointer.nativeValue(one);
    /** Where the wake-up eventfd's counter is read to, to reset it. */
    private final Memory drain = new Memory(8);
    private final long drainAddr = Pointer.nativeValue(drain);

    EpollLibcBinding() {
        one.setLong(0, 1);
    }

    @Override public SocketConstants sockets() { return sockets; }
    @Override public EpollConstants epoll() { return epoll; }
    @Override public DatagramConstants datagrams() { return datagrams; }
    @Override public Syscalls syscalls() { return sys; }
    @Override public Iovec iovec() { return Iovec.LP64; }

    @Override
    public String description() { return "epoll through libc via JNA (layouts from " + epoll.source + ")"; }

    private static int check(int r) { return r < 0 ? -Native.getLastError() : r; }

    @Override public int create() { return check(EpollLibc.epoll_create1(EpollLibc.EPOLL_CLOEXEC)); }

    @Override
    public int ctl(int epfd, int op, int fd, int events, long data) {
        scratch.setInt(epoll.eventEventsOffset, events);
        scratch.setLong(epoll.eventDataOffset, data);
        return check(EpollLibc.epoll_ctl(epfd, op, fd, scratchAddr));
    }

    @Override public int eventfd() { return check(EpollLibc.eventfd(0, EpollLibc.EFD_NONBLOCK | EpollLibc.EFD_CLOEXEC)); }

    @Override
    public int signal(int fd) {
        long r = EpollLibc.write(fd, oneAddr, 8);
        if (r >= 0) return 0;
        int errno = Native.getLastError();
        return errno == sockets.eAgain ? 0 : -errno; // EAGAIN: the counter is full, a wake-up is pending anyway
    }

    /** pants_epoll_turn (native/pants_epoll.c) in Java, a crossing per call. */
    @Override
    public int turn(int epfd, TurnMemory memory, int nchanges, int timeoutMs) {
        ByteBuffer changes = memory.changesView;
        for (int i = 0; i < nchanges; i++) {
            int base = i * EPOLL_CHANGE_SIZE;
            int r = ctl(epfd, (int) changes.getLong(base + EPOLL_CHANGE_OP), (int) changes.getLong(base + EPOLL_CHANGE_FD),
                    (int) changes.getLong(base + EPOLL_CHANGE_EVENTS), changes.getLong(base + EPOLL_CHANGE_DATA));
            changes.putLong(base + EPOLL_CHANGE_OP, r);
        }
        int n = check(EpollLibc.epoll_wait(epfd, memory.eventsAddr, memory.maxEvents, timeoutMs));
        if (n <= 0) return n;
        ReadArena arena = memory.arena;
        arena.startTurn();
        for (int i = 0; i < n; i++) {
            long word = epoll.word(memory.eventsView, i);
            int fd = ShimAbi.fd(word);
            int mode = ShimAbi.mode(word);
            // as in the shim: EPOLLIN only, never a bare hangup or error (see pants_epoll.c)
            if (mode == ShimAbi.MODE_PREREAD && (epoll.flags(memory.eventsView, i) & epoll.epollIn) != 0) {
                arena.read(i, fd, sys);
                continue;
            }
            arena.notRead(i);
            if (mode == ShimAbi.MODE_WAKEUP) sys.read(fd, drainAddr, 8);
        }
        return n;
    }

    /** {@code one} stays: another thread's {@link #signal} may still be reading it. */
    @Override
    public void close() {
        scratch.close();
        drain.close();
    }
}
