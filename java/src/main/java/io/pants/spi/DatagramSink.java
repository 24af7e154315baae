// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/** Where {@link DatagramSocket#receive} hands each datagram it received. Implemented by the engine. */
@FunctionalInterface
public interface DatagramSink {
    /**
     * One datagram from {@code sender}. {@code data} is valid only during the call: copy what
     * must be kept. {@code truncated}: the datagram was larger than the receive buffer and
     * {@code data} holds only its beginning. Returns false to drop the rest of the batch
     * (the channel closed).
     */
    boolean datagram(ByteBuffer data, SocketAddress sender, boolean truncated);
}
