package io.pants;

import java.util.Arrays;

/**
 * Where fuzz tests cut an input to feed an incremental parser in pieces, as reads would arrive:
 * a fixed, input-derived set (so a finding replays exactly), at the places a parser is most
 * likely to get wrong: right after the first byte, around the first CR and LF, the middle, and
 * one byte before the end.
 */
public final class Cuts {
    private Cuts() {}

    /** Increasing positions strictly inside {@code b}, each at most once. */
    public static int[] of(byte[] b) {
        int n = b.length;
        int cr = indexOf(b, (byte) '\r'), lf = indexOf(b, (byte) '\n');
        return Arrays.stream(new int[] {1, cr, cr + 1, lf, lf + 1, n / 2, n - 1})
                .filter(c -> c > 0 && c < n).sorted().distinct().toArray();
    }

    private static int indexOf(byte[] b, byte c) {
        for (int i = 0; i < b.length; i++) if (b[i] == c) return i;
        return -1;
    }
}
