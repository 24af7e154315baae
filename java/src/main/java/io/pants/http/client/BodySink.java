// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

/**
 * Where a {@link BodySource} writes a streamed request body. With a {@code Content-Length}
 * header set on the request, exactly that many bytes must be written; without, the body goes
 * chunked. Loop thread only.
 *
 * @since 0.1
 */
public interface BodySink {
    /** Sends {@code data} (copied: the array stays yours). */
    void write(byte[] data);

    /** Sends {@code len} bytes of {@code data} from {@code off}. */
    void write(byte[] data, int off, int len);

    /** False while the connection's send queue is above its high water mark: wait for {@link #onDrain}. */
    boolean isWritable();

    /** Runs {@code callback} once, when the send queue is down to its low water mark (at once if it is). */
    void onDrain(Runnable callback);

    /** The body is complete. */
    void end();

    /** Whether the request has ended (answered, failed or cancelled): writing is pointless then. */
    boolean isClosed();
}
