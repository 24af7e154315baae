// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.util.Arrays;

/**
 * Reads a message body framed by a {@code Content-Length} or by chunked coding (RFC 9112 sections
 * 6.2 and 7.1) from bytes as they arrive: whole (collected, for {@link #body()}) or streamed (each
 * read's bytes a part, for {@link #takePart()}). One per connection, reused body after body: a
 * server's request bodies here, a client's response bodies later; the message's head decides
 * the framing, this only follows it.
 */
final class BodyReader implements io.pants.http.wire.HttpWire.BodyFraming {
    /** The largest collected part of a body of known length allocated up front; more grows as it comes. */
    private static final int INITIAL_COLLECT = 64 * 1024;

    private final long maxWholeChunked;
    private final int maxLine, maxTrailers;
    private boolean whole;
    /** Bytes of a Content-Length body still to come; unused for a chunked one. */
    private long left;
    /** Set for a chunked body. */
    private ChunkedDecoder chunks;
    private ByteBuilder collected;
    private byte[] body, part;
    private HttpHeaders trailers = HttpHeaders.EMPTY;
    private boolean done;

    /** {@code maxWholeChunked}: the limit of a whole chunked body (a length-framed one is checked against its head). */
    BodyReader(long maxWholeChunked, int maxLine, int maxTrailers) {
        this.maxWholeChunked = maxWholeChunked;
        this.maxLine = maxLine;
        this.maxTrailers = maxTrailers;
    }

    /** A body of {@code length} bytes (more than 0) follows. */
    @Override
    public void startFixed(long length, boolean whole) {
        clear();
        this.whole = whole;
        this.left = length;
    }

    /** A chunked body follows. */
    @Override
    public void startChunked(boolean whole) {
        clear();
        this.whole = whole;
        chunks = new ChunkedDecoder(whole ? maxWholeChunked : Long.MAX_VALUE, maxLine, maxTrailers);
        if (whole) collected = new ByteBuilder(1024);
    }

    /**
     * Reads what it can of {@code b[start, end)} and returns how many bytes belong to the body
     * (the rest is the next message's).
     *
     * @throws HttpException for a malformed chunked body, or one over the limit
     */
    @Override
    public int read(byte[] b, int start, int end) {
        return chunks != null ? readChunked(b, start, end) : readFixed(b, start, end);
    }

    private int readFixed(byte[] b, int start, int end) {
        int n = (int) Math.min(left, end - start);
        left -= n;
        if (!whole) {
            part = Arrays.copyOfRange(b, start, start + n);
        } else if (collected == null && left == 0) {
            body = Arrays.copyOfRange(b, start, start + n); // all here at once: one copy
        } else {
            if (collected == null) collected = new ByteBuilder((int) Math.min(left + n, INITIAL_COLLECT));
            collected.append(b, start, n);
        }
        if (left == 0) {
            if (collected != null) body = collected.toArray();
            done = true;
        }
        return n;
    }

    private int readChunked(byte[] b, int start, int end) {
        ByteBuilder into = whole ? collected : new ByteBuilder(Math.min(end - start, INITIAL_COLLECT));
        int n = chunks.decode(b, start, end, into);
        if (!whole && into.length > 0) part = into.toArray();
        if (chunks.isDone()) {
            if (whole) body = collected.toArray();
            trailers = chunks.trailers();
            done = true;
        }
        return n;
    }

    @Override
    public boolean isDone() { return done; }

    /** A streamed body's bytes from the last read, once (null if it had none). */
    @Override
    public byte[] takePart() {
        byte[] p = part;
        part = null;
        return p;
    }

    /** A whole body, once done. */
    byte[] body() { return body; }

    /** A chunked body's trailer fields, once done; empty for others. */
    @Override
    public HttpHeaders trailers() { return trailers; }

    /** Forgets the body: nothing is read until the next start. */
    @Override
    public void clear() {
        left = 0;
        chunks = null;
        collected = null;
        body = part = null;
        trailers = HttpHeaders.EMPTY;
        done = false;
    }
}
