// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;

/**
 * A non-blocking socket created by a {@link Poller}, of one of three kinds: a
 * {@link ListenerSocket}, a {@link StreamSocket} (accepted or connecting) or a
 * {@link DatagramSocket}. This type holds what every kind has: all kinds are registered, given
 * interest and closed the same way ({@link Poller#register}, {@link Poller#setInterest}).
 * Loop thread only.
 */
public interface PollerSocket {
    /** The address this socket is bound to. */
    SocketAddress localAddress();

    /** The peer's address, or null for a listener (and an unconnected datagram socket). */
    SocketAddress remoteAddress();

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
     * @param <T> the option's value type
     * @param option the option to set
     * @param value its new value
     * @throws IOException when the system refuses the value
     * @throws UnsupportedOperationException for an option the backend can't set on this
     *         socket; the message names the backend
     */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * Reads a socket option back from the system (see {@link #setOption}).
     *
     * @param <T> the option's value type
     * @param option the option to read
     * @return its value as the system has it
     * @throws IOException when the system can't tell
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /** Deregisters and closes; idempotent. */
    void close();

    /**
     * Whether {@link #close()} has been called.
     *
     * @return true once closed
     */
    boolean isClosed();
}
