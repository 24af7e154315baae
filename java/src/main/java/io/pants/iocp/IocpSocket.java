// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import io.pants.spi.ListenerSocket;
import io.pants.spi.StreamSocket;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;

/** A Winsock socket of an {@link IocpPoller}, with the interest the shim has for it. */
final class IocpSocket implements ListenerSocket, StreamSocket {
    final IocpPoller poller;
    final long handle;
    final int family;
    int token;
    /** The engine interest the shim was last given, -1 while not registered. */
    int registered = -1;
    boolean closed;
    SocketAddress local, remote;

    IocpSocket(IocpPoller poller, long handle, int family, SocketAddress remote) {
        this.poller = poller;
        this.handle = handle;
        this.family = family;
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
    public StreamSocket accept() throws IOException { return poller.accept(this); }

    @Override
    public void finishConnect() throws IOException { poller.finishConnect(this); }

    @Override
    public int read(ByteBuffer dst) throws IOException { return poller.read(this, dst); }

    @Override
    public void shutdownOutput() throws IOException { poller.shutdownOutput(this); }

    @Override
    public void setNoDelay(boolean on) throws IOException { poller.setNoDelay(this, on); }

    /** TCP_NODELAY only, so far: the prototype's Winsock table has no other stream option yet. */
    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        if (option != StandardSocketOptions.TCP_NODELAY) throw unsupported(option);
        poller.setNoDelay(this, (Boolean) value);
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        throw unsupported(option);
    }

    private static UnsupportedOperationException unsupported(SocketOption<?> option) {
        return new UnsupportedOperationException("the iocp poller (a prototype) can't " + "set or read " + option.name() + " yet");
    }

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
    public String toString() { return "socket " + handle; }
}
