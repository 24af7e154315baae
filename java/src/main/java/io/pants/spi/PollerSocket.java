package io.pants.spi;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A non-blocking socket created by a {@link Poller}: a listener, or a stream (accepted or
 * connecting). Loop thread only.
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

    /** Deregisters and closes; idempotent. */
    public abstract void close();

    /** Whether {@link #close()} has been called. */
    public abstract boolean isClosed();
}
