// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;

/**
 * A datagram socket ({@link Poller#openDatagram}), registered without {@code readOnReady}:
 * READ readiness means datagrams to {@link #receive}, and queued ones go out with
 * {@link #send}, each a batch of datagrams in one call where the system allows. Loop thread only.
 */
public interface DatagramSocket extends PollerSocket {
    /**
     * Receives up to {@code max} datagrams that are waiting, handing each to {@code sink}.
     * Native backends take them in one system call where the system allows.
     *
     * @param sink where each datagram goes
     * @param max the most to take in this call
     * @return how many were taken from the socket (0 if none was waiting)
     * @throws IOException when receiving failed before any datagram was taken: an error the
     *         system reports for an earlier send (a connected socket whose peer refused, say).
     *         The socket stays usable.
     */
    int receive(DatagramSink sink, int max) throws IOException;

    /**
     * Sends datagrams from the head of {@code queue} until it is empty or the socket would
     * block, consuming what was sent. A datagram the system refuses is dropped with
     * {@link DatagramQueue#fail}; nothing is thrown. A completion-based poller may instead
     * submit the sends, to go out with its next wait: it marks them in flight
     * ({@link DatagramQueue#submit}), and when they complete it consumes, fails or puts back
     * what they were and tells the engine through {@link ReadyHandler#sent}. Nothing is sent
     * while datagrams of the queue are in flight: their completion sends the rest.
     *
     * @param queue the datagrams to send, oldest first
     */
    void send(DatagramQueue queue);

    /**
     * As {@link #send}, for an explicit flush ({@code Datagram.flush()}): what the socket takes
     * is sent before this returns, whatever kind of poller this is; a completion-based poller
     * sends at once here, unless datagrams of the queue are in flight (their order comes first;
     * their completion sends the rest).
     *
     * @param queue the datagrams to send, oldest first
     */
    default void sendNow(DatagramQueue queue) { send(queue); }

    /**
     * Fixes the peer: sends without an address go there, and only its datagrams arrive.
     *
     * @param peer a resolved IP socket address or a Unix domain socket address
     * @throws IOException when the system refused
     */
    void connect(SocketAddress peer) throws IOException;

    /**
     * Joins a multicast group (IPv4 or IPv6) on an interface.
     *
     * @param group the group's address
     * @param networkInterface the interface to join it on
     * @throws IOException when the system refused
     */
    void joinGroup(InetAddress group, NetworkInterface networkInterface) throws IOException;

    /**
     * Leaves a multicast group joined with {@link #joinGroup}.
     *
     * @param group the group's address
     * @param networkInterface the interface it was joined on
     * @throws IOException when the system refused
     */
    void leaveGroup(InetAddress group, NetworkInterface networkInterface) throws IOException;

    /**
     * Takes the socket's pending error, if any (SO_ERROR): how a socket that is not receiving
     * clears an ERROR readiness.
     *
     * @return the error, or null when there is none or the backend can't tell
     */
    IOException takeError();
}
