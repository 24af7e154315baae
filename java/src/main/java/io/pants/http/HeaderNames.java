// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;

/**
 * The header names requests commonly carry, as shared strings: the parser looks a name up here
 * (whatever its case on the wire) instead of allocating a string for it, and recognises the
 * headers that govern framing by identity.
 */
final class HeaderNames {
    static final String HOST = "Host", CONTENT_LENGTH = "Content-Length", TRANSFER_ENCODING = "Transfer-Encoding",
            CONNECTION = "Connection", EXPECT = "Expect", CONTENT_TYPE = "Content-Type", COOKIE = "Cookie",
            RANGE = "Range", IF_RANGE = "If-Range", IF_NONE_MATCH = "If-None-Match", IF_MODIFIED_SINCE = "If-Modified-Since",
            DATE = "Date", SERVER = "Server", UPGRADE = "Upgrade";

    private static final String[] COMMON = {
            HOST, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, EXPECT, CONTENT_TYPE, COOKIE, RANGE, IF_RANGE,
            IF_NONE_MATCH, IF_MODIFIED_SINCE, DATE, "User-Agent", "Accept", "Accept-Encoding", "Accept-Language",
            "Accept-Charset", "Authorization", "Cache-Control", "Pragma", "Origin", "Referer", "Upgrade",
            "Upgrade-Insecure-Requests", "Content-Encoding", "Content-Disposition", "If-Match", "If-Unmodified-Since",
            "X-Forwarded-For", "X-Forwarded-Proto", "X-Requested-With", "Keep-Alive", "TE", "Via", "DNT",
            "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User", "Priority",
    };
    /** COMMON by length, then lower-cased bytes, for the lookup. */
    private static final String[][] BY_LENGTH = new String[32][];
    private static final byte[][][] LOWER_BY_LENGTH = new byte[32][][];

    static {
        for (String name : COMMON) {
            int n = name.length();
            String[] names = BY_LENGTH[n] == null ? new String[0] : BY_LENGTH[n];
            byte[][] lower = LOWER_BY_LENGTH[n] == null ? new byte[0][] : LOWER_BY_LENGTH[n];
            names = java.util.Arrays.copyOf(names, names.length + 1);
            lower = java.util.Arrays.copyOf(lower, lower.length + 1);
            names[names.length - 1] = name;
            lower[lower.length - 1] = name.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.ISO_8859_1);
            BY_LENGTH[n] = names;
            LOWER_BY_LENGTH[n] = lower;
        }
    }

    private HeaderNames() {}

    /** The shared string for the token {@code b[off, off+len)}, or a new one for a name not listed. */
    static String of(byte[] b, int off, int len) {
        if (len < BY_LENGTH.length && BY_LENGTH[len] != null) {
            byte[][] lower = LOWER_BY_LENGTH[len];
            candidates:
            for (int c = 0; c < lower.length; c++) {
                byte[] l = lower[c];
                for (int i = 0; i < len; i++) {
                    int x = b[off + i];
                    if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
                    if (x != l[i]) continue candidates;
                }
                return BY_LENGTH[len][c];
            }
        }
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
}
