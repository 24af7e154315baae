package io.pants.kqueue;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.posix.SocketConstants;
import io.pants.spi.Chunk;
import io.pants.spi.FileRegion;
import io.pants.spi.OutboundQueue;
import io.pants.spi.Poller;
import io.pants.spi.PollerSocket;
import io.pants.spi.ReadyHandler;
import io.pants.spi.WriteBatch;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

/**
 * kqueue, level-triggered: EVFILT_READ and EVFILT_WRITE per socket, added and deleted as the
 * engine's interest changes, and EVFILT_USER for wake-ups (or a pipe where there is none, or
 * where another thread's kevent would block while the loop waits). The
 * turn's interest changes go into a change list submitted by the kevent call that waits. With
 * the shim a loop turn costs two native crossings, like epoll's: {@code pants_flush} for every
 * stream's queued output, and {@code pants_kqueue_turn}, which submits the changes, waits and
 * reads every ready stream into a native arena handed to the engine by offset. Through JNA the
 * same steps run here in Java, a crossing per system call.
 *
 * <p>The kernel sees only the 64-bit user word fd|mode|token (pants.h) in each filter's udata.
 * Datagram sockets are registered plainly (readiness only) and move their datagrams through
 * {@link DatagramIo}, made with the first of them.
 *
 * <p>EV_EOF is the engine's HANGUP, and ERROR too when it carries a socket error in fflags; an
 * EV_ERROR event is a change that failed (its errno in data): an add that failed ends that
 * socket like a failed epoll_ctl does.
 */
final class KqueuePoller implements Poller {
    static final int MODE_PLAIN = 0, MODE_PREREAD = 1, MODE_WAKEUP = 2;

    private static final int MAX_EVENTS = 512;
    private static final int ARENA_SIZE = 1 << 20;
    /** Per socket and turn: the rest waits for the next turn, so one busy peer can't starve the others. */
    private static final int READ_MAX = 64 * 1024;
    /**
     * Below MAX_EVENTS on purpose: a change that fails comes back as an EV_ERROR event only if
     * the eventlist has room for it; without room kevent stops at that change and returns -1,
     * and which of the others were applied can't be told.
     */
    static final int MAX_CHANGES = 256;
    private static final int MAX_ENTRIES = 256;
    private static final int IOV_PER_SOCKET = 64;
    private static final int MAX_IOVECS = 1024;
    /** A timeout beyond this (24 days) waits this long: libkqueue turns it into epoll_wait's int milliseconds. */
    private static final long MAX_TIMEOUT_NANOS = Integer.MAX_VALUE * 1_000_000L;
    /** The EVFILT_USER event's ident; user events have a namespace of their own. */
    private static final int WAKEUP_IDENT = 0;

    private final String name;
    private final KqueueBinding binding;
    private final boolean shim;
    final KqueuePlatform p;
    private final KeventLayout ev;
    private final SocketConstants k;
    final Syscalls sys;
    private final LibcSyscalls libc;
    private final int kq;
    /** The wake-up pipe's ends when wake-ups go through a pipe, else -1. */
    private final int wakeRead, wakeWrite;
    private volatile boolean closed;

    /** trigger: what wakeup() submits (the NOTE_TRIGGER change) or writes (the pipe's byte); written before any other thread can see it. */
    private final Memory events, reads, arena, changes, entries, iovecs, scratch, trigger, deletes;
    private final long eventsAddr, readsAddr, arenaAddr, changesAddr, entriesAddr, iovecsAddr, scratchAddr, triggerAddr, deletesAddr;
    private final ByteBuffer eventsView, readsView, arenaView, changesView, entriesView, iovecsView, scratchView, deletesView;
    private Memory copyMemory;
    /** Made with the first datagram socket: most engines never open one. */
    private DatagramIo datagrams;

    private KqueueSocket[] pending = new KqueueSocket[64];
    private int pendingCount;
    /** Sockets by descriptor, to find the one an event's socket error or failed change is about. */
    private KqueueSocket[] byFd = new KqueueSocket[256];
    private final Chunk[] gathered = new Chunk[IOV_PER_SOCKET];
    private final int[] entryOwner = new int[MAX_ENTRIES];
    private ByteBuffer lastReadBuffer;
    private long lastReadAddress;

    /** For tests: kevent calls made by {@link #wait}, and the changes they submitted. */
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
        this.shim = binding.shim;
        this.p = binding.platform;
        this.ev = p.kevent;
        this.k = p.socket;
        this.sys = binding.syscalls();
        this.libc = shim ? null : (LibcSyscalls) sys;

        events = new Memory((long) MAX_EVENTS * ev.size);
        reads = new Memory(MAX_EVENTS * 8L);
        arena = new Memory(ARENA_SIZE);
        changes = new Memory((long) (MAX_CHANGES + 1) * ev.size); // the last slot: a change applied alone
        entries = new Memory(MAX_ENTRIES * 24L);
        iovecs = new Memory((long) MAX_IOVECS * p.iovecSize);
        scratch = new Memory(512);
        trigger = new Memory(ev.size);
        deletes = new Memory(2L * ev.size);
        eventsAddr = Pointer.nativeValue(events);
        readsAddr = Pointer.nativeValue(reads);
        arenaAddr = Pointer.nativeValue(arena);
        changesAddr = Pointer.nativeValue(changes);
        entriesAddr = Pointer.nativeValue(entries);
        iovecsAddr = Pointer.nativeValue(iovecs);
        scratchAddr = Pointer.nativeValue(scratch);
        triggerAddr = Pointer.nativeValue(trigger);
        deletesAddr = Pointer.nativeValue(deletes);
        eventsView = view(events);
        readsView = view(reads);
        arenaView = view(arena);
        changesView = view(changes);
        entriesView = view(entries);
        iovecsView = view(iovecs);
        scratchView = view(scratch);
        deletesView = view(deletes);

        int q = sys.kqueue();
        if (q < 0) throw Errors.exception(q, "kqueue", sys, k);
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

    private static ByteBuffer view(Memory m) {
        return m.getByteBuffer(0, m.size()).order(ByteOrder.nativeOrder());
    }

    /** The user word registered with a filter: fd, mode and token (see pants.h). */
    static long word(int fd, int mode, int token) {
        return ((long) fd << 32) | ((long) mode << 28) | token;
    }

    /** EVFILT_USER, cleared when reported; the trigger entry is written once and only read afterwards, from any thread. */
    private boolean addUserEvent(int q) {
        ByteBuffer t = view(trigger);
        ev.put(t, 0, WAKEUP_IDENT, ev.evfiltUser, ev.evAdd | ev.evClear, 0, word(0, MODE_WAKEUP, 0));
        if (sys.submit(q, triggerAddr, 1) < 0) return false; // a system without it after all: use a pipe
        // the trigger carries the same udata: a modification replaces the stored one
        ev.put(t, 0, WAKEUP_IDENT, ev.evfiltUser, 0, ev.noteTrigger, word(0, MODE_WAKEUP, 0));
        return true;
    }

    /** A pipe whose read end is registered for reading; wakeup() writes a byte, the turn empties it. */
    private int[] addWakeupPipe(int q) throws IOException {
        int r = sys.pipe(scratchAddr);
        if (r < 0) throw Errors.exception(r, "pipe", sys, k);
        int rd = scratchView.getInt(0), wr = scratchView.getInt(4);
        ev.put(scratchView, 64, rd, ev.evfiltRead, ev.evAdd, 0, word(rd, MODE_WAKEUP, 0));
        r = sys.submit(q, scratchAddr + 64, 1);
        if (r < 0) {
            sys.close(rd);
            sys.close(wr);
            throw Errors.exception(r, "kevent(EV_ADD wake-up pipe)", sys, k);
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

    @Override
    public PollerSocket listen(SocketAddress address, int backlog) throws IOException {
        boolean wildcard = address instanceof InetSocketAddress isa && isa.getAddress() != null && isa.getAddress().isAnyLocalAddress();
        int family = wildcard ? k.afInet6 : p.sockaddr.family(address);
        int fd = sys.socket(family);
        if (fd >= 0 && wildcard && sys.setIntOption(fd, k.ipprotoIpv6, k.ipv6V6Only, 0) < 0) {
            sys.close(fd); // no dual-stack sockets (OpenBSD has none): plain IPv4
            fd = -1;
        }
        if (fd < 0 && wildcard) { // no IPv6 on this machine, or no dual stack: plain IPv4
            family = k.afInet;
            fd = sys.socket(family);
        }
        if (fd < 0) throw Errors.exception(fd, "socket", sys, k);
        try {
            if (family != k.afUnix) check(sys.setIntOption(fd, k.solSocket, k.soReuseAddr, 1), "SO_REUSEADDR");
            int len = encode(address, family);
            check(sys.bind(fd, scratchAddr, len), "bind " + address);
            check(sys.listen(fd, backlog), "listen");
            KqueueSocket s = new KqueueSocket(this, fd, family, true, null, null);
            s.local = localAddressOf(s);
            return s;
        } catch (IOException | RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }

    @Override
    public PollerSocket connect(SocketAddress remote) throws IOException {
        if (remote instanceof InetSocketAddress isa && isa.isUnresolved()) {
            throw new IllegalArgumentException("resolve " + isa.getHostString() + " before connecting");
        }
        int family = p.sockaddr.family(remote);
        int fd = sys.socket(family);
        if (fd < 0) throw Errors.exception(fd, "socket", sys, k);
        try {
            int len = encode(remote, family);
            int r = sys.connect(fd, scratchAddr, len);
            if (r < 0 && r != -k.eInProgress) throw Errors.exception(r, "connect to " + remote, sys, k);
            return new KqueueSocket(this, fd, family, false, null, remote);
        } catch (IOException | RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }

    private int encode(SocketAddress address, int family) throws IOException {
        try {
            return p.sockaddr.encode(scratchView, address, family);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private void check(int r, String what) throws IOException {
        if (r < 0) throw Errors.exception(r, what, sys, k);
    }

    @Override
    public PollerSocket openDatagram(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        if (datagrams == null) datagrams = new DatagramIo(this, sys, p);
        return datagrams.open(bind, options);
    }

    ByteBuffer scratchView() { return scratchView; }

    long scratchAddress() { return scratchAddr; }

    PollerSocket accept(KqueueSocket listener) throws IOException {
        for (int attempt = 0; attempt < 16; attempt++) {
            scratchView.putInt(128, 128);
            int fd = sys.accept(listener.fd, scratchAddr, scratchAddr + 128);
            if (fd >= 0) {
                SocketAddress remote = p.sockaddr.decode(scratchView, scratchView.getInt(128));
                return new KqueueSocket(this, fd, listener.family, false, null, remote);
            }
            if (fd == -k.eAgain) return null;
            // the connection died in the backlog, or a signal: try the next one
            if (fd == -k.eIntr || fd == -k.eConnAborted || fd == -k.eProto || fd == -k.ePerm) continue;
            throw Errors.exception(fd, "accept", sys, k);
        }
        return null;
    }

    void finishConnect(KqueueSocket s) throws IOException {
        int err = sys.getIntOption(s.fd, k.solSocket, k.soError);
        if (err < 0) throw Errors.exception(err, "getsockopt(SO_ERROR)", sys, k);
        if (err == 0) err = s.takeReportedError(); // a userspace kqueue may have taken it already
        if (err > 0) throw Errors.exception(-err, "connect to " + s.remote, sys, k);
        s.local = null;
    }

    SocketAddress localAddressOf(KqueueSocket s) {
        scratchView.putInt(128, 128);
        int r = sys.getsockname(s.fd, scratchAddr, scratchAddr + 128);
        return r < 0 ? null : p.sockaddr.decode(scratchView, scratchView.getInt(128));
    }

    int read(KqueueSocket s, ByteBuffer dst) throws IOException {
        int pos = dst.position();
        long n;
        if (dst.isDirect()) {
            if (dst != lastReadBuffer) {
                lastReadBuffer = dst;
                lastReadAddress = Pointer.nativeValue(Native.getDirectBufferPointer(dst));
            }
            n = sys.read(s.fd, lastReadAddress + pos, dst.remaining());
            if (n > 0) dst.position(pos + (int) n);
        } else {
            long addr = copyAddress();
            n = sys.read(s.fd, addr, Math.min(dst.remaining(), copyMemory.size()));
            if (n > 0) dst.put(copyMemory.getByteBuffer(0, n));
        }
        if (n > 0) return (int) n;
        if (n == 0) {
            int err = s.takeReportedError();
            if (err != 0) throw Errors.exception(-err, "read", sys, k);
            return -1;
        }
        if (n == -k.eAgain) return 0;
        throw Errors.exception((int) n, "read", sys, k);
    }

    private long copyAddress() {
        if (copyMemory == null) copyMemory = new Memory(64 * 1024);
        return Pointer.nativeValue(copyMemory);
    }

    void shutdownOutput(KqueueSocket s) throws IOException {
        check(sys.shutdown(s.fd, k.shutWr), "shutdown");
    }

    void setNoDelay(KqueueSocket s, boolean on) throws IOException {
        if (s.family != k.afUnix) check(sys.setIntOption(s.fd, k.ipprotoTcp, k.tcpNoDelay, on ? 1 : 0), "TCP_NODELAY");
    }

    void closeSocket(KqueueSocket s) {
        if (binding.userspace() && s.kernel != 0 && !closed) {
            // A kernel kqueue drops a descriptor's filters when it is closed. A userspace one
            // can't see the close, and would keep them to trip over the next socket given the
            // same number: delete them first.
            int n = 0;
            if ((s.kernel & READ) != 0) ev.put(deletesView, n++ * ev.size, s.fd, ev.evfiltRead, ev.evDelete, 0, 0);
            if ((s.kernel & WRITE) != 0) ev.put(deletesView, n++ * ev.size, s.fd, ev.evfiltWrite, ev.evDelete, 0, 0);
            sys.submit(kq, deletesAddr, n);
        }
        s.kernel = 0;
        if (s.fd < byFd.length && byFd[s.fd] == s) byFd[s.fd] = null;
        sys.close(s.fd);
    }

    // ---------------------------------------------------------------- interest

    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) {
        KqueueSocket s = (KqueueSocket) socket;
        s.token = token;
        s.mode = readOnReady ? MODE_PREREAD : MODE_PLAIN;
        s.wanted = interest;
        if (s.fd >= byFd.length) byFd = Arrays.copyOf(byFd, Math.max(s.fd + 1, byFd.length * 2));
        byFd[s.fd] = s;
        if (interest != s.kernel) queueChange(s); // added with the next wait, like any other change
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        KqueueSocket s = (KqueueSocket) socket;
        s.wanted = interest;
        if (s.kernel != interest) queueChange(s);
    }

    private void queueChange(KqueueSocket s) {
        if (s.changeQueued) return;
        s.changeQueued = true;
        if (pendingCount == pending.length) pending = Arrays.copyOf(pending, pendingCount * 2);
        pending[pendingCount++] = s;
    }

    /**
     * Writes the pending changes into the change list: an EV_ADD or EV_DELETE per filter whose
     * state really changed. Beyond the list's capacity, applies them one by one at once.
     */
    private int collectChanges(ReadyHandler handler) {
        int n = 0;
        for (int i = 0; i < pendingCount; i++) {
            KqueueSocket s = pending[i];
            pending[i] = null;
            s.changeQueued = false;
            if (s.closed || s.wanted == s.kernel) continue;
            int changed = s.wanted ^ s.kernel;
            s.kernel = s.wanted;
            if ((changed & READ) != 0) {
                n = change(n, s, ev.evfiltRead, (s.wanted & READ) != 0, word(s.fd, s.mode, s.token), handler);
            }
            if ((changed & WRITE) != 0) {
                n = change(n, s, ev.evfiltWrite, (s.wanted & WRITE) != 0, word(s.fd, MODE_PLAIN, s.token), handler);
            }
        }
        pendingCount = 0;
        return n;
    }

    private int change(int n, KqueueSocket s, int filter, boolean add, long udata, ReadyHandler handler) {
        int flags = add ? ev.evAdd : ev.evDelete;
        if (n < MAX_CHANGES) {
            ev.put(changesView, n * ev.size, s.fd, filter, flags, 0, udata);
            return n + 1;
        }
        int slot = MAX_CHANGES * ev.size;
        ev.put(changesView, slot, s.fd, filter, flags, 0, udata);
        changesSubmittedAlone++;
        int r = sys.submit(kq, changesAddr + slot, 1);
        if (r < 0 && add) changeFailed(s, filter == ev.evfiltRead ? READ : WRITE, -r, handler);
        return n;
    }

    /** An EV_ADD failed: the socket can't be watched, so it ends like one whose epoll_ctl failed. */
    private void changeFailed(KqueueSocket s, int bit, int errno, ReadyHandler handler) {
        s.kernel &= ~bit;
        IOException e = Errors.exception(-errno, "kevent on fd " + s.fd, sys, k);
        System.getLogger("io.pants").log(Level.WARNING, "could not register fd " + s.fd + " with kqueue: " + e.getMessage());
        handler.receiveEnded(s.token, e);
    }

    /** The socket an event's udata names, if it is still the one registered on that descriptor. */
    private KqueueSocket socketOf(int fd, int token) {
        KqueueSocket s = fd >= 0 && fd < byFd.length ? byFd[fd] : null;
        return s != null && !s.closed && s.token == token ? s : null;
    }

    // ---------------------------------------------------------------- the turn

    @Override
    public int wait(long timeoutNanos, ReadyHandler handler) throws IOException {
        int nchanges = collectChanges(handler);
        long timeout = timeoutNanos < 0 ? -1 : Math.min(timeoutNanos, MAX_TIMEOUT_NANOS);
        waitCalls++;
        changesSubmitted += nchanges;
        int n = shim
                ? Shim.pants_kqueue_turn(kq, changesAddr, nchanges, eventsAddr, MAX_EVENTS, timeout,
                        readsAddr, arenaAddr, ARENA_SIZE, READ_MAX)
                : libraryTurn(nchanges, timeout);
        if (n < 0) {
            if (n == -k.eIntr) return 0; // the changes were applied before the wait was interrupted
            throw Errors.exception(n, "kevent", sys, k);
        }
        dispatch(n, handler);
        return n;
    }

    /** The JNA binding's version of pants_kqueue_turn (native/pants_kqueue.c), a crossing per call. */
    private int libraryTurn(int nchanges, long timeoutNanos) {
        int n = libc.kevent(kq, changesAddr, nchanges, eventsAddr, MAX_EVENTS, timeoutNanos);
        if (n <= 0) return n;
        long used = 0;
        long minRead = Math.min(READ_MAX, 4096);
        for (int i = 0; i < n; i++) {
            int base = i * ev.size;
            readsView.putInt(i * 8, 0);
            readsView.putInt(i * 8 + 4, Shim.NOT_READ);
            if ((ev.flags(eventsView, base) & ev.evError) != 0 || ev.filter(eventsView, base) != ev.evfiltRead) continue;
            int fd = ev.ident(eventsView, base);
            int mode = (int) (ev.udata(eventsView, base) >>> 28) & 0xf;
            if (mode == MODE_WAKEUP) { // the wake-up pipe: empty it
                while (libc.read(fd, scratchAddr + 256, 64) > 0) { /* until EAGAIN */ }
            } else if (mode == MODE_PREREAD) {
                long room = ARENA_SIZE - used;
                if (room < minRead) continue;
                long r = libc.read(fd, arenaAddr + used, Math.min(room, READ_MAX));
                readsView.putInt(i * 8, (int) used);
                readsView.putInt(i * 8 + 4, (int) r);
                if (r > 0) used += r;
            }
        }
        return n;
    }

    private void dispatch(int n, ReadyHandler handler) {
        for (int i = 0; i < n; i++) {
            int base = i * ev.size;
            int filter = ev.filter(eventsView, base);
            int flags = ev.flags(eventsView, base);
            long word = ev.udata(eventsView, base);
            int mode = (int) (word >>> 28) & 0xf;
            int token = (int) (word & 0x0fffffff);
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
                    KqueueSocket s = socketOf(fd, token);
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
            int result = readsView.getInt(i * 8 + 4);
            if (result > 0) {
                int offset = readsView.getInt(i * 8);
                arenaView.clear();
                arenaView.position(offset).limit(offset + result);
                handler.received(token, arenaView);
            } else if (result == 0) {
                KqueueSocket s = socketOf(fd, token);
                int err = s != null ? s.takeReportedError() : 0;
                handler.receiveEnded(token, err != 0 ? Errors.exception(-err, "read", sys, k) : null);
            } else if (result == Shim.NOT_READ) {
                handler.ready(token, READ | extra); // the engine reads it itself
            } else if (result != -k.eAgain && result != -k.eIntr) {
                handler.receiveEnded(token, Errors.exception(result, "read", sys, k));
            }
        }
    }

    /**
     * A change that failed. Which kind can't be read from the event (FreeBSD replaces its flags
     * with EV_ERROR alone), but from the socket: a filter it still counts as added was an add.
     * A failed delete needs nothing: the filter is gone either way.
     */
    private void changeError(int fd, int filter, int token, int errno, ReadyHandler handler) {
        KqueueSocket s = socketOf(fd, token);
        if (s == null) return;
        int bit = filter == ev.evfiltRead ? READ : filter == ev.evfiltWrite ? WRITE : 0;
        if ((s.kernel & bit) != 0) changeFailed(s, bit, errno, handler);
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void flush(WriteBatch batch) {
        int entryCount = 0, iovCount = 0;
        for (int i = 0, size = batch.size(); i < size; i++) {
            KqueueSocket s = (KqueueSocket) batch.socket(i);
            OutboundQueue q = batch.queue(i);
            try {
                if (!sendFiles(s, q)) continue;
            } catch (IOException e) {
                batch.fail(i, e);
                continue;
            }
            if (q.isEmpty()) continue;
            if (entryCount == MAX_ENTRIES || iovCount + IOV_PER_SOCKET > MAX_IOVECS) {
                runFlush(batch, entryCount);
                entryCount = 0;
                iovCount = 0;
            }
            int count = q.gather(gathered, IOV_PER_SOCKET);
            int first = iovCount;
            for (int j = 0; j < count; j++) {
                Chunk c = gathered[j];
                gathered[j] = null;
                int base = iovCount * p.iovecSize;
                iovecsView.putLong(base + p.iovecBaseOffset, chunkAddress(c) + c.readIndex());
                iovecsView.putLong(base + p.iovecLenOffset, c.readable());
                iovCount++;
            }
            int e = entryCount * 24;
            entriesView.putLong(e, s.fd);
            entriesView.putLong(e + 8, ((long) first << 32) | count);
            entriesView.putLong(e + 16, 0);
            entryOwner[entryCount++] = i;
        }
        runFlush(batch, entryCount);
    }

    private void runFlush(WriteBatch batch, int count) {
        if (count == 0) return;
        if (shim) {
            Shim.pants_flush(entriesAddr, count, iovecsAddr);
        } else {
            for (int e = 0; e < count; e++) {
                int base = e * 24;
                long span = entriesView.getLong(base + 8);
                long r = libc.writev((int) entriesView.getLong(base), iovecsAddr + (span >>> 32) * p.iovecSize, (int) span);
                entriesView.putLong(base + 16, r == -k.eAgain ? 0 : r);
            }
        }
        for (int e = 0; e < count; e++) {
            long r = entriesView.getLong(e * 24 + 16);
            int i = entryOwner[e];
            if (r < 0) batch.fail(i, Errors.exception((int) r, "write", sys, k));
            else if (r > 0) batch.queue(i).consume(r);
        }
    }

    private static long chunkAddress(Chunk c) {
        long a = c.nativeAddress();
        if (a == 0) {
            a = Pointer.nativeValue(Native.getDirectBufferPointer(c.buffer()));
            c.nativeAddress(a);
        }
        return a;
    }

    /** Sends the file regions at the head of the queue; false if one could not be finished. */
    private boolean sendFiles(KqueueSocket s, OutboundQueue q) throws IOException {
        FileRegion r;
        while ((r = q.headFile()) != null) {
            long n = -1;
            if (r.path() != null && !s.noSendfile && p.sendfile != KqueuePlatform.Sendfile.NONE) {
                if (r.nativeFd() < 0) {
                    int fd = sys.openReadOnly(r.path().toString());
                    if (fd < 0) throw Errors.exception(fd, "open " + r.path(), sys, k);
                    r.nativeFd(fd, () -> sys.close(fd));
                }
                n = sys.sendfile(s.fd, r.nativeFd(), r.position(), r.remaining());
                if (n == -k.eAgain) return false;
                if (n == -k.ePipe || n == -k.eConnReset || n == -k.eNotConn) throw Errors.exception((int) n, "sendfile", sys, k);
                if (n < 0) {
                    // not a socket error: this kind of socket or file can't be sent from (macOS
                    // refuses Unix sockets): copy through memory, now and from now on
                    System.getLogger("io.pants").log(Level.DEBUG, "sendfile refused on " + s + " ("
                            + Errors.exception((int) n, "sendfile", sys, k).getMessage() + "); copying its files instead");
                    s.noSendfile = true;
                    continue;
                }
                if (n == 0) throw new IOException(r.path() + " is shorter than the " + (r.position() + r.remaining()) + " bytes queued");
            } else {
                n = copyFromChannel(s, r);
                if (n == 0) return false;
            }
            q.consumeFile(n);
            if (r.remaining() > 0) return false;
        }
        return true;
    }

    /** A caller's FileChannel has no descriptor we can reach, or there is no sendfile: copy a slice through native memory. */
    private long copyFromChannel(KqueueSocket s, FileRegion r) throws IOException {
        long addr = copyAddress();
        ByteBuffer buf = copyMemory.getByteBuffer(0, (int) Math.min(copyMemory.size(), r.remaining()));
        int got = r.channel().read(buf, r.position());
        if (got <= 0) throw new IOException("the file channel ended before the " + r.remaining() + " bytes queued");
        long w = sys.write(s.fd, addr, got);
        if (w == -k.eAgain) return 0;
        if (w < 0) throw Errors.exception((int) w, "write", sys, k);
        return w;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void wakeup() {
        if (closed) return;
        if (wakeWrite >= 0) sys.write(wakeWrite, triggerAddr, 1); // EAGAIN: the pipe is full, a wake-up is pending anyway
        else sys.submit(kq, triggerAddr, 1);
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
        events.close();
        reads.close();
        arena.close();
        changes.close();
        entries.close();
        iovecs.close();
        scratch.close();
        trigger.close();
        deletes.close();
        if (copyMemory != null) copyMemory.close();
        if (datagrams != null) datagrams.close();
    }
}
