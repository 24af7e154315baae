package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
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
 * Linux epoll, level-triggered. With the shim, a loop turn costs two native crossings: one
 * {@code pants_flush} for every stream's queued output (writev each), and one
 * {@code pants_epoll_turn} that applies the turn's interest changes, waits, and reads every
 * ready stream into a native arena that is handed to the engine by offset. Through libc, the
 * same steps run here in Java, a crossing per system call.
 *
 * <p>Native memory is allocated once per poller: the epoll_event array (read with the layout
 * the shim reports), the per-event read results, the read arena, the change list, and the
 * flush table with its iovecs. The kernel only ever sees the 64-bit word fd|mode|token.
 * Datagram sockets are registered plainly (readiness only) and move their datagrams in batches,
 * one recvmmsg or sendmmsg each, through {@link DatagramIo}, made with the first of them.
 */
final class EpollPoller implements Poller {
    static final int MODE_PLAIN = 0, MODE_PREREAD = 1, MODE_WAKEUP = 2;

    private static final int MAX_EVENTS = 512;
    private static final int ARENA_SIZE = 1 << 20;
    /** Per socket and turn: the rest waits for the next turn, so one busy peer can't starve the others. */
    private static final int READ_MAX = 64 * 1024;
    private static final int MAX_CHANGES = 1024;
    private static final int MAX_ENTRIES = 256;
    private static final int IOV_PER_SOCKET = 64;
    private static final int MAX_IOVECS = 1024;

    private final String name;
    private final boolean shim;
    final NativeConstants k;
    final Syscalls sys;
    private final LibcSyscalls libc;
    private final int epfd, wakeFd;
    private volatile boolean closed;

    private final Memory events, reads, arena, changes, entries, iovecs, scratch;
    private final long eventsAddr, readsAddr, arenaAddr, changesAddr, entriesAddr, iovecsAddr, scratchAddr;
    private final ByteBuffer eventsView, readsView, arenaView, changesView, entriesView, iovecsView, scratchView;
    private Memory copyMemory;

    private EpollSocket[] pending = new EpollSocket[64];
    private int pendingCount;
    private final EpollSocket[] changed = new EpollSocket[MAX_CHANGES];
    private final Chunk[] gathered = new Chunk[IOV_PER_SOCKET];
    private final int[] entryOwner = new int[MAX_ENTRIES];
    private ByteBuffer lastReadBuffer;
    private long lastReadAddress;
    /** Made with the first datagram socket: most engines never open one. */
    private DatagramIo datagrams;

    EpollPoller(boolean shim, String name) throws IOException {
        this.name = name;
        this.shim = shim;
        this.k = shim ? NativeConstants.fromShim() : NativeConstants.linuxGeneric();
        this.libc = shim ? null : new LibcSyscalls(k);
        this.sys = shim ? new ShimSyscalls() : libc;

        events = new Memory((long) MAX_EVENTS * k.eventSize);
        reads = new Memory(MAX_EVENTS * 8L);
        arena = new Memory(ARENA_SIZE);
        changes = new Memory(MAX_CHANGES * 32L);
        entries = new Memory(MAX_ENTRIES * 24L);
        iovecs = new Memory((long) MAX_IOVECS * k.iovecSize);
        scratch = new Memory(512);
        eventsAddr = Pointer.nativeValue(events);
        readsAddr = Pointer.nativeValue(reads);
        arenaAddr = Pointer.nativeValue(arena);
        changesAddr = Pointer.nativeValue(changes);
        entriesAddr = Pointer.nativeValue(entries);
        iovecsAddr = Pointer.nativeValue(iovecs);
        scratchAddr = Pointer.nativeValue(scratch);
        eventsView = view(events);
        readsView = view(reads);
        arenaView = view(arena);
        changesView = view(changes);
        entriesView = view(entries);
        iovecsView = view(iovecs);
        scratchView = view(scratch);

        int ep = sys.epollCreate();
        if (ep < 0) throw Errors.exception(ep, "epoll_create1", sys, k);
        int ev = sys.eventfd();
        if (ev < 0) {
            sys.close(ep);
            throw Errors.exception(ev, "eventfd", sys, k);
        }
        int r = sys.epollCtl(ep, k.ctlAdd, ev, k.epollIn, word(ev, MODE_WAKEUP, 0));
        if (r < 0) {
            sys.close(ev);
            sys.close(ep);
            throw Errors.exception(r, "epoll_ctl(eventfd)", sys, k);
        }
        epfd = ep;
        wakeFd = ev;
    }

    private LibcSyscalls libc() { return libc; }

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
                : "epoll through libc via JNA (layouts from " + k.source + ")";
    }

    // ---------------------------------------------------------------- sockets

    @Override
    public PollerSocket listen(SocketAddress address, int backlog) throws IOException {
        boolean wildcard = address instanceof InetSocketAddress isa && isa.getAddress() != null && isa.getAddress().isAnyLocalAddress();
        int family = wildcard ? k.afInet6 : k.sockaddr.family(address);
        int fd = sys.socket(family);
        if (fd < 0 && wildcard) { // no IPv6 on this machine: plain IPv4
            family = k.afInet;
            fd = sys.socket(family);
        }
        if (fd < 0) throw Errors.exception(fd, "socket", sys, k);
        try {
            if (family != k.afUnix) check(sys.setIntOption(fd, k.solSocket, k.soReuseAddr, 1), "SO_REUSEADDR");
            if (family == k.afInet6 && wildcard) check(sys.setIntOption(fd, k.ipprotoIpv6, k.ipv6V6Only, 0), "IPV6_V6ONLY");
            int len = encode(address, family);
            check(sys.bind(fd, scratchAddr, len), "bind " + address);
            check(sys.listen(fd, backlog), "listen");
            EpollSocket s = new EpollSocket(this, fd, family, true, null, null);
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
        int family = k.sockaddr.family(remote);
        int fd = sys.socket(family);
        if (fd < 0) throw Errors.exception(fd, "socket", sys, k);
        try {
            int len = encode(remote, family);
            int r = sys.connect(fd, scratchAddr, len);
            if (r < 0 && r != -k.eInProgress) throw Errors.exception(r, "connect to " + remote, sys, k);
            return new EpollSocket(this, fd, family, false, null, remote);
        } catch (IOException | RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }

    @Override
    public PollerSocket openDatagram(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        if (datagrams == null) {
            datagrams = new DatagramIo(this, sys, k, shim ? DatagramConstants.fromShim() : DatagramConstants.linuxGeneric());
        }
        return datagrams.open(bind, options);
    }

    ByteBuffer scratchView() { return scratchView; }

    long scratchAddress() { return scratchAddr; }

    private int encode(SocketAddress address, int family) throws IOException {
        try {
            return k.sockaddr.encode(scratchView, address, family);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private void check(int r, String what) throws IOException {
        if (r < 0) throw Errors.exception(r, what, sys, k);
    }

    PollerSocket accept(EpollSocket listener) throws IOException {
        for (int attempt = 0; attempt < 16; attempt++) {
            scratchView.putInt(128, 128);
            int fd = sys.accept(listener.fd, scratchAddr, scratchAddr + 128);
            if (fd >= 0) {
                SocketAddress remote = k.sockaddr.decode(scratchView, scratchView.getInt(128));
                return new EpollSocket(this, fd, listener.family, false, null, remote);
            }
            if (fd == -k.eAgain) return null;
            // the connection died in the backlog, or a signal: try the next one
            if (fd == -k.eIntr || fd == -k.eConnAborted || fd == -k.eProto || fd == -k.ePerm) continue;
            throw Errors.exception(fd, "accept", sys, k);
        }
        return null;
    }

    void finishConnect(EpollSocket s) throws IOException {
        int err = sys.getIntOption(s.fd, k.solSocket, k.soError);
        if (err < 0) throw Errors.exception(err, "getsockopt(SO_ERROR)", sys, k);
        if (err > 0) throw Errors.exception(-err, "connect to " + s.remote, sys, k);
        s.local = null;
    }

    SocketAddress localAddressOf(EpollSocket s) {
        scratchView.putInt(128, 128);
        int r = sys.getsockname(s.fd, scratchAddr, scratchAddr + 128);
        return r < 0 ? null : k.sockaddr.decode(scratchView, scratchView.getInt(128));
    }

    int read(EpollSocket s, ByteBuffer dst) throws IOException {
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
        if (n == 0) return -1;
        if (n == -k.eAgain) return 0;
        throw Errors.exception((int) n, "read", sys, k);
    }

    private long copyAddress() {
        if (copyMemory == null) copyMemory = new Memory(64 * 1024);
        return Pointer.nativeValue(copyMemory);
    }

    void shutdownOutput(EpollSocket s) throws IOException {
        check(sys.shutdown(s.fd, k.shutWr), "shutdown");
    }

    void setNoDelay(EpollSocket s, boolean on) throws IOException {
        if (s.family != k.afUnix) check(sys.setIntOption(s.fd, k.ipprotoTcp, k.tcpNoDelay, on ? 1 : 0), "TCP_NODELAY");
    }

    void closeDescriptor(int fd) {
        sys.close(fd);
    }

    // ---------------------------------------------------------------- interest

    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) {
        EpollSocket s = (EpollSocket) socket;
        s.token = token;
        s.mode = readOnReady ? MODE_PREREAD : MODE_PLAIN;
        s.wanted = interest;
        queueChange(s); // added with the next wait, like any other change
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        EpollSocket s = (EpollSocket) socket;
        s.wanted = interest;
        if (s.kernel != interest) queueChange(s);
    }

    private void queueChange(EpollSocket s) {
        if (s.changeQueued) return;
        s.changeQueued = true;
        if (pendingCount == pending.length) pending = Arrays.copyOf(pending, pendingCount * 2);
        pending[pendingCount++] = s;
    }

    private int epollEvents(int interest) {
        return ((interest & READ) != 0 ? k.epollIn : 0) | ((interest & WRITE) != 0 ? k.epollOut : 0);
    }

    /** Writes the pending changes into the change list; beyond its capacity, applies them at once. */
    private int collectChanges(ReadyHandler handler) {
        int n = 0;
        for (int i = 0; i < pendingCount; i++) {
            EpollSocket s = pending[i];
            pending[i] = null;
            s.changeQueued = false;
            if (s.closed || s.wanted == s.kernel) continue; // epoll_ctl only when interest really changed
            int op = s.kernel < 0 ? k.ctlAdd : k.ctlMod;
            int events = epollEvents(s.wanted);
            // Pre-read only sockets that want to read: a read on a socket still connecting
            // consumes its pending error (ECONNREFUSED), which finishConnect() must find in SO_ERROR.
            int mode = s.mode == MODE_PREREAD && (s.wanted & READ) == 0 ? MODE_PLAIN : s.mode;
            long data = word(s.fd, mode, s.token);
            s.kernel = s.wanted;
            if (n == MAX_CHANGES) {
                int r = sys.epollCtl(epfd, op, s.fd, events, data);
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
        pendingCount = 0;
        return n;
    }

    private void changeFailed(EpollSocket s, int r, ReadyHandler handler) {
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
                ? Shim.pants_epoll_turn(epfd, changesAddr, nchanges, eventsAddr, MAX_EVENTS, timeoutMs,
                        readsAddr, arenaAddr, ARENA_SIZE, READ_MAX)
                : libcTurn(nchanges, timeoutMs);
        for (int i = 0; i < nchanges; i++) {
            long r = changesView.getLong(i * 32);
            EpollSocket s = changed[i];
            changed[i] = null;
            if (r < 0 && !s.closed) changeFailed(s, (int) r, handler);
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
            int r = sys.epollCtl(epfd, (int) changesView.getLong(base), (int) changesView.getLong(base + 8),
                    (int) changesView.getLong(base + 16), changesView.getLong(base + 24));
            changesView.putLong(base, r);
        }
        int n = libc().epollWait(epfd, eventsAddr, MAX_EVENTS, timeoutMs);
        if (n <= 0) return n;
        long used = 0;
        long minRead = Math.min(READ_MAX, 4096);
        // as in the shim: EPOLLIN only, never a bare hangup or error (see pants_epoll.c)
        int readable = k.epollIn;
        for (int i = 0; i < n; i++) {
            int base = i * k.eventSize;
            int flags = eventsView.getInt(base + k.eventEventsOffset);
            long word = eventsView.getLong(base + k.eventDataOffset);
            int fd = (int) (word >>> 32);
            int mode = (int) (word >>> 28) & 0xf;
            readsView.putInt(i * 8, 0);
            readsView.putInt(i * 8 + 4, Shim.NOT_READ);
            if (mode == MODE_WAKEUP) {
                sys.read(fd, scratchAddr + 256, 8);
            } else if (mode == MODE_PREREAD && (flags & readable) != 0) {
                long room = ARENA_SIZE - used;
                if (room < minRead) continue;
                long r = sys.read(fd, arenaAddr + used, Math.min(room, READ_MAX));
                readsView.putInt(i * 8, (int) used);
                readsView.putInt(i * 8 + 4, (int) r);
                if (r > 0) used += r;
            }
        }
        return n;
    }

    private void dispatch(int n, ReadyHandler handler) {
        for (int i = 0; i < n; i++) {
            int base = i * k.eventSize;
            int flags = eventsView.getInt(base + k.eventEventsOffset);
            long word = eventsView.getLong(base + k.eventDataOffset);
            int mode = (int) (word >>> 28) & 0xf;
            if (mode == MODE_WAKEUP) continue;
            int token = (int) (word & 0x0fffffff);
            int ready = ((flags & k.epollIn) != 0 ? READ : 0)
                    | ((flags & k.epollOut) != 0 ? WRITE : 0)
                    | ((flags & (k.epollHup | k.epollRdHup)) != 0 ? HANGUP : 0)
                    | ((flags & k.epollErr) != 0 ? ERROR : 0);
            if (mode != MODE_PREREAD) {
                handler.ready(token, ready);
                continue;
            }
            if ((ready & WRITE) != 0) handler.ready(token, WRITE);
            int result = readsView.getInt(i * 8 + 4);
            if (result > 0) {
                int offset = readsView.getInt(i * 8);
                arenaView.clear();
                arenaView.position(offset).limit(offset + result);
                handler.received(token, arenaView);
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
    public void flush(WriteBatch batch) {
        int entryCount = 0, iovCount = 0;
        for (int i = 0, size = batch.size(); i < size; i++) {
            EpollSocket s = (EpollSocket) batch.socket(i);
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
                int base = iovCount * k.iovecSize;
                iovecsView.putLong(base + k.iovecBaseOffset, chunkAddress(c) + c.readIndex());
                iovecsView.putLong(base + k.iovecLenOffset, c.readable());
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
                long r = libc().writev((int) entriesView.getLong(base), iovecsAddr + (span >>> 32) * k.iovecSize, (int) span);
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
    private boolean sendFiles(EpollSocket s, OutboundQueue q) throws IOException {
        FileRegion r;
        while ((r = q.headFile()) != null) {
            long n;
            if (r.path() != null) {
                if (r.nativeFd() < 0) {
                    int fd = sys.openReadOnly(r.path().toString());
                    if (fd < 0) throw Errors.exception(fd, "open " + r.path(), sys, k);
                    r.nativeFd(fd, () -> sys.close(fd));
                }
                n = sys.sendfile(s.fd, r.nativeFd(), r.position(), r.remaining());
                if (n == -k.eAgain) return false;
                if (n < 0) throw Errors.exception((int) n, "sendfile", sys, k);
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

    /** A caller's FileChannel has no descriptor we can reach: copy a slice through native memory. */
    private long copyFromChannel(EpollSocket s, FileRegion r) throws IOException {
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
        if (!closed) sys.eventfdSignal(wakeFd);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        sys.close(wakeFd);
        sys.close(epfd);
        events.close();
        reads.close();
        arena.close();
        changes.close();
        entries.close();
        iovecs.close();
        scratch.close();
        if (copyMemory != null) copyMemory.close();
        if (datagrams != null) datagrams.close();
    }
}
