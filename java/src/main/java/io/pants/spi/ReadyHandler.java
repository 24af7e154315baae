// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Where a {@link Poller} delivers what a wait found. Implemented once, by the engine. */
public interface ReadyHandler {
    /**
     * The socket registered as {@code token} is ready: a combination of {@link Poller#READ},
     * {@link Poller#WRITE}, {@link Poller#HANGUP} and {@link Poller#ERROR}.
     */
    void ready(int token, int events);

    /**
     * The poller read {@code data} from a {@code readOnReady} socket. The buffer is only valid
     * during the call: copy what must be kept.
     */
    void received(int token, ByteBuffer data);

    /** A {@code readOnReady} socket reached end of stream ({@code error == null}) or failed. */
    void receiveEnded(int token, IOException error);

    /**
     * For completion-based pollers only (io_uring), whose {@link Poller#flush} submits a
     * stream's writes instead of making them: the writes submitted for the socket registered as
     * {@code token} completed, and what they wrote is consumed from its queue
     * ({@code error == null}), or they failed. The engine does what it does after a flush.
     * For a datagram socket ({@link DatagramSocket#send}), {@code error} is null: what each
     * datagram came to is in its {@link DatagramQueue}. Readiness pollers never call it;
     * nothing else about a flush changes.
     */
    default void sent(int token, IOException error) {}
}
