// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * A datagram arrived that was larger than a {@link Datagram} receives whole
 * ({@link Datagram#MAX_SIZE} bytes): the system kept only its beginning, so it was not handed
 * to {@code onRead}. Only Unix domain datagrams can be that large; IP datagrams never are.
 *
 * @since 0.1
 */
public class DatagramTruncatedException extends IOException {
    private final SocketAddress sender;

    public DatagramTruncatedException(String message, SocketAddress sender) {
        super(message);
        this.sender = sender;
    }

    /** Who sent the datagram (for an unbound Unix domain peer, the unnamed address). */
    public SocketAddress sender() { return sender; }
}
