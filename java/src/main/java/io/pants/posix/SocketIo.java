// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.spi.BackendLog;
import io.pants.spi.DatagramSocket;
import io.pants.spi.FileRegion;
import io.pants.spi.OutboundQueue;
import io.pants.spi.StreamSocket;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The socket calls of a native POSIX poller, the same under epoll and kqueue: opening,
 * accepting, connecting, reading, sending files, closing. One per poller, with the poller's
 * binding ({@link Syscalls}) and system ({@link SocketConstants}, {@link Sockaddr}); the
 * poller keeps only its own mechanism (registration, the wait, wake-ups). Datagram sockets go
 * through a {@link DatagramIo}, made with the first of them. Loop thread only.
 */
public final class SocketIo implements AutoCloseable {
    /** What a poller must undo before a socket's descriptor is closed (kqueue: its filters, under a userspace kqueue). */
    public interface BeforeClose {
        void beforeClose(PosixSocket s);
    }

    /**
     * The calls a completion-based poller (io_uring) makes through its own queue rather than as
     * system calls here: accepting hands out what the kernel already accepted; shutting down
     * and closing are queued operations. The readiness pollers have none ({@link #queueThrough}).
     */
    public interface Queued {
        /** A connection the kernel accepted for {@code listener}, or null when there is none. */
        StreamSocket accept(PosixSocket listener) throws IOException;

        void shutdownOutput(PosixSocket s) throws IOException;

        /** Closes the descriptor, first cancelling what the kernel still has in flight on it. */
        void close(PosixSocket s);

        /** Hands datagrams the kernel already received to {@code sink} (see {@link DatagramSocket#receive}). */
        int receive(PosixSocket s, io.pants.spi.DatagramSink sink, int max) throws IOException;

        /**
         * Submits sends of the datagrams queued for {@code s} (see {@link DatagramSocket#send});
         * false when it can't ({@code s} is not registered), and they are sent at once instead.
         */
        boolean send(PosixSocket s, io.pants.spi.DatagramQueue q);
    }

    final String pollerName;
    final Syscalls sys;
    final SocketConstants sockets;
    final Sockaddr sockaddr;
    final DatagramConstants datagramConstants;
    final Iovec iovec;
    /** {@link PosixSocket#kernel} of a socket not registered yet: epoll's -1 (not added), kqueue's 0 (no filters). */
    final int kernelBeforeRegistration;
    private final Sendfile.Kind sendfile;
    private final boolean copyWhenSendfileRefused;
    private final BeforeClose beforeClose;

    private final Memory scratch = new Memory(512);
    private final long scratchAddr = Pointer.nativeValue(scratch);
    private final ByteBuffer scratchView = scratch.getByteBuffer(0, scratch.size()).order(ByteOrder.nativeOrder());
    private final ReadTarget reads = new ReadTarget();
    /** Made with the first datagram socket: most engines never open one. */
    private DatagramIo datagrams;
    Queued queued;
    /** Asked for with the first stream option set or read. */
    private TcpOptionConstants tcpOptions;

    /**
     * @param sendfile which sendfile the binding has; NONE copies files through memory
     * @param copyWhenSendfileRefused whether a socket whose sendfile fails with an error that is
     *        not the connection's copies its files instead (macOS refuses Unix sockets) rather
     *        than failing the write
     * @param beforeClose called before a socket's descriptor is closed, or null
     */
    public SocketIo(String pollerName, Syscalls sys, SocketConstants sockets, Sockaddr sockaddr, DatagramConstants datagramConstants,
                    Iovec iovec, int kernelBeforeRegistration, Sendfile.Kind sendfile, boolean copyWhenSendfileRefused,
                    BeforeClose beforeClose) {
        this.pollerName = pollerName;
        this.sys = sys;
        this.sockets = sockets;
        this.sockaddr = sockaddr;
        this.datagramConstants = datagramConstants;
        this.iovec = iovec;
        this.kernelBeforeRegistration = kernelBeforeRegistration;
        this.sendfile = sendfile;
        this.copyWhenSendfileRefused = copyWhenSendfileRefused;
        this.beforeClose = beforeClose;
    }

    /** Has {@code q} make the calls it queues (see {@link Queued}); set once, before the first socket. */
    public void queueThrough(Queued q) { this.queued = q; }

    /** A socket for a descriptor the caller opened or the kernel accepted, which it now owns. */
    public PosixStream adopt(int fd, int family, SocketAddress remote) { return new PosixStream(this, fd, family, remote); }

    IOException exception(int negErrno, String what) { return Errors.exception(negErrno, what, sys, sockets); }

    private void check(int r, String what) throws IOException {
        if (r < 0) throw exception(r, what);
    }

    // ---------------------------------------------------------------- opening

    /**
     * A listening socket. The wildcard address makes a dual-stack IPv6 socket, or an IPv4 one
     * where there is no IPv6 or no dual stack (OpenBSD has none; Linux always accepts it).
     */
    public PosixStream listen(SocketAddress address, int backlog) throws IOException {
        return listen(address, backlog, Map.of());
    }

    /** A listening socket with {@code options} set before binding (see {@link #setStreamOption}). */
    public PosixStream listen(SocketAddress address, int backlog, Map<SocketOption<?>, Object> options) throws IOException {
        boolean wildcard = address instanceof InetSocketAddress isa && isa.getAddress() != null && isa.getAddress().isAnyLocalAddress();
        int family = wildcard ? sockets.afInet6 : sockaddr.family(address);
        int fd = sys.socket(family);
        if (fd >= 0 && wildcard && sys.setIntOption(fd, sockets.ipprotoIpv6, sockets.ipv6V6Only, 0) < 0) {
            sys.close(fd); // no dual-stack sockets: plain IPv4
            fd = -1;
        }
        if (fd < 0 && wildcard) { // no IPv6 on this machine, or no dual stack: plain IPv4
            family = sockets.afInet;
            fd = sys.socket(family);
        }
        if (fd < 0) throw exception(fd, "socket");
        try {
            if (family != sockets.afUnix) check(sys.setIntOption(fd, sockets.solSocket, sockets.soReuseAddr, 1), "SO_REUSEADDR");
            PosixStream s = new PosixStream(this, fd, family, null);
            for (Map.Entry<SocketOption<?>, Object> e : options.entrySet()) setUnchecked(s, e.getKey(), e.getValue());
            int len = encode(scratchView, address, family);
            check(sys.bind(fd, scratchAddr, len), "bind " + address);
            check(sys.listen(fd, backlog), "listen");
            s.local = localAddressOf(s);
            return s;
        } catch (IOException | RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }

    /** A socket connecting to {@code remote}; WRITE readiness tells when it is done. */
    public PosixStream connect(SocketAddress remote) throws IOException {
        if (remote instanceof InetSocketAddress isa && isa.isUnresolved()) {
            throw new IllegalArgumentException("resolve " + isa.getHostString() + " before connecting");
        }
        int family = sockaddr.family(remote);
        int fd = sys.socket(family);
        if (fd < 0) throw exception(fd, "socket");
        try {
            int len = encode(scratchView, remote, family);
            int r = sys.connect(fd, scratchAddr, len);
            if (r < 0 && r != -sockets.eInProgress) throw exception(r, "connect to " + remote);
            return new PosixStream(this, fd, family, remote);
        } catch (IOException | RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }

    /** A datagram socket (see {@link io.pants.spi.Poller#openDatagram}). */
    public DatagramSocket openDatagram(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        if (datagrams == null) datagrams = new DatagramIo(this);
        return datagrams.open(bind, options);
    }

    /** A datagram socket's error as its receive and send report it (PortUnreachableException for a refused datagram, ...). */
    public IOException datagramError(int negErrno, String what) {
        return datagrams != null ? datagrams.error(negErrno, what) : exception(negErrno, what);
    }

    /**
     * Writes {@code target} as the sockaddr a datagram from {@code s} is sent to, at the start
     * of {@code b}; its length. Refused, as the datagram send refuses it, when the socket's
     * family can't carry the address.
     */
    public int encodeDatagramTarget(PosixSocket s, SocketAddress target, ByteBuffer b) throws IOException {
        return datagrams.encode(b, target, s.family);
    }

    /** The scratch memory addresses are encoded in, for bind and connect. */
    ByteBuffer scratchView() { return scratchView; }

    long scratchAddress() { return scratchAddr; }

    int encode(ByteBuffer b, SocketAddress address, int family) throws IOException {
        try {
            return sockaddr.encode(b, address, family);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- streams

    StreamSocket accept(PosixSocket listener) throws IOException {
        if (queued != null) return queued.accept(listener);
        for (int attempt = 0; attempt < 16; attempt++) {
            int fd = sys.accept(listener.fd, scratchAddr, sockaddr.prepareReturn(scratchView, scratchAddr));
            if (fd >= 0) {
                SocketAddress remote = sockaddr.decodeReturned(scratchView);
                return new PosixStream(this, fd, listener.family, remote);
            }
            if (fd == -sockets.eAgain) return null;
            // the connection died in the backlog, or a signal: try the next one
            if (fd == -sockets.eIntr || fd == -sockets.eConnAborted || fd == -sockets.eProto || fd == -sockets.ePerm) continue;
            throw exception(fd, "accept");
        }
        return null;
    }

    void finishConnect(PosixSocket s) throws IOException {
        int err = sys.getIntOption(s.fd, sockets.solSocket, sockets.soError);
        if (err < 0) throw exception(err, "getsockopt(SO_ERROR)");
        if (err == 0) err = s.takeReportedError(); // a userspace kqueue may have taken it already
        if (err > 0) throw exception(-err, "connect to " + s.remote);
        s.local = null;
    }

    SocketAddress localAddressOf(PosixSocket s) {
        int r = sys.getsockname(s.fd, scratchAddr, sockaddr.prepareReturn(scratchView, scratchAddr));
        return r < 0 ? null : sockaddr.decodeReturned(scratchView);
    }

    int read(PosixSocket s, ByteBuffer dst) throws IOException {
        long n = sys.read(s.fd, reads.address(dst), reads.room(dst));
        if (n > 0) {
            reads.received(dst, n);
            return (int) n;
        }
        if (n == 0) {
            int err = s.takeReportedError(); // kqueue: the error an EV_EOF carried
            if (err != 0) throw exception(-err, "read");
            return -1;
        }
        if (n == -sockets.eAgain) return 0;
        throw exception((int) n, "read");
    }

    void shutdownOutput(PosixSocket s) throws IOException {
        if (queued != null) {
            queued.shutdownOutput(s);
            return;
        }
        check(sys.shutdown(s.fd, sockets.shutWr), "shutdown");
    }

    void setNoDelay(PosixSocket s, boolean on) throws IOException {
        if (s.family != sockets.afUnix) check(sys.setIntOption(s.fd, sockets.ipprotoTcp, sockets.tcpNoDelay, on ? 1 : 0), "TCP_NODELAY");
    }

    // ---------------------------------------------------------------- options of stream sockets and listeners

    @SuppressWarnings("unchecked")
    private <T> void setUnchecked(PosixSocket s, SocketOption<T> option, Object value) throws IOException {
        setStreamOption(s, option, (T) value);
    }

    /**
     * Sets TCP_NODELAY, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_REUSEPORT, SO_LINGER (seconds, or
     * negative for off) or the keep-alive timings (by their {@code jdk.net.ExtendedSocketOptions}
     * names) with setsockopt.
     */
    <T> void setStreamOption(PosixSocket s, SocketOption<T> option, T value) throws IOException {
        TcpOptionConstants tcp = tcpOptions();
        if (option == StandardSocketOptions.SO_LINGER) {
            int seconds = (Integer) value;
            scratchView.putInt(tcp.lingerOnOffOffset, seconds >= 0 ? 1 : 0).putInt(tcp.lingerLingerOffset, Math.max(0, seconds));
            check(sys.setOption(s.fd, sockets.solSocket, tcp.soLinger, scratchAddr, tcp.lingerSize), "setsockopt SO_LINGER on " + s + " (" + pollerName + " poller)");
            return;
        }
        int[] at = levelAndName(option);
        int v = value instanceof Boolean b ? (b ? 1 : 0) : (Integer) value;
        check(sys.setIntOption(s.fd, at[0], at[1], v), "setsockopt " + option.name() + " = " + value + " on " + s + " (" + pollerName + " poller)");
    }

    /** Reads an option of {@link #setStreamOption} back with getsockopt. */
    @SuppressWarnings("unchecked")
    <T> T getStreamOption(PosixSocket s, SocketOption<T> option) throws IOException {
        TcpOptionConstants tcp = tcpOptions();
        if (option == StandardSocketOptions.SO_LINGER) {
            scratchView.putInt(tcp.lingerOnOffOffset, 0).putInt(tcp.lingerLingerOffset, 0).putInt(16, tcp.lingerSize);
            check(sys.getOption(s.fd, sockets.solSocket, tcp.soLinger, scratchAddr, scratchAddr + 16), "getsockopt SO_LINGER on " + s);
            return (T) Integer.valueOf(scratchView.getInt(tcp.lingerOnOffOffset) != 0 ? scratchView.getInt(tcp.lingerLingerOffset) : -1);
        }
        int[] at = levelAndName(option);
        int v = sys.getIntOption(s.fd, at[0], at[1]);
        if (v < 0) throw exception(v, "getsockopt " + option.name() + " on " + s);
        return (T) (option.type() == Boolean.class ? (Object) (v != 0) : (Object) v);
    }

    /** The level and name of an option: the constants of the system, or an error naming this backend. */
    private int[] levelAndName(SocketOption<?> option) {
        TcpOptionConstants tcp = tcpOptions();
        int level = sockets.solSocket, name;
        if (option == StandardSocketOptions.TCP_NODELAY) { level = sockets.ipprotoTcp; name = sockets.tcpNoDelay; }
        else if (option == StandardSocketOptions.SO_KEEPALIVE) name = tcp.soKeepAlive;
        else if (option == StandardSocketOptions.SO_RCVBUF) name = datagramConstants.soRcvBuf;
        else if (option == StandardSocketOptions.SO_SNDBUF) name = datagramConstants.soSndBuf;
        else if (option == StandardSocketOptions.SO_REUSEPORT) name = tcp.soReusePortLb >= 0 ? tcp.soReusePortLb : datagramConstants.soReusePort;
        else if (option == StandardSocketOptions.SO_REUSEADDR) name = sockets.soReuseAddr;
        else if (option.name().equals("TCP_KEEPIDLE")) { level = sockets.ipprotoTcp; name = tcp.tcpKeepIdle; }
        else if (option.name().equals("TCP_KEEPINTERVAL")) { level = sockets.ipprotoTcp; name = tcp.tcpKeepInterval; }
        else if (option.name().equals("TCP_KEEPCOUNT")) { level = sockets.ipprotoTcp; name = tcp.tcpKeepCount; }
        else throw new UnsupportedOperationException("the " + pollerName + " poller does not set " + option.name() + " on stream sockets");
        if (name < 0) {
            throw new UnsupportedOperationException("the " + pollerName + " poller can't set " + option.name() + ": this system has no such option");
        }
        return new int[] {level, name};
    }

    /**
     * Whether listening sockets sharing a port with SO_REUSEPORT get the new connections spread
     * among them here: on Linux and DragonFly they do, on FreeBSD with SO_REUSEPORT_LB (which
     * SO_REUSEPORT then means), elsewhere not.
     */
    public boolean reusePortBalances() {
        return com.sun.jna.Platform.isLinux() || com.sun.jna.Platform.isDragonFlyBSD() || tcpOptions().soReusePortLb >= 0;
    }

    private TcpOptionConstants tcpOptions() {
        if (tcpOptions == null) tcpOptions = sys.tcpOptionConstants();
        return tcpOptions;
    }

    /**
     * Takes over a stream socket another poller's SocketIo accepted and never registered; the
     * other object is marked closed, without closing the descriptor, so that it can't touch it.
     */
    public PosixStream takeOver(StreamSocket accepted) {
        if (!(accepted instanceof PosixStream other) || other.closed) {
            throw new IllegalArgumentException("the " + pollerName + " poller can only take over an open stream socket of its backend, not " + accepted);
        }
        other.closed = true;
        return new PosixStream(this, other.fd, other.family, other.remote);
    }

    void close(PosixSocket s) {
        if (beforeClose != null) beforeClose.beforeClose(s);
        if (queued != null) queued.close(s);
        else sys.close(s.fd);
    }

    // ---------------------------------------------------------------- files

    /** Sends the file regions at the head of the queue; false if one could not be finished. */
    public boolean sendFiles(PosixSocket s, OutboundQueue q) throws IOException {
        FileRegion r;
        while ((r = q.headFile()) != null) {
            long n;
            if (r.path() != null && !s.noSendfile && sendfile != Sendfile.Kind.NONE) {
                if (r.nativeFd() < 0) {
                    int fd = sys.openReadOnly(r.path().toString());
                    if (fd < 0) throw exception(fd, "open " + r.path());
                    r.nativeFd(fd, () -> sys.close(fd));
                }
                n = sys.sendfile(s.fd, r.nativeFd(), r.position(), r.remaining());
                if (n == -sockets.eAgain) return false;
                if (n < 0) {
                    if (!copyWhenSendfileRefused || n == -sockets.ePipe || n == -sockets.eConnReset || n == -sockets.eNotConn) {
                        throw exception((int) n, "sendfile");
                    }
                    // not a socket error: this kind of socket or file can't be sent from (macOS
                    // refuses Unix sockets): copy through memory, now and from now on
                    BackendLog.LOG.log(Level.DEBUG, "sendfile refused on " + s + " ("
                            + exception((int) n, "sendfile").getMessage() + "); copying its files instead");
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
    private long copyFromChannel(PosixSocket s, FileRegion r) throws IOException {
        Memory copy = reads.copyArea();
        ByteBuffer buf = copy.getByteBuffer(0, (int) Math.min(copy.size(), r.remaining()));
        int got = r.channel().read(buf, r.position());
        if (got <= 0) throw new IOException("the file channel ended before the " + r.remaining() + " bytes queued");
        long w = sys.write(s.fd, Pointer.nativeValue(copy), got);
        if (w == -sockets.eAgain) return 0;
        if (w < 0) throw exception((int) w, "write");
        return w;
    }

    /** Frees the native memory; the sockets must be closed separately. */
    @Override
    public void close() {
        scratch.close();
        reads.close();
        if (datagrams != null) datagrams.close();
    }
}
