// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.util.Map;

/**
 * One readiness poller and the sockets it created. Every method but {@link #wakeup()} is called
 * from the engine's loop thread only.
 */
public interface Poller extends AutoCloseable {
    /** Interest and readiness bits. */
    int READ = 1, WRITE = 2;
    /** Extra readiness bits a poller may report along with READ/WRITE. */
    int HANGUP = 4, ERROR = 8;

    /**
     * The largest token a poller must accept. The native backends register one 64-bit word per
     * descriptor with the kernel, which holds the descriptor and a mode besides: 28 bits are
     * left for the token.
     */
    int MAX_TOKEN = (1 << 28) - 1;

    /** The backend's name as used for selection ({@code epoll}, {@code nio}, ...). */
    String name();

    /** A line saying how this poller is bound (library, path, version), for logs. */
    String description();

    /** Opens a non-blocking listening socket bound to {@code address} (IP or Unix domain). */
    ListenerSocket listen(SocketAddress address, int backlog) throws IOException;

    /**
     * Opens a listening socket as {@link #listen(SocketAddress, int)} does, with {@code options}
     * (see {@link PollerSocket#setOption}; {@code SO_REUSEPORT}, {@code SO_RCVBUF}) set before
     * binding.
     *
     * @throws UnsupportedOperationException when the backend can't set one of them; the message
     *         names the backend
     */
    default ListenerSocket listen(SocketAddress address, int backlog, Map<SocketOption<?>, Object> options) throws IOException {
        if (options.isEmpty()) return listen(address, backlog);
        throw new UnsupportedOperationException("the " + name() + " poller can't set " + options.keySet() + " on a listening socket");
    }

    /**
     * Whether several listening sockets bound to one address with {@code SO_REUSEPORT}, one per
     * engine, get the new connections spread among them by the kernel (Linux, DragonFly, FreeBSD with SO_REUSEPORT_LB): then a
     * server on several loops listens on each. Where they don't (macOS, Windows), one loop
     * accepts and hands the connections to the others ({@link #adopt}).
     */
    default boolean kernelBalancesListeners() { return false; }

    /**
     * Takes over a stream socket that another poller of the same backend accepted and never
     * registered: the socket one loop accepts and hands to another. The other poller's object
     * must not be used afterwards (closing it would close the adopted socket too).
     *
     * @throws UnsupportedOperationException when the backend can't
     */
    default StreamSocket adopt(StreamSocket accepted) {
        throw new UnsupportedOperationException("the " + name() + " poller can't take over a socket another poller accepted");
    }

    /**
     * Opens a non-blocking socket and starts connecting it. Completion is signalled by WRITE
     * readiness, after which {@link StreamSocket#finishConnect()} tells success or failure.
     */
    StreamSocket connect(SocketAddress remote) throws IOException;

    /**
     * Opens a non-blocking datagram socket bound to {@code bind}: an IP socket address (the
     * wildcard address makes a dual-stack socket where IPv6 exists, as for {@link #listen}), a
     * Unix domain path, or the unnamed Unix address (empty path) for an unbound Unix socket.
     * {@code options} (see {@link PollerSocket#setOption}) are set before binding. Register the
     * socket as usual, without {@code readOnReady}: READ readiness means datagrams for
     * {@link DatagramSocket#receive}.
     *
     * @throws UnsupportedOperationException when this backend has no datagram sockets of that kind
     */
    default DatagramSocket openDatagram(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        throw new UnsupportedOperationException("the " + name() + " poller has no datagram sockets");
    }

    /**
     * Registers a socket under {@code token} with an interest set (may be 0). With
     * {@code readOnReady}, READ readiness is delivered as data through
     * {@link ReadyHandler#received} / {@link ReadyHandler#receiveEnded} when the poller can read
     * on the engine's behalf, and as plain READ readiness otherwise.
     */
    void register(PollerSocket socket, int token, int interest, boolean readOnReady) throws IOException;

    /** Changes the interest set; a backend may defer the kernel call to the next wait. */
    void setInterest(PollerSocket socket, int interest);

    /**
     * Waits up to {@code timeoutNanos} (0: don't block, negative: no limit) and delivers what is
     * ready to {@code handler}. Returns the number of events delivered.
     */
    int poll(long timeoutNanos, ReadyHandler handler) throws IOException;

    /**
     * Writes as much of each queue in the batch as its socket takes without blocking, consuming
     * what was written from the queue; a failure is recorded in the batch, not thrown. A
     * completion-based poller may instead submit the writes, to go out with its next wait, and
     * consume them as they complete, telling the engine through {@link ReadyHandler#sent}.
     */
    void flush(WriteBatch batch);

    /**
     * As {@link #flush}, for a stream's explicit flush ({@code Stream.flush()}): what the socket
     * takes is written before this returns, whatever kind of poller this is. A completion-based
     * poller, whose {@link #flush} only submits, writes here at once, unless a send of its own
     * is still in flight for a socket (its order comes first; its completion sends the rest).
     */
    default void flushNow(WriteBatch batch) { flush(batch); }

    /** Makes a current or the next {@link #poll} return soon. Safe from any thread. */
    void wakeup();

    /** Releases the poller's kernel objects. Sockets must be closed separately. */
    @Override
    void close();
}
