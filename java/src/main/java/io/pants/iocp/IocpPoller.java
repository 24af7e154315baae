// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.BatchWriter;
import io.pants.posix.GatherTable;
import io.pants.posix.ReadTarget;
import io.pants.spi.DescriptorsExhaustedException;
import io.pants.spi.FileRegion;
import io.pants.spi.ListenerSocket;
import io.pants.spi.OutboundQueue;
import io.pants.spi.Poller;
import io.pants.spi.PollerSocket;
import io.pants.spi.ReadyHandler;
import io.pants.spi.StreamSocket;
import io.pants.spi.WriteBatch;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.pants.posix.ShimAbi.IOCP_EVENT_BITS;
import static io.pants.posix.ShimAbi.IOCP_EVENT_DATA;
import static io.pants.posix.ShimAbi.IOCP_EVENT_SIZE;

/**
 * Windows readiness through the shim's epoll-shaped poller over an I/O completion port and
 * AFD polls (native/pants_iocp.c): level-triggered like epoll, so the engine sees the same
 * contract. A prototype: readiness only (the engine reads itself, there is no pre-read in the
 * wait), one crossing per interest change, and file regions are copied through memory.
 *
 * <p>The shim keeps each socket's poll state; this class only remembers the interest it last
 * gave the shim, to skip calls that would change nothing. Events carry the engine's token as
 * their data word.
 */
final class IocpPoller implements Poller {
    private static final int MAX_EVENTS = 512;

    private final WinsockConstants winsock = WinsockConstants.fromShim();
    private final long handle;
    private volatile boolean closed;

    private final Memory events, scratch, message;
    private final long eventsAddr, scratchAddr;
    private final ByteBuffer eventsView, scratchView;
    /** The turn's sends, through a table in the layout pants_ws_flush takes: per socket its handle and WSABUFs. */
    private final BatchWriter writer = new BatchWriter(winsock.wsabuf, new BatchWriter.Backend() {
        @Override
        public long handle(PollerSocket socket) { return ((IocpSocket) socket).handle; }

        @Override
        public boolean sendFiles(PollerSocket socket, OutboundQueue queue) throws IOException {
            return IocpPoller.this.sendFiles((IocpSocket) socket, queue);
        }

        @Override
        public void write(GatherTable table) {
            IocpShim.pants_ws_flush(table.entriesAddress(), table.size(), table.iovecsAddress());
        }

        @Override
        public IOException writeFailed(int negError) { return exception(negError, "send"); }
    });
    private final ReadTarget reads = new ReadTarget();
    private final List<FailedChange> failedChanges = new ArrayList<>();

    IocpPoller() throws IOException {
        events = new Memory((long) MAX_EVENTS * IOCP_EVENT_SIZE);
        scratch = new Memory(512);
        message = new Memory(256);
        eventsAddr = Pointer.nativeValue(events);
        scratchAddr = Pointer.nativeValue(scratch);
        eventsView = view(events);
        scratchView = view(scratch);
        long h = IocpShim.pants_iocp_create();
        if (h < 0) {
            freeMemory();
            throw exception((int) h, "creating the completion port and AFD handle");
        }
        handle = h;
    }

    private static ByteBuffer view(Memory m) {
        return m.getByteBuffer(0, m.size()).order(ByteOrder.nativeOrder());
    }

    @Override
    public String name() { return "iocp"; }

    @Override
    public String description() {
        return "IOCP with AFD polls through the native shim " + IocpShim.location() + " (prototype)";
    }

    // ---------------------------------------------------------------- errors

    String message(int error) {
        IocpShim.pants_strerror(error, Pointer.nativeValue(message), (int) message.size());
        return message.getString(0);
    }

    /** The exception Java networking code expects for a negated Windows error code. */
    IOException exception(int negError, String what) {
        int e = -negError;
        String text = message(e) + " (Windows error " + e + ", " + what + ")";
        if (e == winsock.eConnRefused || e == winsock.eTimedOut) return new ConnectException(text);
        if (e == winsock.eHostUnreach || e == winsock.eNetUnreach) return new NoRouteToHostException(text);
        if (e == winsock.eAddrInUse || e == winsock.eAddrNotAvail) return new BindException(text);
        if (e == winsock.eMFile || e == winsock.eNoBufs || e == winsock.eNoMem) return new DescriptorsExhaustedException(text);
        return new IOException(text);
    }

    private void check(int r, String what) throws IOException {
        if (r < 0) throw exception(r, what);
    }

    // ---------------------------------------------------------------- sockets

    private static InetSocketAddress inet(SocketAddress address) throws IOException {
        if (address instanceof InetSocketAddress isa) {
            if (isa.isUnresolved()) throw new IllegalArgumentException("resolve " + isa.getHostString() + " before connecting");
            return isa;
        }
        throw new IOException("the iocp prototype supports IPv4 and IPv6 sockets only, not " + address);
    }

    private int family(InetSocketAddress a) {
        return a.getAddress() instanceof java.net.Inet4Address ? winsock.afInet : winsock.afInet6;
    }

    @Override
    public ListenerSocket listen(SocketAddress address, int backlog) throws IOException {
        InetSocketAddress isa = inet(address);
        boolean wildcard = isa.getAddress().isAnyLocalAddress();
        int family = wildcard ? winsock.afInet6 : family(isa);
        long s = IocpShim.pants_ws_socket(family);
        if (s < 0 && wildcard) { // no IPv6 on this machine: plain IPv4
            family = winsock.afInet;
            s = IocpShim.pants_ws_socket(family);
        }
        if (s < 0) throw exception((int) s, "socket");
        try {
            // No SO_REUSEADDR: on Windows it lets another socket take over a port in use.
            if (family == winsock.afInet6 && wildcard) check(IocpShim.pants_ws_setsockopt_int(s, winsock.ipprotoIpv6, winsock.ipv6V6Only, 0), "IPV6_V6ONLY");
            int len = winsock.sockaddr.encode(scratchView, isa, family);
            check(IocpShim.pants_ws_bind(s, scratchAddr, len), "bind " + address);
            check(IocpShim.pants_ws_listen(s, backlog), "listen");
            IocpSocket socket = new IocpSocket(this, s, family, null);
            socket.local = localAddressOf(socket);
            return socket;
        } catch (IOException | RuntimeException e) {
            IocpShim.pants_ws_close(s);
            throw e;
        }
    }

    @Override
    public StreamSocket connect(SocketAddress remote) throws IOException {
        InetSocketAddress isa = inet(remote);
        int family = family(isa);
        long s = IocpShim.pants_ws_socket(family);
        if (s < 0) throw exception((int) s, "socket");
        try {
            int len = winsock.sockaddr.encode(scratchView, isa, family);
            int r = IocpShim.pants_ws_connect(s, scratchAddr, len);
            // a non-blocking connect in progress says WSAEWOULDBLOCK on Windows
            if (r < 0 && r != -winsock.wouldBlock) throw exception(r, "connect to " + remote);
            return new IocpSocket(this, s, family, remote);
        } catch (IOException | RuntimeException e) {
            IocpShim.pants_ws_close(s);
            throw e;
        }
    }

    StreamSocket accept(IocpSocket listener) throws IOException {
        for (int attempt = 0; attempt < 16; attempt++) {
            long s = IocpShim.pants_ws_accept(listener.handle, scratchAddr, winsock.sockaddr.prepareReturn(scratchView, scratchAddr));
            if (s >= 0) return new IocpSocket(this, s, listener.family, winsock.sockaddr.decodeReturned(scratchView));
            if (s == -winsock.wouldBlock) return null;
            // the connection was reset in the backlog: try the next one
            if (s == -winsock.eConnReset || s == -winsock.eConnAborted || s == -winsock.eIntr) continue;
            throw exception((int) s, "accept");
        }
        return null;
    }

    void finishConnect(IocpSocket s) throws IOException {
        int err = IocpShim.pants_ws_getsockopt_int(s.handle, winsock.solSocket, winsock.soError);
        if (err < 0) throw exception(err, "getsockopt(SO_ERROR)");
        if (err > 0) throw exception(-err, "connect to " + s.remote);
        s.local = null;
    }

    SocketAddress localAddressOf(IocpSocket s) {
        int r = IocpShim.pants_ws_getsockname(s.handle, scratchAddr, winsock.sockaddr.prepareReturn(scratchView, scratchAddr));
        return r < 0 ? null : winsock.sockaddr.decodeReturned(scratchView);
    }

    int read(IocpSocket s, ByteBuffer dst) throws IOException {
        long n = IocpShim.pants_ws_recv(s.handle, reads.address(dst), reads.room(dst));
        if (n > 0) {
            reads.received(dst, n);
            return (int) n;
        }
        if (n == 0) return -1;
        if (n == -winsock.wouldBlock) return 0;
        throw exception((int) n, "recv");
    }

    void shutdownOutput(IocpSocket s) throws IOException {
        check(IocpShim.pants_ws_shutdown(s.handle, winsock.sdSend), "shutdown");
    }

    /** A socket another iocp poller accepted and never registered (no completion port has it yet) becomes this one's. */
    @Override
    public StreamSocket adopt(StreamSocket accepted) {
        if (!(accepted instanceof IocpSocket other) || other.registered >= 0 || other.closed) {
            throw new IllegalArgumentException("the iocp poller can only take over an unregistered socket, not " + accepted);
        }
        other.closed = true;
        return new IocpSocket(this, other.handle, other.family, other.remote);
    }

    void setNoDelay(IocpSocket s, boolean on) throws IOException {
        check(IocpShim.pants_ws_setsockopt_int(s.handle, winsock.ipprotoTcp, winsock.tcpNoDelay, on ? 1 : 0), "TCP_NODELAY");
    }

    /** Deregisters first: the shim cancels the socket's poll and frees it when that completes. */
    void closeSocket(IocpSocket s) {
        if (s.registered >= 0 && !closed) IocpShim.pants_iocp_ctl(handle, winsock.ctlDel, s.handle, 0, 0);
        s.registered = -1;
        IocpShim.pants_ws_close(s.handle);
    }

    // ---------------------------------------------------------------- interest

    /** READ readiness is always delivered as readiness: the engine reads (no pre-read here). */
    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) throws IOException {
        IocpSocket s = (IocpSocket) socket;
        s.token = token;
        check(IocpShim.pants_iocp_ctl(handle, winsock.ctlAdd, s.handle, winsock.afd.interestMask(interest), token), "registering " + s);
        s.registered = interest;
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        IocpSocket s = (IocpSocket) socket;
        if (s.closed || s.registered < 0 || s.registered == interest) return;
        int r = IocpShim.pants_iocp_ctl(handle, winsock.ctlMod, s.handle, winsock.afd.interestMask(interest), s.token);
        if (r < 0) {
            // reported by the next wait, where the engine can close the stream
            failedChanges.add(new FailedChange(s.token, exception(r, "changing the interest of " + s)));
            return;
        }
        s.registered = interest;
    }

    private record FailedChange(int token, IOException error) {}

    // ---------------------------------------------------------------- the turn

    @Override
    public int poll(long timeoutNanos, ReadyHandler handler) throws IOException {
        int timeoutMs = timeoutNanos < 0 ? -1
                : timeoutNanos == 0 ? 0
                // round up: a timer due in 0.3 ms must not become a busy wait(0)
                : (int) Math.min(Integer.MAX_VALUE, (timeoutNanos + 999_999) / 1_000_000);
        if (!failedChanges.isEmpty()) {
            for (FailedChange f : failedChanges) handler.receiveEnded(f.token(), f.error());
            failedChanges.clear();
            timeoutMs = 0;
        }
        int n = IocpShim.pants_iocp_wait(handle, eventsAddr, MAX_EVENTS, timeoutMs);
        if (n < 0) throw exception(n, "GetQueuedCompletionStatusEx");
        for (int i = 0; i < n; i++) {
            int base = i * IOCP_EVENT_SIZE;
            int token = (int) eventsView.getLong(base + IOCP_EVENT_DATA);
            int ready = winsock.afd.toPollerEvents((int) eventsView.getLong(base + IOCP_EVENT_BITS));
            if (ready != 0) handler.ready(token, ready);
        }
        return n;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void flush(WriteBatch batch) { writer.flush(batch); }

    /**
     * Sends the file regions at the head of the queue through native memory; false if one could
     * not be finished. (TransmitFile would avoid the copy but is overlapped I/O of its own, which
     * a readiness prototype leaves out.)
     */
    private boolean sendFiles(IocpSocket s, OutboundQueue q) throws IOException {
        FileRegion r;
        while ((r = q.headFile()) != null) {
            Memory copy = reads.copyArea();
            ByteBuffer buf = copy.getByteBuffer(0, (int) Math.min(copy.size(), r.remaining()));
            int got = r.channel().read(buf, r.position());
            if (got <= 0) throw new IOException("the file ended before the " + r.remaining() + " bytes queued");
            long w = IocpShim.pants_ws_send(s.handle, Pointer.nativeValue(copy), got);
            if (w == -winsock.wouldBlock) return false;
            if (w < 0) throw exception((int) w, "send");
            q.consumeFile(w);
            if (w < got || r.remaining() > 0) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void wakeup() {
        if (!closed) IocpShim.pants_iocp_wake(handle);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        IocpShim.pants_iocp_close(handle);
        freeMemory();
    }

    private void freeMemory() {
        events.close();
        writer.close();
        scratch.close();
        message.close();
        reads.close();
    }
}
