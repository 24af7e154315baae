// SPDX-License-Identifier: Apache-2.0
package io.pants.nio;

import io.pants.spi.PollerSocket;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A channel registered with a {@link NioPoller}, with what the poller keeps for it: listening
 * and stream channels are the subclass {@link NioStream}, datagram channels {@link NioDatagram}.
 */
abstract sealed class NioSocket implements PollerSocket permits NioStream, NioDatagram {
    final SelectableChannel channel;
    final boolean listener;
    SelectionKey key;
    int token;
    boolean readOnReady;
    /** A connect is pending: WRITE interest means OP_CONNECT until it completes. */
    boolean connecting;
    int interest;
    private boolean closed;

    NioSocket(SelectableChannel channel, boolean listener, boolean connecting) {
        this.channel = channel;
        this.listener = listener;
        this.connecting = connecting;
    }

    int ops(int interest) {
        int ops = 0;
        if ((interest & io.pants.spi.Poller.READ) != 0) ops |= listener ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
        if ((interest & io.pants.spi.Poller.WRITE) != 0) ops |= connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
        return ops;
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
