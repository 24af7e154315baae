// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How the fuzz tests read their inputs: where to cut one to feed an incremental parser in
 * pieces, and how to split one into a text line (a format, a Content-Type) and the bytes after.
 */
public final class FuzzInputs {
    private FuzzInputs() {}

    /**
     * Where to cut {@code b} into reads: a fixed, input-derived set (so a finding replays
     * exactly), at the places a parser is most likely to get wrong: after the first byte, around
     * the first CR and LF, the middle, one byte before the end. Increasing, strictly inside.
     */
    public static int[] cuts(byte[] b) {
        int n = b.length;
        int cr = indexOf(b, (byte) '\r'), lf = indexOf(b, (byte) '\n');
        return Arrays.stream(new int[] {1, cr, cr + 1, lf, lf + 1, n / 2, n - 1})
                .filter(c -> c > 0 && c < n).sorted().distinct().toArray();
    }

    /** What comes before the first LF, as ISO-8859-1 text (empty when there is none). */
    public static String firstLine(byte[] b) {
        return new String(b, 0, Math.max(indexOf(b, (byte) '\n'), 0), StandardCharsets.ISO_8859_1);
    }

    /** What comes after the first LF (all of {@code b} when there is none). */
    public static byte[] afterFirstLine(byte[] b) {
        return Arrays.copyOfRange(b, indexOf(b, (byte) '\n') + 1, b.length);
    }

    private static int indexOf(byte[] b, byte c) {
        for (int i = 0; i < b.length; i++) if (b[i] == c) return i;
        return -1;
    }
}
