// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

/**
 * Decodes a chunked request body (RFC 9112 section 7.1) as its bytes arrive: chunk sizes in hex,
 * each chunk's data followed by CRLF, a last chunk of size 0, then trailer fields and an empty
 * line. Strict like the head parser: a bad size, a missing CRLF or a bare LF is a 400, since a
 * server reading the chunks differently from us is what request smuggling relies on.
 */
final class ChunkedDecoder {
    private static final int SIZE = 0, DATA = 1, DATA_END = 2, TRAILERS = 3, DONE = 4;

    private final long maxBody;
    private final int maxLine, maxTrailers;
    private int state = SIZE;
    private long chunkLeft;
    private long total;
    private int trailerBytes;
    private HttpHeaders trailers = HttpHeaders.EMPTY;

    ChunkedDecoder(long maxBody, int maxLine, int maxTrailers) {
        this.maxBody = maxBody;
        this.maxLine = maxLine;
        this.maxTrailers = maxTrailers;
    }

    boolean isDone() { return state == DONE; }

    /** The trailer fields, once done. */
    HttpHeaders trailers() { return trailers; }

    /**
     * Decodes what it can of {@code b[start, end)}, appending chunk data to {@code body}, and
     * returns how many bytes it consumed; an incomplete line is left for the next call.
     */
    int decode(byte[] b, int start, int end, ByteBuilder body) {
        int p = start;
        while (p < end && state != DONE) {
            switch (state) {
                case SIZE -> {
                    int lf = lineEnd(b, p, end, maxLine, "chunk size line");
                    if (lf < 0) return p - start;
                    chunkLeft = chunkSize(b, p, lf - 1);
                    p = lf + 1;
                    if (chunkLeft > maxBody - total) throw new HttpException(413, "request body over " + maxBody + " bytes");
                    total += chunkLeft;
                    state = chunkLeft == 0 ? TRAILERS : DATA;
                }
                case DATA -> {
                    int n = (int) Math.min(chunkLeft, end - p);
                    body.append(b, p, n);
                    p += n;
                    chunkLeft -= n;
                    if (chunkLeft == 0) state = DATA_END;
                }
                case DATA_END -> {
                    if (end - p < 2) {
                        if (b[p] != '\r') throw new HttpException(400, "chunk data not followed by CRLF");
                        return p - start;
                    }
                    if (b[p] != '\r' || b[p + 1] != '\n') throw new HttpException(400, "chunk data not followed by CRLF");
                    p += 2;
                    state = SIZE;
                }
                case TRAILERS -> {
                    int lf = lineEnd(b, p, end, maxLine, "trailer line");
                    if (lf < 0) return p - start;
                    trailerBytes += lf + 1 - p;
                    if (trailerBytes > maxTrailers) throw new HttpException(431, "trailer section over " + maxTrailers + " bytes");
                    if (lf - 1 == p) {
                        state = DONE;
                    } else {
                        if (trailers == HttpHeaders.EMPTY) trailers = new HttpHeaders(4);
                        FieldParser.parseField(b, p, trailers);
                    }
                    p = lf + 1;
                }
                default -> throw new IllegalStateException("state " + state);
            }
        }
        return p - start;
    }

    /** The index of the LF ending the line at {@code p}, or -1 if it is not all here yet. */
    private static int lineEnd(byte[] b, int p, int end, int max, String what) {
        int limit = (int) Math.min(end, (long) p + max + 2);
        for (int i = p; i < limit; i++) {
            if (b[i] == '\n') {
                if (i == p || b[i - 1] != '\r') throw new HttpException(400, "a " + what + " ends in a bare LF");
                return i;
            }
        }
        if (limit - p >= max + 2) {
            throw new HttpException(what.startsWith("trailer") ? 431 : 400, what + " over " + max + " bytes");
        }
        return -1;
    }

    /** chunk-size [ chunk-ext ] from {@code b[p, cr)}: hex digits, then nothing or extensions. */
    private static long chunkSize(byte[] b, int p, int cr) {
        long size = 0;
        int i = p;
        for (; i < cr; i++) {
            int d = Character.digit(b[i], 16);
            if (d < 0) break;
            if (i - p == 15) throw new HttpException(400, "chunk size too long");
            size = size << 4 | d;
        }
        if (i == p) throw new HttpException(400, "invalid chunk size");
        if (i < cr) {
            // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): ignored, but it must be one
            int j = i;
            while (j < cr && (b[j] == ' ' || b[j] == '\t')) j++;
            if (j == cr || b[j] != ';') throw new HttpException(400, "invalid chunk size");
            for (; j < cr; j++) {
                byte c = b[j];
                if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7f) throw new HttpException(400, "invalid chunk extension");
            }
        }
        return size;
    }
}
