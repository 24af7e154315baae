// SPDX-License-Identifier: Apache-2.0
package io.pants;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes every kind of {@link ReadDelimiter} through {@link ReadDelimiter#frame}, called the way
 * {@link Stream} calls it: after each read on everything buffered, until it needs more; at the
 * end of input the remainder is delivered or dropped. An input is a kind byte, a parameter byte,
 * a buffer-limit byte (0: no practical limit), then the stream's bytes.
 *
 * <p>Properties: every byte of the input is accounted for, in order (pieces, the delimiters or
 * prefixes between them, the remainder); each piece is what its kind promises; and, for every
 * kind whose pieces don't depend on how the input was read (all but {@code none} and a pattern
 * whose match can grow), input arriving in pieces gives the same pieces as input arriving whole.
 */
class ReadDelimiterFuzzTest {
    private static final String[] STRINGS = {"\r\n", "\n", "||", "\u00e9", "\u0000", "END"};
    /** Patterns whose matches have one length: found on a prefix, a match is found on the whole too. */
    private static final String[] FIXED_PATTERNS = {"\r\n", "[;,]", "\\d{2}", "ab|cd", "(?i)end", "\\x00\\xff", "[^\\x00-\\x7f]"};
    /** Patterns whose match can grow as input arrives: split input may be cut differently (documented). */
    private static final String[] GROWING_PATTERNS = {"\\s*;\\s*", "\r?\n", "a+", "(?m)$\\n?"};
    private static final String[] STRUCTS = {"!HI", "<q", "B", "3s?", "!d", "=0s2x"};
    private static final int NO_LIMIT = 1 << 20;

    @FuzzTest(maxDuration = "5m")
    void everyKindFramesAllInputAndSplitInputAlike(byte[] input) {
        if (input.length < 3) return;
        int kind = (input[0] & 0xff) % 7, p = input[1] & 0xff, limitByte = input[2] & 0xff;
        byte[] data = Arrays.copyOfRange(input, 3, input.length);
        byte[] delimiter = null;
        boolean cutIndependent = true;
        ReadDelimiter d;
        switch (kind) {
            case 0 -> { d = ReadDelimiter.none(); cutIndependent = false; }
            case 1 -> d = ReadDelimiter.bytes(1 + p % 16);
            case 2 -> {
                // the delimiter is the first 1 to 4 bytes of the data
                delimiter = Arrays.copyOf(data, Math.min(data.length, 1 + p % 4));
                if (delimiter.length == 0) return;
                data = Arrays.copyOfRange(data, delimiter.length, data.length);
                d = ReadDelimiter.of(delimiter);
            }
            case 3 -> {
                String s = STRINGS[p % STRINGS.length];
                delimiter = s.getBytes(StandardCharsets.UTF_8);
                d = ReadDelimiter.of(s);
            }
            case 4 -> {
                boolean growing = (p & 0x80) != 0;
                String[] patterns = growing ? GROWING_PATTERNS : FIXED_PATTERNS;
                d = ReadDelimiter.pattern(Pattern.compile(patterns[(p & 0x7f) % patterns.length]));
                cutIndependent = !growing;
            }
            case 5 -> d = ReadDelimiter.struct(Struct.of(STRUCTS[p % STRUCTS.length]));
            default -> d = ReadDelimiter.lengthPrefixed(1 << (p % 4), (p & 4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        }
        // a limit on what may be buffered makes the pieces depend on the reads for the kinds that
        // search (a delimiter found in one big read, say, overflows when it comes in small ones):
        // those get no practical limit; the sized kinds check their frame size against it
        boolean sized = kind == 1 || kind == 5 || kind == 6;
        int limit = sized && limitByte != 0 ? limitByte : NO_LIMIT;

        int[] cuts = FuzzInputs.cuts(data);
        Framing whole = Framing.run(d, limit, data), split = Framing.run(d, limit, data, cuts);
        for (Framing f : List.of(whole, split)) {
            assertArrayEquals(data, f.everything.toByteArray(), d + ": the pieces and what lay between them are the input");
            for (byte[] piece : f.pieces) {
                if (delimiter != null) assertTrue(indexOf(piece, delimiter) < 0, d + ": a piece holds its delimiter");
            }
        }
        if (kind == 0) {
            assertEquals(pieces(chunks(data, new int[0])), pieces(whole.pieces), "none: one read, one piece");
            assertEquals(pieces(chunks(data, cuts)), pieces(split.pieces), "none: each read a piece");
        }
        if (kind == 1 || kind == 5) {
            for (int i = 0; i < whole.pieces.size() - 1; i++) {
                assertEquals(whole.pieces.get(0).length, whole.pieces.get(i).length, d + ": piece sizes");
            }
        }
        if (cutIndependent) {
            assertEquals(pieces(whole.pieces), pieces(split.pieces), d + ": pieces from one read vs reads cut at " + Arrays.toString(cuts));
            assertEquals(whole.overflowed, split.overflowed, d + ": overflow from one read vs reads cut at " + Arrays.toString(cuts));
        }
    }

    /**
     * The pieces a stream with delimiter {@code d} delivers from {@code data} read in parts
     * ending at {@code cuts} and at its end, and everything it passed over on the way.
     */
    private static final class Framing {
        final List<byte[]> pieces = new ArrayList<>();
        /** The pieces, the bytes between them (delimiters, prefixes), a remainder dropped at the end. */
        final ByteArrayOutputStream everything = new ByteArrayOutputStream();
        boolean overflowed;

        static Framing run(ReadDelimiter d, int limit, byte[] data, int... cuts) {
            Framing f = new Framing();
            int start = 0, end = 0;
            int[] out = new int[3];
            for (int readEnd : append(cuts, data.length)) {
                end = readEnd;
                while (end > start) {
                    int r = d.frame(data, start, end, limit, out);
                    // as StreamInput.processInput: the delimiter itself says when what waits is too large
                    if (r == ReadDelimiter.MORE) break;
                    if (r == ReadDelimiter.TOO_LARGE) {
                        assertTrue(out[0] > limit, d + ": too large for " + limit + " but needs " + out[0]);
                        f.overflowed = true;
                        break;
                    }
                    assertEquals(ReadDelimiter.FOUND, r, d + ": frame's answer");
                    assertTrue(start <= out[0] && out[0] <= out[1] && out[1] <= out[2] && out[2] <= end && out[2] > start,
                            d + ": piece bounds " + Arrays.toString(out) + " in [" + start + ", " + end + ")");
                    f.everything.write(data, start, out[2] - start);
                    f.pieces.add(Arrays.copyOfRange(data, out[0], out[1]));
                    start = out[2];
                }
                if (f.overflowed) { // the stream drops its buffer and, by default, closes
                    f.everything.write(data, start, data.length - start);
                    return f;
                }
            }
            if (end > start && d.deliversRemainderAtEof()) f.pieces.add(Arrays.copyOfRange(data, start, end));
            f.everything.write(data, start, end - start);
            return f;
        }
    }

    private static List<List<Byte>> pieces(List<byte[]> pieces) {
        List<List<Byte>> out = new ArrayList<>();
        for (byte[] p : pieces) {
            List<Byte> l = new ArrayList<>(p.length);
            for (byte b : p) l.add(b);
            out.add(l);
        }
        return out;
    }

    private static List<byte[]> chunks(byte[] data, int[] cuts) {
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int c : append(cuts, data.length)) {
            if (c > from) out.add(Arrays.copyOfRange(data, from, c));
            from = c;
        }
        return out;
    }

    private static int[] append(int[] a, int last) {
        int[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = last;
        return r;
    }

    private static int indexOf(byte[] b, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= b.length; i++) {
            for (int j = 0; j < what.length; j++) if (b[i + j] != what[j]) continue outer;
            return i;
        }
        return -1;
    }
}
