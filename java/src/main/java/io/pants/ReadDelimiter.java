// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link Stream} cuts its input into the pieces handed to {@link Stream#onRead(byte[])}.
 * Set it with {@link Stream#readDelimiter(ReadDelimiter)} (or one of its shortcuts), at any
 * time, also inside {@code onRead}: the new delimiter applies at once to the rest of what is
 * buffered.
 *
 * <pre>{@code
 * readDelimiter("\r\n");                                // lines, without the CRLF
 * readDelimiter(4);                                     // exactly 4 bytes at a time
 * readDelimiter(Pattern.compile("\\s*;\\s*"));          // up to a regex match
 * readDelimiter(ReadDelimiter.lengthPrefixed(2));      // 2-byte big-endian length, then the frame
 * readDelimiter(ReadDelimiter.struct(Struct.of("!HI")));// a fixed-size binary record
 * readDelimiter(ReadDelimiter.custom(this::decode));    // the protocol's own framing, see Decoder
 * }</pre>
 *
 * <p>No piece is longer than the stream's {@link Stream#bufferLimit(int) buffer limit}, the
 * maximum line or frame size: one that would be is dropped and reported to
 * {@link Stream#onOverflowError} instead, whether it arrives in one read or many; what each kind
 * counts is described there. {@link #none()} cuts larger chunks into pieces of the limit.
 *
 * <p>At end of stream, complete pieces are delivered first. What remains then is delivered as
 * a last, shorter piece for {@link #none()}, {@link #bytes(int)} (like
 * {@link java.io.InputStream#readNBytes(int)}), byte-sequence and pattern delimiters (like a
 * last line without a newline); a partial {@link #struct} or {@link #lengthPrefixed} frame is
 * not a frame, so it is dropped with a warning in the log. What a {@link #custom} decoder left
 * is delivered as a last piece too, for it to judge.
 *
 * @since 0.1
 */
public abstract class ReadDelimiter {
    /** {@link #frame} found a piece. */
    static final int FOUND = 0;
    /** {@link #frame} needs more input. */
    static final int MORE = -1;
    /**
     * {@link #frame} saw that the next piece is longer than the limit; {@code out[0]} holds the
     * bytes it needs when that is known (a length prefix, a record size), else 0.
     */
    static final int TOO_LARGE = -2;

    private ReadDelimiter() {}

    /**
     * Looks for the next piece in {@code buf[start, end)}, a piece of at most {@code limit}
     * bytes. On FOUND, {@code out} holds the piece's bounds {@code [out[0], out[1])} and where the
     * rest starts ({@code out[2]}). MORE only while a piece within the limit may still come, so
     * each kind bounds what waits: {@code limit} bytes, plus what its delimiter or prefix needs.
     */
    abstract int frame(byte[] buf, int start, int end, int limit, int[] out);

    /** {@link #frame}'s answer for a piece {@code [from, to)}, the rest starting at {@code next}. */
    private static int found(int[] out, int from, int to, int next) {
        out[0] = from;
        out[1] = to;
        out[2] = next;
        return FOUND;
    }

    /** {@link #frame}'s answer for a piece over the limit that needs {@code needed} bytes (0: not known). */
    private static int tooLarge(int[] out, int needed) {
        out[0] = needed;
        return TOO_LARGE;
    }

    /** Whether a trailing partial piece is delivered at end of stream (see the class comment). */
    abstract boolean deliversRemainderAtEof();

    /** A {@link #custom} delimiter's decoder, which the stream hands its buffer instead of framing; else null. */
    Decoder decoder() { return null; }

    private static final ReadDelimiter NONE = new ReadDelimiter() {
        @Override
        int frame(byte[] buf, int start, int end, int limit, int[] out) {
            int to = end - start <= limit ? end : start + limit; // a chunk larger than the limit comes in pieces
            return found(out, start, to, to);
        }

        @Override
        boolean deliversRemainderAtEof() { return true; }

        @Override
        public String toString() { return "none"; }
    };

    /** Every chunk as it arrives, cut into pieces of at most the buffer limit. The default. */
    public static ReadDelimiter none() { return NONE; }

    /**
     * Exactly {@code count} bytes at a time.
     *
     * @param count the size of every piece
     * @return the delimiter
     * @throws IllegalArgumentException if {@code count} is not positive
     */
    public static ReadDelimiter bytes(int count) {
        if (count <= 0) throw new IllegalArgumentException("byte count must be positive, got " + count);
        return new Fixed(count, "bytes(" + count + ")", true);
    }

    /**
     * Data up to each occurrence of {@code delimiter}, which is dropped.
     *
     * @param delimiter the bytes that end each piece (copied)
     * @return the delimiter
     * @throws IllegalArgumentException if {@code delimiter} is empty
     */
    public static ReadDelimiter of(byte[] delimiter) {
        if (delimiter.length == 0) throw new IllegalArgumentException("the delimiter must not be empty");
        return new Sequence(delimiter.clone());
    }

    /**
     * Data up to each occurrence of {@code delimiter} (UTF-8), which is dropped.
     *
     * @param delimiter the text that ends each piece, such as {@code "\r\n"}
     * @return the delimiter
     * @throws IllegalArgumentException if {@code delimiter} is empty
     */
    public static ReadDelimiter of(String delimiter) {
        return of(delimiter.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Data before each match of {@code pattern}, the match being dropped. The pattern sees each
     * byte as one character (ISO-8859-1), so ASCII patterns work on UTF-8 input and offsets are
     * byte offsets. Empty matches are ignored. A pattern whose match could grow with more input
     * (a trailing {@code \r?} say) matches what has arrived so far.
     *
     * @param pattern what ends each piece
     * @return the delimiter
     */
    public static ReadDelimiter pattern(Pattern pattern) {
        return new Regex(Objects.requireNonNull(pattern));
    }

    /** One fixed-size binary record laid out by {@code struct}: {@code struct.size()} bytes. */
    public static ReadDelimiter struct(Struct struct) {
        return new Fixed(struct.size(), "struct(" + struct + ")", false);
    }

    /**
     * Frames preceded by an unsigned big-endian length of {@code prefixBytes} (1, 2, 4 or 8).
     * The piece delivered is the frame, without its prefix.
     *
     * @param prefixBytes the length prefix's size
     * @return the delimiter
     * @throws IllegalArgumentException if {@code prefixBytes} is not 1, 2, 4 or 8
     */
    public static ReadDelimiter lengthPrefixed(int prefixBytes) {
        return lengthPrefixed(prefixBytes, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Frames preceded by an unsigned length of {@code prefixBytes} (1, 2, 4 or 8) in {@code order}.
     *
     * @param prefixBytes the length prefix's size
     * @param order       the length prefix's byte order
     * @return the delimiter
     * @throws IllegalArgumentException if {@code prefixBytes} is not 1, 2, 4 or 8
     */
    public static ReadDelimiter lengthPrefixed(int prefixBytes, ByteOrder order) {
        if (prefixBytes != 1 && prefixBytes != 2 && prefixBytes != 4 && prefixBytes != 8) {
            throw new IllegalArgumentException("length prefix must be 1, 2, 4 or 8 bytes, got " + prefixBytes);
        }
        return new LengthPrefixed(prefixBytes, order == ByteOrder.BIG_ENDIAN);
    }

    /**
     * The protocol's own framing: the stream hands {@code decoder} the input it holds, and keeps
     * what the decoder leaves for the next call, so that the decoder (a protocol's parser) needs
     * no buffer of its own. See {@link Decoder}.
     *
     * @param decoder takes what it can of the input
     * @return the delimiter
     */
    public static ReadDelimiter custom(Decoder decoder) {
        return new Custom(Objects.requireNonNull(decoder, "decoder"));
    }

    /**
     * A protocol decoder on a stream's input buffer, for {@link #custom}: it is handed the bytes
     * that have arrived and are not taken yet, takes the messages it finds there, and says how
     * many bytes it took; the stream keeps the rest and calls again when more has arrived.
     * Nothing is copied for it: a message that arrives in one read is decoded where the read put
     * it. A two-byte length, then a message of that length:
     *
     * <pre>{@code
     * class Messages extends Stream {
     *     Messages() { readDelimiter(ReadDelimiter.custom(this::decode)); }
     *
     *     private int decode(byte[] buf, int start, int end) {
     *         int p = start;
     *         while (end - p >= 2) {
     *             int length = (buf[p] & 0xff) << 8 | buf[p + 1] & 0xff;
     *             if (2 + length > bufferLimit()) return ReadDelimiter.Decoder.TOO_LARGE;
     *             if (end - p - 2 < length) break;           // the rest waits in the stream
     *             onMessage(new String(buf, p + 2, length, StandardCharsets.UTF_8));
     *             p += 2 + length;
     *         }
     *         return p - start;                              // what was taken
     *     }
     * }
     * }</pre>
     *
     * <ul>
     *   <li>The bytes are lent for the call: the stream reuses its buffer, so copy what you keep.
     *   <li>The decoder may take one message or all it finds; while it takes something, input is
     *       left and reading is not paused, it is called again with the rest. 0 means it waits
     *       for more.
     *   <li>What it leaves waiting is at most the stream's {@link Stream#bufferLimit(int) buffer
     *       limit}: when more waits, or when it returns {@link #TOO_LARGE}, the input is dropped
     *       and {@link Stream#onOverflowError} told, as for the other delimiters.
     *   <li>{@link Stream#pauseReading()} in the decoder: return what you took; the rest waits
     *       until {@link Stream#resumeReading()}. A delimiter set in it applies to the rest.
     *   <li>At end of stream, what it left (a message cut off) goes to {@link Stream#onRead} as a
     *       last piece, which by default ignores it; then {@link Stream#onEndOfInput()}.
     *   <li>What it throws is logged, and the stream closes: its input can no longer be decoded.
     *       {@link Stream#startTls} can't be called in it (the stream doesn't know yet where the
     *       decoder stopped); pause, and call it once the decoder has returned.
     * </ul>
     *
     * @since 0.1
     */
    @FunctionalInterface
    public interface Decoder {
        /** What {@link #decode} returns for a message longer than the decoder accepts: the input overflows. */
        int TOO_LARGE = -1;

        /**
         * Takes what it can of {@code buf[start, end)}, the input not taken yet.
         *
         * @param buf   the stream's buffer, lent for this call
         * @param start where the input starts
         * @param end   where it ends (more than {@code start})
         * @return how many bytes from {@code start} it took, from 0 to {@code end - start}, or
         *         {@link #TOO_LARGE}
         */
        int decode(byte[] buf, int start, int end);
    }

    private static final class Custom extends ReadDelimiter {
        private final Decoder decoder;

        Custom(Decoder decoder) { this.decoder = decoder; }

        @Override
        int frame(byte[] buf, int start, int end, int limit, int[] out) {
            throw new IllegalStateException("a custom delimiter decodes, it doesn't frame"); // the stream asks decoder()
        }

        @Override
        Decoder decoder() { return decoder; }

        @Override
        boolean deliversRemainderAtEof() { return true; }

        @Override
        public String toString() { return "custom(" + decoder + ")"; }
    }

    private static final class Fixed extends ReadDelimiter {
        private final int count;
        private final String name;
        private final boolean remainderAtEof;

        Fixed(int count, String name, boolean remainderAtEof) {
            this.count = count;
            this.name = name;
            this.remainderAtEof = remainderAtEof;
        }

        @Override
        int frame(byte[] buf, int start, int end, int limit, int[] out) {
            if (count > limit) {
                return tooLarge(out, count);
            }
            if (end - start < count) return MORE;
            return found(out, start, start + count, start + count);
        }

        @Override
        boolean deliversRemainderAtEof() { return remainderAtEof; }

        @Override
        public String toString() { return name; }
    }

    private static final class Sequence extends ReadDelimiter {
        private final byte[] delimiter;

        Sequence(byte[] delimiter) { this.delimiter = delimiter; }

        @Override
        int frame(byte[] buf, int start, int end, int limit, int[] out) {
            byte first = delimiter[0];
            int n = delimiter.length;
            // a delimiter starting after start + limit would end a piece over the limit: look no further
            int last = end - start - n <= limit ? end - n : start + limit;
            for (int i = start; i <= last; i++) {
                if (buf[i] == first && Arrays.equals(buf, i, i + delimiter.length, delimiter, 0, delimiter.length)) {
                    return found(out, start, i, i + n);
                }
            }
            // not within the limit, and no room left for a delimiter that would be
            if (end - start - n >= limit) {
                return tooLarge(out, 0);
            }
            return MORE;
        }

        @Override
        boolean deliversRemainderAtEof() { return true; }

        @Override
        public String toString() { return "delimiter(" + new String(delimiter, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n") + ")"; }
    }

    private static final class Regex extends ReadDelimiter {
        private final Pattern pattern;

        Regex(Pattern pattern) { this.pattern = pattern; }

        @Override
        int frame(byte[] buf, int start, int end, int limit, int[] out) {
            Matcher m = pattern.matcher(new Latin1Chars(buf, start, end));
            while (m.find()) {
                if (m.end() > m.start()) {
                    if (m.start() > limit) break;
                    return found(out, start, start + m.start(), start + m.end());
                }
            }
            // a match's length is unknown until it is complete, so one still arriving counts too
            if (end - start > limit) {
                return tooLarge(out, 0);
            }
            return MORE;
        }

        @Override
        boolean deliversRemainderAtEof() { return true; }

        @Override
        public String toString() { return "pattern(" + pattern + ")"; }
    }

    private static final class LengthPrefixed extends ReadDelimiter {
        private final int prefix;
        private final boolean bigEndian;

        LengthPrefixed(int prefix, boolean bigEndian) {
            this.prefix = prefix;
            this.bigEndian = bigEndian;
        }

        @Override
        int frame(byte[] buf, int start, int end, int limit, int[] out) {
            if (end - start < prefix) return MORE;
            long length = 0;
            for (int i = 0; i < prefix; i++) {
                int b = buf[start + (bigEndian ? i : prefix - 1 - i)] & 0xff;
                length = (length << 8) | b;
            }
            if (length < 0 || length > limit) {
                // an 8-byte length may not fit a long (negative here), let alone an int
                return tooLarge(out, length < 0 || length > Integer.MAX_VALUE - prefix ? Integer.MAX_VALUE : (int) (prefix + length));
            }
            long frameEnd = start + prefix + length;
            if (frameEnd > end) return MORE;
            return found(out, start + prefix, (int) frameEnd, (int) frameEnd);
        }

        @Override
        boolean deliversRemainderAtEof() { return false; }

        @Override
        public String toString() { return "lengthPrefixed(" + prefix + (bigEndian ? ", big-endian)" : ", little-endian)"); }
    }

    /** Bytes seen as ISO-8859-1 characters, without copying, for regex matching. */
    private static final class Latin1Chars implements CharSequence {
        private final byte[] buf;
        private final int start, end;

        Latin1Chars(byte[] buf, int start, int end) {
            this.buf = buf;
            this.start = start;
            this.end = end;
        }

        @Override public int length() { return end - start; }
        @Override public char charAt(int index) { return (char) (buf[start + index] & 0xff); }
        @Override public CharSequence subSequence(int from, int to) { return new Latin1Chars(buf, start + from, start + to); }
        @Override public String toString() { return new String(buf, start, end - start, StandardCharsets.ISO_8859_1); }
    }
}
