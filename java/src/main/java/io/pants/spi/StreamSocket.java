// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connected or connecting stream socket: accepted by a {@link ListenerSocket}, made by
 * {@link Poller#connect} or taken over with {@link Poller#adopt}. Its output goes through
 * {@link Poller#flush}; its input is read here, unless the poller reads it
 * ({@code readOnReady}). Loop thread only.
 */
public interface StreamSocket extends PollerSocket {
    /**
     * Completes a connect after WRITE readiness.
     *
     * @throws IOException the connect failure, if any
     */
    void finishConnect() throws IOException;

    /**
     * Reads into {@code dst}.
     *
     * @param dst where the bytes go, from its position
     * @return bytes read, 0 if nothing is available, -1 at end of stream
     * @throws IOException when reading failed
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Sends FIN after what was written (half-close).
     *
     * @throws IOException when the system refused
     */
    void shutdownOutput() throws IOException;

    /**
     * Disables (or enables) Nagle's algorithm on a TCP socket; ignored on a Unix domain socket.
     *
     * @param on true to send small writes at once
     * @throws IOException when the system refused
     */
    void setNoDelay(boolean on) throws IOException;
}
