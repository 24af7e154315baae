// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import io.pants.posix.BatchWriter;
import io.pants.posix.ChangeQueue;
import io.pants.posix.Errors;
import io.pants.posix.PosixPoller;
import io.pants.posix.PosixSocket;
import io.pants.posix.ReadArena;
import io.pants.posix.Sendfile;
import io.pants.posix.ShimAbi;
import io.pants.posix.Sockaddr;
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

import static io.pants.posix.ShimAbi.EPOLL_CHANGE_DATA;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_EVENTS;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_FD;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_OP;
import static io.pants.posix.ShimAbi.EPOLL_CHANGE_SIZE;
import static io.pants.posix.ShimAbi.MODE_PLAIN;
import static io.pants.posix.ShimAbi.MODE_PREREAD;
import static io.pants.posix.ShimAbi.MODE_WAKEUP;

/**
 * Linux epoll, level-triggered. With the shim, a loop turn costs two native crossings: one
 * {@code pants_flush} for every stream's queued output (writev each, see {@link BatchWriter}),
 * and one {@code pants_epoll_turn} that applies the turn's interest changes, waits, and reads
 * every ready stream into a native arena that is handed to the engine by offset. Through libc,
 * the same steps run in Java, a crossing per system call: which of the two is the
 * {@link EpollBinding} the poller is made with, and nothing here depends on it.
 *
 * <p>Native memory is allocated once per poller ({@link TurnMemory}): the epoll_event array
 * (read with the layout the binding reports), the per-event read results, the read arena and
 * the change list. The kernel only ever sees the 64-bit word fd|mode|token ({@link ShimAbi}). The socket calls themselves (opening,
 * accepting, reading, datagrams) are the POSIX ones every native backend shares, in
 * {@link SocketIo}; this class is epoll's registration and wait.
 */
final class EpollPoller implements PosixPoller {
    private static final int MAX_EVENTS = 512;
    private static final int MAX_CHANGES = 1024;

    private final String name;
    private final EpollBinding binding;
    private final SocketConstants sockets;
    private final EpollConstants epoll;
    private final Syscalls sys;
    private final SocketIo io;
    private final BatchWriter writer;
    private final int epfd, wakeFd;
    private volatile boolean closed;

    private final TurnMemory memory;
    private final ByteBuffer changesView, eventsView;
    private final ReadArena arena;

    private final ChangeQueue pending = new ChangeQueue();
    private final PosixSocket[] changed = new PosixSocket[MAX_CHANGES];

    EpollPoller(EpollBinding binding, String name) throws IOException {
        this.name = name;
        this.binding = binding;
        this.sockets = binding.sockets();
        this.epoll = binding.epoll();
        this.sys = binding.syscalls();
        // kernel -1: not added yet. Nothing to undo before a close: closing a descriptor removes
        // it from the epoll set too, as we never dup() one.
        this.io = new SocketIo(name, sys, sockets, Sockaddr.linux(sockets), binding.datagrams(), binding.iovec(), -1,
                Sendfile.Kind.LINUX, false, null);
        this.writer = new BatchWriter(io);
        memory = new TurnMemory(MAX_CHANGES, EPOLL_CHANGE_SIZE, MAX_EVENTS, epoll.eventSize);
        changesView = memory.changesView;
        eventsView = memory.eventsView;
        arena = memory.arena;

        int ep = binding.create();
        if (ep < 0) throw Errors.exception(ep, "epoll_create1", sys, sockets);
        int ev = binding.eventfd();
        if (ev < 0) {
            sys.close(ep);
            throw Errors.exception(ev, "eventfd", sys, sockets);
        }
        int r = binding.ctl(ep, epoll.ctlAdd, ev, epoll.epollIn, ShimAbi.word(ev, MODE_WAKEUP, 0));
        if (r < 0) {
            sys.close(ev);
            sys.close(ep);
            throw Errors.exception(r, "epoll_ctl(eventfd)", sys, sockets);
        }
        epfd = ep;
        wakeFd = ev;
    }

    @Override
    public String name() { return name; }

    @Override
    public String description() { return binding.description(); }

    // ---------------------------------------------------------------- sockets

    /** Linux spreads new connections among the listening sockets bound to one port with SO_REUSEPORT. */
    @Override
    public boolean kernelBalancesListeners() { return true; }

    @Override
    public SocketIo socketIo() { return io; }

    // ---------------------------------------------------------------- interest
    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) {
        PosixSocket s = (PosixSocket) socket;
        s.register(token, interest, readOnReady);
        pending.add(s); // added with the next wait, like any other change
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        PosixSocket s = (PosixSocket) socket;
        if (s.want(interest)) pending.add(s);
    }

    private int epollEvents(int interest) {
        return ((interest & READ) != 0 ? epoll.epollIn : 0) | ((interest & WRITE) != 0 ? epoll.epollOut : 0);
    }

    /** Writes the pending changes into the change list; beyond its capacity, applies them at once. */
    private int collectChanges(ReadyHandler handler) {
        int n = 0;
        for (int i = 0, size = pending.size(); i < size; i++) {
            PosixSocket s = pending.take(i);
            if (s.isClosed() || s.wanted == s.kernel) continue; // epoll_ctl only when interest really changed
            int op = s.kernel < 0 ? epoll.ctlAdd : epoll.ctlMod;
            int events = epollEvents(s.wanted);
            // Pre-read only sockets that want to read: a read on a socket still connecting
            // consumes its pending error (ECONNREFUSED), which finishConnect() must find in SO_ERROR.
            int mode = s.mode == MODE_PREREAD && (s.wanted & READ) == 0 ? MODE_PLAIN : s.mode;
            long data = ShimAbi.word(s.fd, mode, s.token);
            s.kernel = s.wanted;
            if (n == MAX_CHANGES) {
                int r = binding.ctl(epfd, op, s.fd, events, data);
                if (r < 0) changeFailed(s, r, handler);
                continue;
            }
            int base = n * EPOLL_CHANGE_SIZE;
            changesView.putLong(base + EPOLL_CHANGE_OP, op);
            changesView.putLong(base + EPOLL_CHANGE_FD, s.fd);
            changesView.putLong(base + EPOLL_CHANGE_EVENTS, events);
            changesView.putLong(base + EPOLL_CHANGE_DATA, data);
            changed[n++] = s;
        }
        pending.clear();
        return n;
    }

    private void changeFailed(PosixSocket s, int r, ReadyHandler handler) {
        s.kernel = -1;
        IOException failure = Errors.exception(r, "epoll_ctl on fd " + s.fd, sys, sockets);
        BackendLog.LOG.log(Level.WARNING, "could not register fd " + s.fd + " with epoll: " + failure.getMessage());
        handler.receiveEnded(s.token, failure);
    }

    // ---------------------------------------------------------------- the turn

    @Override
    public int poll(long timeoutNanos, ReadyHandler handler) throws IOException {
        int nchanges = collectChanges(handler);
        int timeoutMs = timeoutNanos < 0 ? -1
                : timeoutNanos == 0 ? 0
                // round up: a timer due in 0.3 ms must not become a busy epoll_wait(0)
                : (int) Math.min(Integer.MAX_VALUE, (timeoutNanos + 999_999) / 1_000_000);
        int n = binding.turn(epfd, memory, nchanges, timeoutMs);
        for (int i = 0; i < nchanges; i++) {
            long r = changesView.getLong(i * EPOLL_CHANGE_SIZE + EPOLL_CHANGE_OP);
            PosixSocket s = changed[i];
            changed[i] = null;
            if (r < 0 && !s.isClosed()) changeFailed(s, (int) r, handler);
        }
        if (n < 0) {
            if (n == -sockets.eIntr) return 0;
            throw Errors.exception(n, "epoll_wait", sys, sockets);
        }
        dispatch(n, handler);
        return n;
    }

    private void dispatch(int n, ReadyHandler handler) {
        for (int i = 0; i < n; i++) {
            int flags = epoll.flags(eventsView, i);
            long word = epoll.word(eventsView, i);
            int mode = ShimAbi.mode(word);
            if (mode == MODE_WAKEUP) continue;
            int token = ShimAbi.token(word);
            int ready = ((flags & epoll.epollIn) != 0 ? READ : 0)
                    | ((flags & epoll.epollOut) != 0 ? WRITE : 0)
                    | ((flags & (epoll.epollHup | epoll.epollRdHup)) != 0 ? HANGUP : 0)
                    | ((flags & epoll.epollErr) != 0 ? ERROR : 0);
            if (mode != MODE_PREREAD) {
                handler.ready(token, ready);
                continue;
            }
            if ((ready & WRITE) != 0) handler.ready(token, WRITE);
            int result = arena.result(i);
            if (result > 0) {
                handler.received(token, arena.bytes(i, result));
            } else if (result == 0) {
                handler.receiveEnded(token, null);
            } else if (result == ShimAbi.NOT_READ) {
                int rest = ready & ~WRITE;
                if (rest != 0) handler.ready(token, rest); // the engine reads it itself
            } else if (result != -sockets.eAgain && result != -sockets.eIntr) {
                handler.receiveEnded(token, Errors.exception(result, "read", sys, sockets));
            }
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void flush(WriteBatch batch) { writer.flush(batch); }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void wakeup() {
        if (!closed) binding.signal(wakeFd);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        sys.close(wakeFd);
        sys.close(epfd);
        memory.close();
        writer.close();
        io.close();
        binding.close();
    }
}
