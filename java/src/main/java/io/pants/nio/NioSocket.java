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
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A listening or stream channel registered with a {@link NioPoller}; datagram channels are the
 * subclass {@link NioDatagram}.
 */
class NioSocket implements ListenerSocket, StreamSocket {
    final SelectableChannel channel;
    final boolean listener;
    SelectionKey key;
    int token;
    boolean readOnReady;
    /** A connect is pending: WRITE interest means OP_CONNECT until it completes. */
    boolean connecting;
    int interest;
    private SocketAddress local, remote;
    private boolean closed;

    NioSocket(SelectableChannel channel, boolean listener, boolean connecting, SocketAddress remote) {
        this.channel = channel;
        this.listener = listener;
        this.connecting = connecting;
        this.remote = remote;
    }

    int ops(int interest) {
        int ops = 0;
        if ((interest & io.pants.spi.Poller.READ) != 0) ops |= listener ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
        if ((interest & io.pants.spi.Poller.WRITE) != 0) ops |= connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
        return ops;
    }

    @Override
    public SocketAddress localAddress() {
        if (local == null && !closed) {
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
        if (remote == null && !listener && !closed) {
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
        return new NioSocket(c, false, false, null);
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

    @Override
    public void close() {
        if (closed) return;
        localAddress(); // keep the addresses for log lines about the closed stream
        remoteAddress();
        closed = true;
        if (key != null) key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing buffered by us; the kernel socket is gone either way
        }
        if (listener && key != null && key.selector().isOpen()) releaseNow(key.selector());
    }

    /**
     * A registered channel's descriptor is only closed at its selector's next select: select once
     * now, so that the port refuses connections as soon as close() returns instead of queueing
     * them in a backlog nobody accepts from. The selector is level-triggered: whatever this
     * select finds ready, the loop's next one finds again.
     */
    private static void releaseNow(Selector selector) {
        try {
            selector.selectNow(k -> { });
        } catch (IOException | ClosedSelectorException ignored) {
            // the selector is going away with its descriptors
        }
    }

    @Override
    public boolean isClosed() { return closed; }
}
