// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.spi.DatagramSocket;
import io.pants.spi.ListenerSocket;
import io.pants.spi.Poller;
import io.pants.spi.StreamSocket;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.util.Map;

/**
 * A poller whose sockets are POSIX sockets made by its {@link SocketIo}: epoll, kqueue and
 * io_uring make, bind and adopt sockets the same way and differ in how they wait for them, so
 * the socket-making half of {@link Poller} is written once here. A backend overrides what it
 * does otherwise (io_uring connects through its ring).
 */
public interface PosixPoller extends Poller {
    /** The poller's sockets. */
    SocketIo socketIo();

    @Override
    default ListenerSocket listen(SocketAddress address, int backlog) throws IOException { return socketIo().listen(address, backlog); }

    @Override
    default ListenerSocket listen(SocketAddress address, int backlog, Map<SocketOption<?>, Object> options) throws IOException {
        return socketIo().listen(address, backlog, options);
    }

    /** A stream socket another poller of the same kind accepted and never registered: taken over as it is. */
    @Override
    default StreamSocket adopt(StreamSocket accepted) { return socketIo().takeOver(accepted); }

    @Override
    default StreamSocket connect(SocketAddress remote) throws IOException { return socketIo().connect(remote); }

    @Override
    default DatagramSocket openDatagram(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        return socketIo().openDatagram(bind, options);
    }
}
