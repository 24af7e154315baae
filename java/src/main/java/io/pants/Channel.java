// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What the engine dispatches events to: a stream or a listening socket, registered under a
 * token. The engine's only view of its channels; users meet the subclasses.
 */
abstract class Channel {
    /** Readiness without data: READ (the poller did not read), WRITE, HANGUP, ERROR. */
    abstract void handleReady(int events);

    /** Bytes the poller read; the buffer is valid only during the call. */
    abstract void handleReceived(ByteBuffer data);

    /** End of stream (error null) or a read error, found by the poller. */
    abstract void handleReceiveEnded(IOException error);

    /** Whether events for this channel are stale (it closed earlier in the turn). */
    abstract boolean isClosedForEvents();

    /** Closes at once, dropping queued output; used when the engine itself closes. */
    abstract void abortFromEngine();
}
