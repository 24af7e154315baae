// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.spi.ListenerSocket;
import io.pants.spi.StreamSocket;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;

/**
 * A listening or stream socket of a native POSIX poller: one class for both, as the descriptor
 * is either and the poller hands it out as the SPI type of what it made. Its calls go to the
 * poller's {@link SocketIo}.
 */
public final class PosixStream extends PosixSocket implements ListenerSocket, StreamSocket {
    PosixStream(SocketIo io, int fd, int family, SocketAddress remote) {
        super(io, fd, family, remote);
    }

    @Override
    public StreamSocket accept() throws IOException { return io.accept(this); }

    @Override
    public void finishConnect() throws IOException { io.finishConnect(this); }

    @Override
    public int read(ByteBuffer dst) throws IOException { return io.read(this, dst); }

    @Override
    public void shutdownOutput() throws IOException { io.shutdownOutput(this); }

    @Override
    public void setNoDelay(boolean on) throws IOException { io.setNoDelay(this, on); }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException { io.setStreamOption(this, option, value); }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException { return io.getStreamOption(this, option); }
}
