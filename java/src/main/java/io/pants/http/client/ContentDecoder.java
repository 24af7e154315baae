// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes a {@code gzip} or {@code deflate} content coding (RFC 9110 8.4.1) part by part as the
 * body arrives, with {@link Inflater}. gzip's header and trailer (RFC 1952) are read here, and its
 * CRC and length checked: a truncated or corrupt body fails its request. {@code deflate} is meant
 * to be zlib-wrapped (RFC 1950), but some servers send it raw: the first two bytes tell which.
 */
final class ContentDecoder {
    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
    private static final int HEADER = 0, INFLATE = 1, TRAILER = 2, DONE = 3;

    private final boolean gzip;
    private Inflater inflater;
    private int state;
    /** gzip's header or trailer, or deflate's first two bytes, as they arrive. */
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final CRC32 crc = new CRC32();
    private long size;
    private final byte[] out = new byte[16 * 1024];

    private ContentDecoder(boolean gzip) {
        this.gzip = gzip;
    }

    /** A decoder for {@code Content-Encoding: coding}, or null for one we leave alone. */
    static ContentDecoder forCoding(String coding) {
        if (coding == null) return null;
        String c = coding.strip();
        if (c.equalsIgnoreCase("gzip") || c.equalsIgnoreCase("x-gzip")) return new ContentDecoder(true);
        if (c.equalsIgnoreCase("deflate")) return new ContentDecoder(false);
        return null;
    }

    /** Decodes {@code b[off, off+len)}; returns what it decoded (possibly nothing). */
    byte[] decode(byte[] b, int off, int len) throws HttpClientException {
        ByteArrayOutputStream decoded = new ByteArrayOutputStream();
        int p = off, end = off + len;
        while (p < end) {
            switch (state) {
                case HEADER -> {
                    int take = Math.min(end - p, 16 * 1024);
                    pending.write(b, p, take);
                    p += take;
                    byte[] h = pending.toByteArray();
                    int headerLength = gzip ? gzipHeaderLength(h) : (h.length >= 2 ? 0 : -1);
                    if (headerLength < 0) continue;
                    pending.reset();
                    if (gzip) {
                        inflater = new Inflater(true);
                    } else {
                        // a zlib header: CM 8 in the low nibble, and the first two bytes a multiple of 31
                        boolean zlib = (h[0] & 0x0f) == 8 && (((h[0] & 0xff) << 8) | (h[1] & 0xff)) % 31 == 0;
                        inflater = new Inflater(!zlib);
                    }
                    state = INFLATE;
                    inflate(h, headerLength, h.length - headerLength, decoded);
                }
                case INFLATE -> {
                    int n = end - p;
                    int used = inflate(b, p, n, decoded);
                    p += used;
                }
                case TRAILER -> {
                    int take = Math.min(end - p, 8 - pending.size());
                    pending.write(b, p, take);
                    p += take;
                    if (pending.size() == 8) checkTrailer(pending.toByteArray());
                }
                default -> throw new HttpClientException("the " + (gzip ? "gzip" : "deflate") + " body goes on after its end: " + (end - p) + " more bytes");
            }
        }
        return decoded.toByteArray();
    }

    /** Feeds {@code b[off, off+len)} to the inflater; returns how many bytes it took (the rest follow its end). */
    private int inflate(byte[] b, int off, int len, ByteArrayOutputStream decoded) throws HttpClientException {
        inflater.setInput(b, off, len);
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(out);
                if (n > 0) {
                    decoded.write(out, 0, n);
                    if (gzip) crc.update(out, 0, n);
                    size += n;
                } else if (inflater.needsInput()) {
                    return len;
                } else if (inflater.needsDictionary()) {
                    throw new HttpClientException("the deflate body needs a preset dictionary, which HTTP has no way to name");
                }
            }
        } catch (DataFormatException e) {
            throw new HttpClientException("the " + (gzip ? "gzip" : "deflate") + " body is corrupt: " + e.getMessage(), e);
        }
        int rest = inflater.getRemaining();
        inflater.end();
        state = gzip ? TRAILER : DONE;
        if (gzip && rest > 0) {
            int take = Math.min(rest, 8);
            pending.write(b, off + len - rest, take);
            if (pending.size() == 8) checkTrailer(pending.toByteArray());
            return len - rest + take;
        }
        return len - rest;
    }

    private void checkTrailer(byte[] t) throws HttpClientException {
        long crcValue = (t[0] & 0xffL) | (t[1] & 0xffL) << 8 | (t[2] & 0xffL) << 16 | (t[3] & 0xffL) << 24;
        long isize = (t[4] & 0xffL) | (t[5] & 0xffL) << 8 | (t[6] & 0xffL) << 16 | (t[7] & 0xffL) << 24;
        if (crcValue != crc.getValue()) throw new HttpClientException("the gzip body is corrupt: its CRC does not match");
        if (isize != (size & 0xffffffffL)) throw new HttpClientException("the gzip body is corrupt: its length does not match");
        state = DONE;
    }

    /** Checks that the coded body ended where the body did. */
    void finish() throws HttpClientException {
        if (state == DONE) return;
        if (state == HEADER && pending.size() == 0) return; // an empty body: nothing was coded
        if (inflater != null) inflater.end();
        throw new HttpClientException("the " + (gzip ? "gzip" : "deflate") + " body is truncated");
    }

    /** Gives the inflater's native memory back early (a request that failed, say). */
    void release() {
        if (inflater != null) inflater.end();
    }

    /** The length of the gzip header at the start of {@code h}, or -1 if it is not all there. */
    private static int gzipHeaderLength(byte[] h) throws HttpClientException {
        if (h.length < 10) return -1;
        if ((h[0] & 0xff) != 0x1f || (h[1] & 0xff) != 0x8b || h[2] != 8) {
            throw new HttpClientException("the body is not gzip although its Content-Encoding says so");
        }
        int flags = h[3] & 0xff;
        int p = 10;
        if ((flags & FEXTRA) != 0) {
            if (h.length < p + 2) return -1;
            p += 2 + ((h[p] & 0xff) | (h[p + 1] & 0xff) << 8);
        }
        if ((flags & FNAME) != 0) {
            while (p < h.length && h[p] != 0) p++;
            if (p++ >= h.length) return -1;
        }
        if ((flags & FCOMMENT) != 0) {
            while (p < h.length && h[p] != 0) p++;
            if (p++ >= h.length) return -1;
        }
        if ((flags & FHCRC) != 0) p += 2;
        return p <= h.length ? p : -1;
    }
}
