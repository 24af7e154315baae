// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;

/**
 * Encodes a body in chunked transfer coding (RFC 9112 section 7.1), the counterpart of
 * {@link ChunkedDecoder}: each chunk is its size in hex, CRLF, the data, CRLF; the body ends with
 * {@link #LAST_CHUNK} (no trailer fields). For streamed responses here, and for request bodies of
 * unknown length in a client.
 */
final class ChunkedEncoder {
    /** The last chunk and the empty trailer section. */
    static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /** Data up to this size is copied next to its framing, to leave in one write; larger data goes as it is. */
    static final int GATHER_LIMIT = 8 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private ChunkedEncoder() {}

    /** Puts {@code data[off, off + len)} as one chunk into {@code out}, framed in {@code scratch}; an empty one is not a chunk (it would end the body). */
    static void putChunk(ByteBuilder scratch, byte[] data, int off, int len, ByteSink out) {
        if (len == 0) return;
        scratch.reset();
        scratch.appendHex(len).crlf();
        if (len <= GATHER_LIMIT) {
            scratch.append(data, off, len).crlf();
            out.put(scratch.bytes, 0, scratch.length);
        } else {
            out.put(scratch.bytes, 0, scratch.length);
            out.put(data, off, len);
            out.put(CRLF, 0, 2);
        }
    }

    /** Ends the body. */
    static void putLastChunk(ByteSink out) {
        out.put(LAST_CHUNK, 0, LAST_CHUNK.length);
    }
}
