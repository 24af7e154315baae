package io.pants.epoll;

import io.pants.spi.PollerSocket;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A socket descriptor of an {@link EpollPoller}, with the interest the kernel has and the one
 * wanted. Datagram sockets are the subclass {@link EpollDatagram}.
 */
class EpollSocket extends PollerSocket {
    final EpollPoller poller;
    final int fd;
    final int family;
    final boolean listener;
    int token;
    /** PANTS_MODE_* of the registration (pants.h). */
    int mode;
    /** Interest wanted by the engine, and what the kernel has (-1: not added yet). */
    int wanted, kernel = -1;
    /** Queued in the poller's change list for the next wait. */
    boolean changeQueued;
    boolean closed;
    SocketAddress local, remote;

    EpollSocket(EpollPoller poller, int fd, int family, boolean listener, SocketAddress local, SocketAddress remote) {
        this.poller = poller;
        this.fd = fd;
        this.family = family;
        this.listener = listener;
        this.local = local;
        this.remote = remote;
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
        // close() also removes the descriptor from the epoll set: we never dup() it
        poller.closeDescriptor(fd);
    }

    @Override
    public boolean isClosed() { return closed; }

    @Override
    public String toString() { return "fd " + fd; }
}
