// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.BatchWriter;
import io.pants.posix.ChangeQueue;
import io.pants.posix.Errors;
import io.pants.posix.PosixPoller;
import io.pants.posix.PosixSocket;
import io.pants.posix.ReadArena;
import io.pants.posix.ShimAbi;
import io.pants.posix.SocketConstants;
import io.pants.posix.SocketIo;
import io.pants.posix.Syscalls;
import io.pants.posix.TurnMemory;
import io.pants.spi.BackendLog;
import io.pants.spi.PollerSocket;
import io.pants.spi.ReadyHandler;
import io.pants.spi.WriteBatch;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static io.pants.posix.ShimAbi.MODE_PLAIN;
import static io.pants.posix.ShimAbi.MODE_PREREAD;
import static io.pants.posix.ShimAbi.MODE_WAKEUP;
import static io.pants.posix.ShimAbi.word;

/**
 * kqueue, level-triggered: EVFILT_READ and EVFILT_WRITE per socket, added and deleted as the
 * engine's interest changes, and EVFILT_USER for wake-ups (or a pipe where there is none, or
 * where another thread's kevent would block while the loop waits). The
 * turn's interest changes go into a change list submitted by the kevent call that waits. With
 * the shim a loop turn costs two native crossings, like epoll's: {@code pants_flush} for every
 * stream's queued output ({@link BatchWriter}), and {@code pants_kqueue_turn}, which submits the changes, waits and
 * reads every ready stream into a native arena handed to the engine by offset. Through JNA the
 * same steps run in Java, a crossing per system call: which of the two is the binding's
 * {@link KqueueCalls}, and nothing here depends on it.
 *
 * <p>The kernel sees only the 64-bit user word fd|mode|token ({@link ShimAbi}) in each filter's udata.
 * The socket calls themselves (opening, accepting, reading, datagrams) are the POSIX ones every
 * native backend shares, in {@link SocketIo}; this class is kqueue's registration and wait, and
 * what a userspace kqueue needs besides (see {@link #beforeClose}).
 *
 * <p>EV_EOF is the engine's HANGUP, and ERROR too when it carries a socket error in fflags; an
 * EV_ERROR event is a change that failed (its errno in data): an add that failed ends that
 * socket like a failed epoll_ctl does.
 */
final class KqueuePoller implements PosixPoller {
    private static final int MAX_EVENTS = 512;
    /**
     * Below MAX_EVENTS on purpose: a change that fails comes back as an EV_ERROR event only if
     * the eventlist has room for it; without room kevent stops at that change and returns -1,
     * and which of the others were applied can't be told.
     */
    static final int MAX_CHANGES = 256;
    /** A timeout beyond this (24 days) waits this long: libkqueue turns it into epoll_wait's int milliseconds. */
    private static final long MAX_TIMEOUT_NANOS = Integer.MAX_VALUE * 1_000_000L;
    /** The EVFILT_USER event's ident; user events have a namespace of their own. */
    private static final int WAKEUP_IDENT = 0;

    private final String name;
    private final KqueueBinding binding;
    private final KeventLayout ev;
    private final SocketConstants sockets;
    private final Syscalls sys;
    private final KqueueCalls calls;
    private final SocketIo io;
    private final BatchWriter writer;
    private final int kq;
    /** The wake-up pipe's ends when wake-ups go through a pipe, else -1. */
    private final int wakeRead, wakeWrite;
    private volatile boolean closed;

    /** The change list (with a last slot for a change applied alone), the event array and the arena. */
    private final TurnMemory memory;
    private final long changesAddr;
    private final ByteBuffer eventsView, changesView;
    private final ReadArena arena;
    /** trigger: what wakeup() submits (the NOTE_TRIGGER change) or writes (the pipe's byte); written before any other thread can see it. */
    private final Memory scratch, trigger, deletes;
    private final long scratchAddr, triggerAddr, deletesAddr;
    private final ByteBuffer scratchView, deletesView;

    private final ChangeQueue pending = new ChangeQueue();
    /** Sockets by descriptor, to find the one an event's socket error or failed change is about. */
    private PosixSocket[] byFd = new PosixSocket[256];

    /** For tests: kevent calls made by {@link #poll}, and the changes they submitted. */
    long waitCalls, changesSubmitted;
    /** For tests: changes applied outside a wait, because the change list was full. */
    long changesSubmittedAlone;

    KqueuePoller(KqueueBinding binding, String name) throws IOException {
        this(binding, name, true);
    }

    /** {@code userEvent} false: wake up through a pipe even where EVFILT_USER is usable (to test that path). */
    KqueuePoller(KqueueBinding binding, String name, boolean userEvent) throws IOException {
        this.name = name;
        this.binding = binding;
        KqueuePlatform platform = binding.platform;
        this.ev = platform.kevent;
        this.sockets = platform.socket;
        this.sys = binding.syscalls();
        this.calls = binding.calls(sys);
        // kernel 0: no filters yet
        this.io = new SocketIo(name, sys, sockets, platform.sockaddr, platform.datagram, platform.iovec, 0, platform.sendfile, true,
                this::beforeClose);
        this.writer = new BatchWriter(io);

        memory = new TurnMemory(MAX_CHANGES + 1, ev.size, MAX_EVENTS, ev.size); // the last change slot: a change applied alone
        changesAddr = memory.changesAddr;
        eventsView = memory.eventsView;
        changesView = memory.changesView;
        arena = memory.arena;
        scratch = new Memory(64 + ev.size); // the wake-up pipe's two descriptors, then at 64 the change adding its read end
        trigger = new Memory(ev.size);
        deletes = new Memory(2L * ev.size);
        scratchAddr = Pointer.nativeValue(scratch);
        triggerAddr = Pointer.nativeValue(trigger);
        deletesAddr = Pointer.nativeValue(deletes);
        scratchView = TurnMemory.view(scratch);
        deletesView = TurnMemory.view(deletes);

        int q = calls.kqueue();
        if (q < 0) throw Errors.exception(q, "kqueue", sys, sockets);
        int[] pipe = {-1, -1};
        try {
            boolean useUserEvent = userEvent && ev.hasUserFilter && binding.triggersFromOtherThreads();
            if (!(useUserEvent && addUserEvent(q))) pipe = addWakeupPipe(q);
        } catch (IOException | RuntimeException e) {
            sys.close(q);
            throw e;
        }
        kq = q;
        wakeRead = pipe[0];
        wakeWrite = pipe[1];
    }

    /** EVFILT_USER, cleared when reported; the trigger entry is written once and only read afterwards, from any thread. */
    private boolean addUserEvent(int q) {
        ByteBuffer t = TurnMemory.view(trigger);
        ev.put(t, 0, WAKEUP_IDENT, ev.evfiltUser, ev.evAdd | ev.evClear, 0, word(0, MODE_WAKEUP, 0));
        if (calls.submit(q, triggerAddr, 1) < 0) return false; // a system without it after all: use a pipe
        // the trigger carries the same udata: a modification replaces the stored one
        ev.put(t, 0, WAKEUP_IDENT, ev.evfiltUser, 0, ev.noteTrigger, word(0, MODE_WAKEUP, 0));
        return true;
    }

    /** A pipe whose read end is registered for reading; wakeup() writes a byte, the turn empties it. */
    private int[] addWakeupPipe(int q) throws IOException {
        int r = calls.pipe(scratchAddr);
        if (r < 0) throw Errors.exception(r, "pipe", sys, sockets);
        int rd = scratchView.getInt(0), wr = scratchView.getInt(4);
        ev.put(scratchView, 64, rd, ev.evfiltRead, ev.evAdd, 0, word(rd, MODE_WAKEUP, 0));
        r = calls.submit(q, scratchAddr + 64, 1);
        if (r < 0) {
            sys.close(rd);
            sys.close(wr);
            throw Errors.exception(r, "kevent(EV_ADD wake-up pipe)", sys, sockets);
        }
        trigger.setByte(0, (byte) 1); // the byte wakeup() writes; never changed again
        return new int[] {rd, wr};
    }

    /** Whether wake-ups use EVFILT_USER (false: the pipe). */
    boolean wakesByUserEvent() { return wakeWrite < 0; }

    @Override
    public String name() { return name; }

    @Override
    public String description() {
        return binding.description() + (wakesByUserEvent() ? "" : ", wake-ups through a pipe");
    }

    // ---------------------------------------------------------------- sockets

    /**
     * DragonFly spreads new connections among listening sockets sharing a port with SO_REUSEPORT,
     * FreeBSD with SO_REUSEPORT_LB (which SO_REUSEPORT then sets), and Linux under a userspace
     * kqueue; macOS, NetBSD and OpenBSD do not: there, one loop hands connections over.
     */
    @Override
    public boolean kernelBalancesListeners() { return io.reusePortBalances(); }

    @Override
    public SocketIo socketIo() { return io; }

    /** Before a socket's descriptor is closed: what the kqueue knows of it goes. */
    private void beforeClose(PosixSocket s) {
        if (binding.userspace() && s.kernel != 0 && !closed) {
            // A kernel kqueue drops a descriptor's filters when it is closed. A userspace one
            // can't see the close, and would keep them to trip over the next socket given the
            // same number: delete them first.
            int n = 0;
            if ((s.kernel & READ) != 0) ev.put(deletesView, n++ * ev.size, s.fd, ev.evfiltRead, ev.evDelete, 0, 0);
            if ((s.kernel & WRITE) != 0) ev.put(deletesView, n++ * ev.size, s.fd, ev.evfiltWrite, ev.evDelete, 0, 0);
            calls.submit(kq, deletesAddr, n);
        }
        s.kernel = 0;
        if (s.fd < byFd.length && byFd[s.fd] == s) byFd[s.fd] = null;
    }

    // ---------------------------------------------------------------- interest

    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) {
        PosixSocket s = (PosixSocket) socket;
        s.register(token, interest, readOnReady);
        if (s.fd >= byFd.length) byFd = Arrays.copyOf(byFd, Math.max(s.fd + 1, byFd.length * 2));
        byFd[s.fd] = s;
        if (interest != s.kernel) pending.add(s); // added with the next wait, like any other change
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        PosixSocket s = (PosixSocket) socket;
        if (s.want(interest)) pending.add(s);
    }

    /**
     * Writes the pending changes into the change list: an EV_ADD or EV_DELETE per filter whose
     * state really changed. Beyond the list's capacity, applies them one by one at once.
     */
    private int collectChanges(ReadyHandler handler) {
        int n = 0;
        for (int i = 0, size = pending.size(); i < size; i++) {
            PosixSocket s = pending.take(i);
            if (s.isClosed() || s.wanted == s.kernel) continue;
            int changed = s.wanted ^ s.kernel;
            s.kernel = s.wanted;
            if ((changed & READ) != 0) {
                n = change(n, s, ev.evfiltRead, (s.wanted & READ) != 0, word(s.fd, s.mode, s.token), handler);
            }
            if ((changed & WRITE) != 0) {
                n = change(n, s, ev.evfiltWrite, (s.wanted & WRITE) != 0, word(s.fd, MODE_PLAIN, s.token), handler);
            }
        }
        pending.clear();
        return n;
    }

    private int change(int n, PosixSocket s, int filter, boolean add, long udata, ReadyHandler handler) {
        int flags = add ? ev.evAdd : ev.evDelete;
        if (n < MAX_CHANGES) {
            ev.put(changesView, n * ev.size, s.fd, filter, flags, 0, udata);
            return n + 1;
        }
        int slot = MAX_CHANGES * ev.size;
        ev.put(changesView, slot, s.fd, filter, flags, 0, udata);
        changesSubmittedAlone++;
        int r = calls.submit(kq, changesAddr + slot, 1);
        if (r < 0 && add) changeFailed(s, filter == ev.evfiltRead ? READ : WRITE, -r, handler);
        return n;
    }

    /** An EV_ADD failed: the socket can't be watched, so it ends like one whose epoll_ctl failed. */
    private void changeFailed(PosixSocket s, int bit, int errno, ReadyHandler handler) {
        s.kernel &= ~bit;
        IOException failure = Errors.exception(-errno, "kevent on fd " + s.fd, sys, sockets);
        BackendLog.LOG.log(Level.WARNING, "could not register fd " + s.fd + " with kqueue: " + failure.getMessage());
        handler.receiveEnded(s.token, failure);
    }

    /** The socket an event's udata names, if it is still the one registered on that descriptor. */
    private PosixSocket socketOf(int fd, int token) {
        PosixSocket s = fd >= 0 && fd < byFd.length ? byFd[fd] : null;
        return s != null && !s.isClosed() && s.token == token ? s : null;
    }

    // ---------------------------------------------------------------- the turn

    @Override
    public int poll(long timeoutNanos, ReadyHandler handler) throws IOException {
        int nchanges = collectChanges(handler);
        long timeout = timeoutNanos < 0 ? -1 : Math.min(timeoutNanos, MAX_TIMEOUT_NANOS);
        waitCalls++;
        changesSubmitted += nchanges;
        int n = calls.turn(kq, memory, nchanges, timeout);
        if (n < 0) {
            if (n == -sockets.eIntr) return 0; // the changes were applied before the wait was interrupted
            throw Errors.exception(n, "kevent", sys, sockets);
        }
        dispatch(n, handler);
        return n;
    }

    private void dispatch(int n, ReadyHandler handler) {
        for (int i = 0; i < n; i++) {
            int base = i * ev.size;
            int filter = ev.filter(eventsView, base);
            int flags = ev.flags(eventsView, base);
            long word = ev.udata(eventsView, base);
            int mode = ShimAbi.mode(word);
            int token = ShimAbi.token(word);
            int fd = ev.ident(eventsView, base);
            if ((flags & ev.evError) != 0) {
                changeError(fd, filter, token, (int) ev.data(eventsView, base), handler);
                continue;
            }
            if (mode == MODE_WAKEUP) continue;
            int extra = 0;
            if ((flags & ev.evEof) != 0) {
                extra = HANGUP;
                int socketError = ev.fflags(eventsView, base);
                if (socketError != 0) {
                    extra |= ERROR;
                    PosixSocket s = socketOf(fd, token);
                    if (s != null) s.reportedError = socketError;
                }
            }
            if (filter == ev.evfiltWrite) {
                handler.ready(token, WRITE | extra);
                continue;
            }
            if (filter != ev.evfiltRead) continue;
            if (mode != MODE_PREREAD) {
                handler.ready(token, READ | extra);
                continue;
            }
            int result = arena.result(i);
            if (result > 0) {
                handler.received(token, arena.bytes(i, result));
            } else if (result == 0) {
                PosixSocket s = socketOf(fd, token);
                int err = s != null ? s.takeReportedError() : 0;
                handler.receiveEnded(token, err != 0 ? Errors.exception(-err, "read", sys, sockets) : null);
            } else if (result == ShimAbi.NOT_READ) {
                handler.ready(token, READ | extra); // the engine reads it itself
            } else if (result != -sockets.eAgain && result != -sockets.eIntr) {
                handler.receiveEnded(token, Errors.exception(result, "read", sys, sockets));
            }
        }
    }

    /**
     * A change that failed. Which kind can't be read from the event (FreeBSD replaces its flags
     * with EV_ERROR alone), but from the socket: a filter it still counts as added was an add.
     * A failed delete needs nothing: the filter is gone either way.
     */
    private void changeError(int fd, int filter, int token, int errno, ReadyHandler handler) {
        PosixSocket s = socketOf(fd, token);
        if (s == null) return;
        int bit = filter == ev.evfiltRead ? READ : filter == ev.evfiltWrite ? WRITE : 0;
        if ((s.kernel & bit) != 0) changeFailed(s, bit, errno, handler);
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void flush(WriteBatch batch) { writer.flush(batch); }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void wakeup() {
        if (closed) return;
        if (wakeWrite >= 0) sys.write(wakeWrite, triggerAddr, 1); // EAGAIN: the pipe is full, a wake-up is pending anyway
        else calls.submit(kq, triggerAddr, 1);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (wakeRead >= 0) {
            sys.close(wakeRead);
            sys.close(wakeWrite);
        }
        sys.close(kq);
        if (binding.userspace()) KqueueLibrary.awaitClosed();
        memory.close();
        scratch.close();
        trigger.close();
        deletes.close();
        calls.close();
        writer.close();
        io.close();
    }
}
