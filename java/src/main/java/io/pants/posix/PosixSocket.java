// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.spi.Poller;
import io.pants.spi.PollerSocket;

import java.net.SocketAddress;

/**
 * A socket descriptor of a native POSIX poller (epoll, kqueue): its calls go to the poller's
 * {@link SocketIo}; the registration fields belong to the poller, which alone reads and
 * writes them. Listeners and streams are the subclass {@link PosixStream}, datagram sockets
 * {@link PosixDatagram}.
 */
public abstract sealed class PosixSocket implements PollerSocket permits PosixStream, PosixDatagram {
    final SocketIo io;
    public final int fd;
    public final int family;
    /** The engine's token, as registered. */
    public int token;
    /** PANTS_MODE_* (pants.h) of the registration; with kqueue, of the read filter's (the write filter's is always plain). */
    public int mode;
    /** Interest wanted by the engine, and what the kernel has (see {@link SocketIo}'s {@code kernelBeforeRegistration}). */
    public int wanted, kernel;
    /** In its poller's {@link ChangeQueue}. */
    boolean changeQueued;
    boolean closed;
    /**
     * The socket error a kqueue EV_EOF event carried in fflags, or 0; never set under epoll. A
     * userspace kqueue on Linux (libkqueue) learns it with getsockopt(SO_ERROR), which clears
     * it, so a later finishConnect(), read or receive would no longer see it: kept here for them.
     */
    public int reportedError;
    /** sendfile refused this socket (macOS does for Unix sockets, say): its files are copied instead. */
    boolean noSendfile;
    SocketAddress local, remote;

    PosixSocket(SocketIo io, int fd, int family, SocketAddress remote) {
        this.io = io;
        this.fd = fd;
        this.family = family;
        this.remote = remote;
        this.kernel = io.kernelBeforeRegistration;
    }

    /** Takes the engine's registration; its poller decides when the kernel hears of it. */
    public void register(int token, int interest, boolean readOnReady) {
        this.token = token;
        this.mode = readOnReady ? ShimAbi.MODE_PREREAD : ShimAbi.MODE_PLAIN;
        this.wanted = interest;
    }

    /** Takes the interest the engine wants: whether the kernel has another, so that a change is due. */
    public boolean want(int interest) {
        wanted = interest;
        return kernel != interest;
    }

    /** The error kept from an EV_EOF event, once (0 when none): it is reported like SO_ERROR, which reading clears. */
    public int takeReportedError() {
        int e = reportedError;
        reportedError = 0;
        return e;
    }

    /** Whether this is a datagram socket ({@link Poller#openDatagram}) rather than a stream or a listener. */
    public boolean isDatagram() { return false; }

    @Override
    public SocketAddress localAddress() {
        if (local == null && !closed) local = io.localAddressOf(this);
        return local;
    }

    @Override
    public SocketAddress remoteAddress() { return remote; }

    @Override
    public void close() {
        if (closed) return;
        localAddress(); // keep it for log lines about the closed stream
        closed = true;
        io.close(this);
    }

    @Override
    public boolean isClosed() { return closed; }

    @Override
    public String toString() { return "fd " + fd; }
}
