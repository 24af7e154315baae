// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;

/**
 * The next piece of a stream's input, as its {@link ReadDelimiter} cuts it, would be longer than
 * the stream's limit (the maximum line or frame size, see {@link Stream#bufferLimit(int)}). The
 * buffered input is dropped; nothing of the piece is delivered.
 *
 * @since 0.1
 */
public class ReadBufferOverflowException extends IOException {
    private final int buffered;
    private final int limit;

    public ReadBufferOverflowException(String message, int buffered, int limit) {
        super(message);
        this.buffered = buffered;
        this.limit = limit;
    }

    /**
     * How many bytes were buffered; for a frame that can never fit (its length prefix, struct
     * or byte count says so), how many the whole frame needs, length prefix included.
     */
    public int buffered() { return buffered; }

    public int limit() { return limit; }
}
