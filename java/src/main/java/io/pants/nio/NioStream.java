// SPDX-License-Identifier: Apache-2.0
package io.pants.nio;

import io.pants.spi.DescriptorsExhaustedException;
import io.pants.spi.ListenerSocket;
import io.pants.spi.StreamSocket;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A listening ({@link ServerSocketChannel}) or stream ({@link SocketChannel}) channel of a
 * {@link NioPoller}: one class for both, which the poller hands out as the SPI type of what it made.
 */
final class NioStream extends NioSocket implements ListenerSocket, StreamSocket {
    private SocketAddress local, remote;

    NioStream(SelectableChannel channel, boolean listener, boolean connecting, SocketAddress remote) {
        super(channel, listener, connecting);
        this.remote = remote;
    }

    @Override
    public SocketAddress localAddress() {
        if (local == null && !isClosed()) {
            try {
                local = listener ? ((ServerSocketChannel) channel).getLocalAddress() : ((SocketChannel) channel).getLocalAddress();
            } catch (IOException e) {
                return null;
            }
        }
        return local;
    }

    @Override
    public SocketAddress remoteAddress() {
        if (remote == null && !listener && !isClosed()) {
            try {
                remote = ((SocketChannel) channel).getRemoteAddress();
            } catch (IOException e) {
                return null;
            }
        }
        return remote;
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        setChecked((NetworkChannel) channel, option, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        NetworkChannel ch = (NetworkChannel) channel;
        if (!ch.supportedOptions().contains(option)) throw unsupported(option, ch);
        return ch.getOption(option);
    }

    /** Sets an option the channel supports; one it doesn't fails with a message that names this backend. */
    @SuppressWarnings("unchecked")
    static <T> void setChecked(NetworkChannel ch, SocketOption<T> option, Object value) throws IOException {
        if (!ch.supportedOptions().contains(option)) throw unsupported(option, ch);
        ch.setOption(option, (T) value);
    }

    private static UnsupportedOperationException unsupported(SocketOption<?> option, NetworkChannel ch) {
        return new UnsupportedOperationException("the nio poller can't set " + option.name() + " on this "
                + (ch instanceof ServerSocketChannel ? "listening" : "stream") + " channel here: java.nio supports " + ch.supportedOptions());
    }

    @Override
    public StreamSocket accept() throws IOException {
        SocketChannel c;
        try {
            c = ((ServerSocketChannel) channel).accept();
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("Too many open files") || m.contains("No buffer space") || m.contains("Cannot allocate memory")) {
                throw new DescriptorsExhaustedException(m);
            }
            throw e;
        }
        if (c == null) return null;
        try {
            c.configureBlocking(false);
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return new NioStream(c, false, false, null);
    }

    @Override
    public void finishConnect() throws IOException {
        SocketChannel c = (SocketChannel) channel;
        if (c.isConnectionPending() && !c.finishConnect()) {
            throw new IOException("connect is still in progress after connect readiness");
        }
        connecting = false;
        remote = null;
        local = null;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return ((SocketChannel) channel).read(dst);
    }

    @Override
    public void shutdownOutput() throws IOException {
        ((SocketChannel) channel).shutdownOutput();
    }

    @Override
    public void setNoDelay(boolean on) throws IOException {
        if (!listener && !(remote instanceof UnixDomainSocketAddress)) {
            try {
                ((SocketChannel) channel).setOption(StandardSocketOptions.TCP_NODELAY, on);
            } catch (UnsupportedOperationException ignored) {
                // a Unix domain socket: no Nagle to disable
            }
        }
    }
}
