package io.pants.kqueue;

import io.pants.spi.PollerSocket;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A socket descriptor of a {@link KqueuePoller}, with the filters the kernel has and the
 * interest wanted. Datagram sockets are the subclass {@link KqueueDatagram}.
 */
class KqueueSocket extends PollerSocket {
    final KqueuePoller poller;
    final int fd;
    final int family;
    final boolean listener;
    int token;
    /** PANTS_MODE_* (pants.h) of the read filter's registration; the write filter's is always plain. */
    int mode;
    /** Interest wanted by the engine, and the filters (READ, WRITE bits) added to the kqueue. */
    int wanted, kernel;
    /** Queued in the poller's change list for the next wait. */
    boolean changeQueued;
    boolean closed;
    /**
     * The socket error an EV_EOF event carried in fflags, or 0. A userspace kqueue on Linux
     * (libkqueue) learns it with getsockopt(SO_ERROR), which clears it, so a later
     * finishConnect(), read or receive would no longer see it: kept here for them.
     */
    int reportedError;
    /** sendfile refused this socket (macOS does for Unix sockets, say): its files are copied instead. */
    boolean noSendfile;
    SocketAddress local, remote;

    KqueueSocket(KqueuePoller poller, int fd, int family, boolean listener, SocketAddress local, SocketAddress remote) {
        this.poller = poller;
        this.fd = fd;
        this.family = family;
        this.listener = listener;
        this.local = local;
        this.remote = remote;
    }

    /** The error kept from an EV_EOF event, once (0 when none): it is reported like SO_ERROR, which reading clears. */
    int takeReportedError() {
        int e = reportedError;
        reportedError = 0;
        return e;
    }

    @Override
    public SocketAddress localAddress() {
        if (local == null && !closed) local = poller.localAddressOf(this);
        return local;
    }

    @Override
    public SocketAddress remoteAddress() { return remote; }

    @Override
    public PollerSocket accept() throws IOException { return poller.accept(this); }

    @Override
    public void finishConnect() throws IOException { poller.finishConnect(this); }

    @Override
    public int read(ByteBuffer dst) throws IOException { return poller.read(this, dst); }

    @Override
    public void shutdownOutput() throws IOException { poller.shutdownOutput(this); }

    @Override
    public void setNoDelay(boolean on) throws IOException { poller.setNoDelay(this, on); }

    @Override
    public void close() {
        if (closed) return;
        localAddress(); // keep it for log lines about the closed stream
        closed = true;
        poller.closeSocket(this);
    }

    @Override
    public boolean isClosed() { return closed; }

    @Override
    public String toString() { return "fd " + fd; }
}
