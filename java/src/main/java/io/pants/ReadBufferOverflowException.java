package io.pants;

import java.io.IOException;

/**
 * A stream buffered more input than its limit without completing a piece for its
 * {@link ReadDelimiter}; see {@link Stream#bufferLimit(int)}. The buffered input is dropped.
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
