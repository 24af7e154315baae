// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.HttpHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Decodes a chunked response body (RFC 9112 section 7.1) as it arrives: hex chunk sizes, each
 * chunk's data and CRLF, a last chunk of size 0, trailer fields and an empty line. Strict about
 * CRLF and sizes: a body we would read differently from another client is a malformed response.
 */
final class ChunkedBodyDecoder {
    /** Receives the data of the chunks, as slices of the input. */
    interface Parts {
        void part(byte[] b, int off, int len) throws HttpClientException;

        /** Whether decoding should stop after this part (the receiver paused): the rest waits for the next call. */
        boolean stopped();
    }

    private static final int SIZE = 0, DATA = 1, DATA_END = 2, TRAILERS = 3, DONE = 4;
    private static final int MAX_LINE = 8 * 1024;

    private final int maxTrailers;
    private int state = SIZE;
    private long chunkLeft;
    private int trailerBytes;
    private HttpHeaders.Builder trailers;

    ChunkedBodyDecoder(int maxTrailers) {
        this.maxTrailers = maxTrailers;
    }

    boolean isDone() { return state == DONE; }

    HttpHeaders trailers() { return trailers == null ? HttpHeaders.EMPTY : trailers.build(); }

    /** Decodes what it can of {@code b[start, end)}; returns how many bytes it consumed. */
    int decode(byte[] b, int start, int end, Parts out) throws HttpClientException {
        int p = start;
        while (p < end && state != DONE) {
            switch (state) {
                case SIZE -> {
                    int lf = lineEnd(b, p, end, "chunk size line");
                    if (lf < 0) return p - start;
                    chunkLeft = chunkSize(b, p, lf - 1);
                    p = lf + 1;
                    state = chunkLeft == 0 ? TRAILERS : DATA;
                }
                case DATA -> {
                    int n = (int) Math.min(chunkLeft, end - p);
                    out.part(b, p, n);
                    p += n;
                    chunkLeft -= n;
                    if (chunkLeft == 0) state = DATA_END;
                    if (out.stopped()) return p - start;
                }
                case DATA_END -> {
                    if (b[p] != '\r' || (end - p >= 2 && b[p + 1] != '\n')) {
                        throw new HttpClientException("malformed chunked body: chunk data longer than its size, or not followed by CRLF");
                    }
                    if (end - p < 2) return p - start;
                    p += 2;
                    state = SIZE;
                }
                case TRAILERS -> {
                    int lf = lineEnd(b, p, end, "trailer line");
                    if (lf < 0) return p - start;
                    trailerBytes += lf + 1 - p;
                    if (trailerBytes > maxTrailers) throw new HttpClientException("the response's trailers are over " + maxTrailers + " bytes");
                    if (lf - 1 == p) {
                        state = DONE;
                    } else {
                        int colon = p;
                        while (colon < lf - 1 && b[colon] != ':') colon++;
                        if (colon == p || colon == lf - 1 || b[colon - 1] == ' ' || b[colon - 1] == '\t') {
                            throw new HttpClientException("malformed trailer field: '" + new String(b, p, lf - 1 - p, StandardCharsets.ISO_8859_1) + "'");
                        }
                        if (trailers == null) trailers = HttpHeaders.builder();
                        trailers.add(new String(b, p, colon - p, StandardCharsets.ISO_8859_1),
                                new String(b, colon + 1, lf - 2 - colon, StandardCharsets.ISO_8859_1).strip());
                    }
                    p = lf + 1;
                }
                default -> throw new IllegalStateException("state " + state);
            }
        }
        return p - start;
    }

    private static int lineEnd(byte[] b, int p, int end, String what) throws HttpClientException {
        int limit = Math.min(end, p + MAX_LINE + 2);
        for (int i = p; i < limit; i++) {
            if (b[i] == '\n') {
                if (i == p || b[i - 1] != '\r') throw new HttpClientException("malformed chunked body: a " + what + " ends in a bare LF");
                return i;
            }
        }
        if (limit - p >= MAX_LINE + 2) throw new HttpClientException("malformed chunked body: a " + what + " over " + MAX_LINE + " bytes");
        return -1;
    }

    private static long chunkSize(byte[] b, int p, int cr) throws HttpClientException {
        long size = 0;
        int i = p;
        for (; i < cr; i++) {
            int d = Character.digit(b[i], 16);
            if (d < 0) break;
            if (i - p == 15) throw new HttpClientException("malformed chunked body: chunk size too long");
            size = size << 4 | d;
        }
        if (i == p || (i < cr && b[i] != ';' && b[i] != ' ' && b[i] != '\t')) {
            throw new HttpClientException("malformed chunked body: invalid chunk size '" + new String(b, p, cr - p, StandardCharsets.ISO_8859_1) + "'");
        }
        return size; // chunk extensions are ignored
    }
}
