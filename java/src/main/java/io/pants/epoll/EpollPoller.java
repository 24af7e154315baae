package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.BatchWriter;
import io.pants.posix.ChangeQueue;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Errors;
import io.pants.posix.Iovec;
import io.pants.posix.LibcSyscalls;
import io.pants.posix.PosixSocket;
import io.pants.posix.ReadArena;
import io.pants.posix.Sendfile;
import io.pants.posix.Shim;
import io.pants.posix.ShimSyscalls;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;
import io.pants.posix.SocketIo;
import io.pants.posix.Syscalls;
import io.pants.spi.Poller;
import io.pants.spi.PollerSocket;
import io.pants.spi.ReadyHandler;
import io.pants.spi.WriteBatch;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Linux epoll, level-triggered. With the shim, a loop turn costs two native crossings: one
 * {@code pants_flush} for every stream's queued output (writev each, see {@link BatchWriter}),
 * and one {@code pants_epoll_turn} that applies the turn's interest changes, waits, and reads
 * every ready stream into a native arena that is handed to the engine by offset. Through libc,
 * the same steps run here in Java, a crossing per system call.
 *
 * <p>Native memory is allocated once per poller: the epoll_event array (read with the layout
 * the shim reports), the per-event read results, the read arena and the change list. The kernel
 * only ever sees the 64-bit word fd|mode|token. The socket calls themselves (opening,
 * accepting, reading, datagrams) are the POSIX ones every native backend shares, in
 * {@link SocketIo}; this class is epoll's registration and wait.
 */
final class EpollPoller implements Poller {
    static final int MODE_PLAIN = 0, MODE_PREREAD = 1, MODE_WAKEUP = 2;

    private static final int MAX_EVENTS = 512;
    private static final int MAX_CHANGES = 1024;

    private final String name;
    private final boolean shim;
    final SocketConstants k;
    final EpollConstants e;
    final Syscalls sys;
    private final EpollCalls epoll;
    private final SocketIo io;
    private final BatchWriter writer;
    private final int epfd, wakeFd;
    private volatile boolean closed;

    private final Memory events, changes, drain;
    private final long eventsAddr, changesAddr, drainAddr;
    private final ByteBuffer eventsView, changesView;
    private final ReadArena arena = new ReadArena(MAX_EVENTS);

    private final ChangeQueue pending = new ChangeQueue();
    private final PosixSocket[] changed = new PosixSocket[MAX_CHANGES];

    EpollPoller(boolean shim, String name) throws IOException {
        this.name = name;
        this.shim = shim;
        this.k = shim ? SocketConstants.fromShim() : SocketConstants.linux();
        this.e = shim ? EpollConstants.fromShim() : EpollConstants.linuxGeneric();
        DatagramConstants d = shim ? DatagramConstants.fromShim() : DatagramConstants.linux();
        LibcSyscalls libc = shim ? null : LibcSyscalls.linux(k, d);
        this.sys = shim ? new ShimSyscalls(d.sockDgram) : libc;
        this.epoll = new EpollCalls(shim, e, k.eAgain);
        // kernel -1: not added yet. Nothing to undo before a close: closing a descriptor removes
        // it from the epoll set too, as we never dup() one.
        this.io = new SocketIo(name, sys, k, Sockaddr.linux(k), d, shim ? Iovec.fromShim() : Iovec.LP64, -1,
                Sendfile.Kind.LINUX, false, null);
        this.writer = new BatchWriter(io, libc);

        events = new Memory((long) MAX_EVENTS * e.eventSize);
        changes = new Memory(MAX_CHANGES * 32L);
        drain = new Memory(8);
        eventsAddr = Pointer.nativeValue(events);
        changesAddr = Pointer.nativeValue(changes);
        drainAddr = Pointer.nativeValue(drain);
        eventsView = view(events);
        changesView = view(changes);

        int ep = epoll.create();
        if (ep < 0) throw Errors.exception(ep, "epoll_create1", sys, k);
        int ev = epoll.eventfd();
        if (ev < 0) {
            sys.close(ep);
            throw Errors.exception(ev, "eventfd", sys, k);
        }
        int r = epoll.ctl(ep, e.ctlAdd, ev, e.epollIn, word(ev, MODE_WAKEUP, 0));
        if (r < 0) {
            sys.close(ev);
            sys.close(ep);
            throw Errors.exception(r, "epoll_ctl(eventfd)", sys, k);
        }
        epfd = ep;
        wakeFd = ev;
    }

    private static ByteBuffer view(Memory m) {
        return m.getByteBuffer(0, m.size()).order(ByteOrder.nativeOrder());
    }

    /** The user word registered with a descriptor: fd, mode and token (see pants.h). */
    static long word(int fd, int mode, int token) {
        return ((long) fd << 32) | ((long) mode << 28) | token;
    }

    @Override
    public String name() { return name; }

    @Override
    public String description() {
        return shim ? "epoll through the native shim " + Shim.location() + " (layouts from the shim)"
                : "epoll through libc via JNA (layouts from " + e.source + ")";
    }

    // ---------------------------------------------------------------- sockets

    @Override
    public PollerSocket listen(SocketAddress address, int backlog) throws IOException { return io.listen(address, backlog); }

    @Override
    public PollerSocket connect(SocketAddress remote) throws IOException { return io.connect(remote); }

    @Override
    public PollerSocket openDatagram(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        return io.openDatagram(bind, options);
    }

    // ---------------------------------------------------------------- interest
    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) {
        PosixSocket s = (PosixSocket) socket;
        s.token = token;
        s.mode = readOnReady ? MODE_PREREAD : MODE_PLAIN;
        s.wanted = interest;
        pending.add(s); // added with the next wait, like any other change
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        PosixSocket s = (PosixSocket) socket;
        s.wanted = interest;
        if (s.kernel != interest) pending.add(s);
    }

    private int epollEvents(int interest) {
        return ((interest & READ) != 0 ? e.epollIn : 0) | ((interest & WRITE) != 0 ? e.epollOut : 0);
    }

    /** Writes the pending changes into the change list; beyond its capacity, applies them at once. */
    private int collectChanges(ReadyHandler handler) {
        int n = 0;
        for (int i = 0, size = pending.size(); i < size; i++) {
            PosixSocket s = pending.take(i);
            if (s.isClosed() || s.wanted == s.kernel) continue; // epoll_ctl only when interest really changed
            int op = s.kernel < 0 ? e.ctlAdd : e.ctlMod;
            int events = epollEvents(s.wanted);
            // Pre-read only sockets that want to read: a read on a socket still connecting
            // consumes its pending error (ECONNREFUSED), which finishConnect() must find in SO_ERROR.
            int mode = s.mode == MODE_PREREAD && (s.wanted & READ) == 0 ? MODE_PLAIN : s.mode;
            long data = word(s.fd, mode, s.token);
            s.kernel = s.wanted;
            if (n == MAX_CHANGES) {
                int r = epoll.ctl(epfd, op, s.fd, events, data);
                if (r < 0) changeFailed(s, r, handler);
                continue;
            }
            int base = n * 32;
            changesView.putLong(base, op);
            changesView.putLong(base + 8, s.fd);
            changesView.putLong(base + 16, events);
            changesView.putLong(base + 24, data);
            changed[n++] = s;
        }
        pending.clear();
        return n;
    }

    private void changeFailed(PosixSocket s, int r, ReadyHandler handler) {
        s.kernel = -1;
        IOException e = Errors.exception(r, "epoll_ctl on fd " + s.fd, sys, k);
        System.getLogger("io.pants").log(Level.WARNING, "could not register fd " + s.fd + " with epoll: " + e.getMessage());
        handler.receiveEnded(s.token, e);
    }

    // ---------------------------------------------------------------- the turn

    @Override
    public int wait(long timeoutNanos, ReadyHandler handler) throws IOException {
        int nchanges = collectChanges(handler);
        int timeoutMs = timeoutNanos < 0 ? -1
                : timeoutNanos == 0 ? 0
                // round up: a timer due in 0.3 ms must not become a busy epoll_wait(0)
                : (int) Math.min(Integer.MAX_VALUE, (timeoutNanos + 999_999) / 1_000_000);
        int n = shim
                ? EpollShim.pants_epoll_turn(epfd, changesAddr, nchanges, eventsAddr, MAX_EVENTS, timeoutMs,
                        arena.readsAddress(), arena.arenaAddress(), ReadArena.SIZE, ReadArena.READ_MAX)
                : libcTurn(nchanges, timeoutMs);
        for (int i = 0; i < nchanges; i++) {
            long r = changesView.getLong(i * 32);
            PosixSocket s = changed[i];
            changed[i] = null;
            if (r < 0 && !s.isClosed()) changeFailed(s, (int) r, handler);
        }
        if (n < 0) {
            if (n == -k.eIntr) return 0;
            throw Errors.exception(n, "epoll_wait", sys, k);
        }
        dispatch(n, handler);
        return n;
    }

    /** The libc binding's version of pants_epoll_turn (native/pants_epoll.c), one crossing per call. */
    private int libcTurn(int nchanges, int timeoutMs) {
        for (int i = 0; i < nchanges; i++) {
            int base = i * 32;
            int r = epoll.ctl(epfd, (int) changesView.getLong(base), (int) changesView.getLong(base + 8),
                    (int) changesView.getLong(base + 16), changesView.getLong(base + 24));
            changesView.putLong(base, r);
        }
        int n = epoll.waitLibc(epfd, eventsAddr, MAX_EVENTS, timeoutMs);
        if (n <= 0) return n;
        arena.startTurn();
        // as in the shim: EPOLLIN only, never a bare hangup or error (see pants_epoll.c)
        int readable = e.epollIn;
        for (int i = 0; i < n; i++) {
            int base = i * e.eventSize;
            int flags = eventsView.getInt(base + e.eventEventsOffset);
            long word = eventsView.getLong(base + e.eventDataOffset);
            int fd = (int) (word >>> 32);
            int mode = (int) (word >>> 28) & 0xf;
            if (mode == MODE_PREREAD && (flags & readable) != 0) {
                arena.read(i, fd, sys);
                continue;
            }
            arena.notRead(i);
            if (mode == MODE_WAKEUP) sys.read(fd, drainAddr, 8);
        }
        return n;
    }

    private void dispatch(int n, ReadyHandler handler) {
        for (int i = 0; i < n; i++) {
            int base = i * e.eventSize;
            int flags = eventsView.getInt(base + e.eventEventsOffset);
            long word = eventsView.getLong(base + e.eventDataOffset);
            int mode = (int) (word >>> 28) & 0xf;
            if (mode == MODE_WAKEUP) continue;
            int token = (int) (word & 0x0fffffff);
            int ready = ((flags & e.epollIn) != 0 ? READ : 0)
                    | ((flags & e.epollOut) != 0 ? WRITE : 0)
                    | ((flags & (e.epollHup | e.epollRdHup)) != 0 ? HANGUP : 0)
                    | ((flags & e.epollErr) != 0 ? ERROR : 0);
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
            } else if (result == Shim.NOT_READ) {
                int rest = ready & ~WRITE;
                if (rest != 0) handler.ready(token, rest); // the engine reads it itself
            } else if (result != -k.eAgain && result != -k.eIntr) {
                handler.receiveEnded(token, Errors.exception(result, "read", sys, k));
            }
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void flush(WriteBatch batch) { writer.flush(batch); }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void wakeup() {
        if (!closed) epoll.signal(wakeFd);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        sys.close(wakeFd);
        sys.close(epfd);
        events.close();
        arena.close();
        changes.close();
        drain.close();
        writer.close();
        io.close();
    }
}
