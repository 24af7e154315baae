// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;

/**
 * A non-blocking socket created by a {@link Poller}: a listener, a stream (accepted or
 * connecting), or a datagram socket ({@link Poller#openDatagram}). All kinds are registered,
 * given interest and closed the same way; each supports the operations of its kind. Loop
 * thread only.
 *
 * <p>The datagram operations have default implementations that throw
 * {@link UnsupportedOperationException}, so that a backend without datagram sockets needs
 * nothing for them.
 */
public abstract class PollerSocket {
    /** The address this socket is bound to. */
    public abstract SocketAddress localAddress();

    /** The peer's address, or null for a listener. */
    public abstract SocketAddress remoteAddress();

    /**
     * Accepts one pending connection of a listener; null when none is pending.
     * @throws DescriptorsExhaustedException when the process or system is out of descriptors
     */
    public abstract PollerSocket accept() throws IOException;

    /** Completes a connect after WRITE readiness; throws the connect failure, if any. */
    public abstract void finishConnect() throws IOException;

    /** Reads into {@code dst}: bytes read, 0 if nothing is available, -1 at end of stream. */
    public abstract int read(ByteBuffer dst) throws IOException;

    /** Sends FIN after what was written (half-close). */
    public abstract void shutdownOutput() throws IOException;

    /** Disables Nagle's algorithm on TCP sockets; ignored by other kinds. */
    public abstract void setNoDelay(boolean on) throws IOException;

    // ---------------------------------------------------------------- datagram sockets

    /**
     * Receives up to {@code max} datagrams that are waiting, handing each to {@code sink}, and
     * returns how many were taken from the socket (0 if none was waiting). Native backends
     * take them in one system call where the system allows.
     *
     * @throws IOException when receiving failed before any datagram was taken: an error the
     *         system reports for an earlier send (a connected socket whose peer refused, say).
     *         The socket stays usable.
     */
    public int receive(DatagramSink sink, int max) throws IOException {
        throw notDatagram("receive");
    }

    /**
     * Sends datagrams from the head of {@code queue} until it is empty or the socket would
     * block, consuming what was sent. A datagram the system refuses is dropped with
     * {@link DatagramQueue#fail}; nothing is thrown.
     */
    public void send(DatagramQueue queue) {
        throw notDatagram("send");
    }

    /** Fixes the peer of a datagram socket: sends without an address go there, and only its datagrams arrive. */
    public void connect(SocketAddress peer) throws IOException {
        throw notDatagram("connect");
    }

    /**
     * Sets a socket option. Datagram sockets: the {@link java.net.StandardSocketOptions}
     * {@code SO_BROADCAST}, {@code SO_RCVBUF}, {@code SO_SNDBUF}, {@code SO_REUSEADDR},
     * {@code SO_REUSEPORT}, {@code IP_MULTICAST_IF}, {@code IP_MULTICAST_TTL} and
     * {@code IP_MULTICAST_LOOP} at least; on a dual-stack socket the multicast options apply
     * to IPv4 and IPv6 alike. Stream sockets: {@code TCP_NODELAY}, {@code SO_KEEPALIVE},
     * {@code SO_RCVBUF}, {@code SO_SNDBUF}, {@code SO_LINGER} and, where the system has them,
     * {@code jdk.net.ExtendedSocketOptions} {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL} and
     * {@code TCP_KEEPCOUNT}; listeners: {@code SO_REUSEPORT}, {@code SO_RCVBUF}.
     *
     * @throws UnsupportedOperationException for an option the backend can't set on this
     *         socket; the message names the backend
     */
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        throw notDatagram("setOption");
    }

    /** Reads a socket option back from the system (see {@link #setOption}). */
    public <T> T getOption(SocketOption<T> option) throws IOException {
        throw notDatagram("getOption");
    }

    /** Joins a multicast group (IPv4 or IPv6) on an interface. */
    public void joinGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        throw notDatagram("joinGroup");
    }

    /** Leaves a multicast group joined with {@link #joinGroup}. */
    public void leaveGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        throw notDatagram("leaveGroup");
    }

    /**
     * Takes the socket's pending error, if any (SO_ERROR): how a datagram socket that is not
     * receiving clears an ERROR readiness. Null when there is none or the backend can't tell.
     */
    public IOException takeError() {
        return null;
    }

    private UnsupportedOperationException notDatagram(String what) {
        return new UnsupportedOperationException(what + "(): " + this + " is not a datagram socket of a backend that supports them");
    }

    /** Deregisters and closes; idempotent. */
    public abstract void close();

    /** Whether {@link #close()} has been called. */
    public abstract boolean isClosed();
}
