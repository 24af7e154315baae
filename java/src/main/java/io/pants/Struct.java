// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed binary layout, written like Python's {@code struct} formats, for framing binary
 * protocols with {@link ReadDelimiter#struct(Struct)} and for building their messages.
 *
 * <p>The first character may give the byte order: {@code !} or {@code >} big-endian (network
 * order, the default), {@code <} little-endian, {@code =} native. Then fields, each optionally
 * preceded by a repeat count: {@code x} pad byte, {@code b}/{@code B} signed/unsigned byte,
 * {@code ?} boolean, {@code h}/{@code H} 16-bit, {@code i}/{@code I} and {@code l}/{@code L}
 * 32-bit, {@code q}/{@code Q} 64-bit, {@code f} float, {@code d} double, and {@code Ns} a byte
 * string of N bytes. There is no alignment padding.
 *
 * <pre>{@code
 * Struct header = Struct.of("!HI");               // u16 then u32, big-endian: 6 bytes
 * byte[] bytes = header.pack(7, 1_000_000L);
 * Struct.Values v = header.unpack(bytes);          // v.getInt(0) == 7, v.getLong(1) == 1_000_000
 * }</pre>
 *
 * @since 0.1
 */
public final class Struct {
    /** Far beyond any protocol header, and it keeps a typo like "2000000000B" from eating the heap. */
    private static final int MAX_SIZE = 1 << 20;

    private final String format;
    private final ByteOrder order;
    private final char[] codes;
    private final int[] lengths; // byte-string length for 's', else 0
    private final int size;

    private Struct(String format, ByteOrder order, char[] codes, int[] lengths, int size) {
        this.format = format;
        this.order = order;
        this.codes = codes;
        this.lengths = lengths;
        this.size = size;
    }

    /**
     * Parses a format, such as {@code "!HI"}: a 2-byte and a 4-byte unsigned integer, big-endian.
     *
     * @param format a byte order ({@code ! > < = @}, big-endian by default), then field codes
     * @return the layout
     * @throws IllegalArgumentException naming the offending character, for a bad format
     */
    public static Struct of(String format) {
        ByteOrder order = ByteOrder.BIG_ENDIAN;
        int i = 0;
        if (!format.isEmpty()) {
            switch (format.charAt(0)) {
                case '!', '>' -> { i = 1; }
                case '<' -> { order = ByteOrder.LITTLE_ENDIAN; i = 1; }
                case '=', '@' -> { order = ByteOrder.nativeOrder(); i = 1; }
                default -> { }
            }
        }
        List<Character> codes = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        int size = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            int count = 1;
            if (Character.isDigit(c)) {
                int j = i;
                while (j < format.length() && Character.isDigit(format.charAt(j))) j++;
                if (j == format.length()) throw new IllegalArgumentException("struct format '" + format + "' ends with a count");
                // saturating: a count too large for an int is refused with the size check below,
                // where parseInt would throw a NumberFormatException that names no format
                long n = 0;
                for (int k = i; k < j; k++) n = Math.min(n * 10 + Character.digit(format.charAt(k), 10), Integer.MAX_VALUE);
                count = (int) n;
                i = j;
                c = format.charAt(i);
            }
            int width = switch (c) {
                case 'x', 'b', 'B', '?', 's' -> 1;
                case 'h', 'H' -> 2;
                case 'i', 'I', 'l', 'L', 'f' -> 4;
                case 'q', 'Q', 'd' -> 8;
                default -> throw new IllegalArgumentException("struct format '" + format + "': unknown code '" + c + "' at " + i);
            };
            if ((long) size + (long) count * width > MAX_SIZE) {
                throw new IllegalArgumentException("struct format '" + format + "' describes more than " + MAX_SIZE + " bytes");
            }
            if (c == 's') {
                codes.add('s');
                lengths.add(count);
                size += count;
            } else {
                for (int k = 0; k < count; k++) {
                    if (c != 'x') {
                        codes.add(c);
                        lengths.add(0);
                    }
                    size += width;
                }
                if (c == 'x') { codes.add('x'); lengths.add(count); }
            }
            i++;
        }
        char[] cs = new char[codes.size()];
        int[] ls = new int[codes.size()];
        for (int k = 0; k < cs.length; k++) { cs[k] = codes.get(k); ls[k] = lengths.get(k); }
        return new Struct(format, order, cs, ls, size);
    }

    /** Bytes in one record. */
    public int size() { return size; }

    /**
     * Decodes one record from the first {@link #size()} bytes of {@code data}.
     *
     * @param data at least {@link #size()} bytes
     * @return the fields' values, pad bytes left out
     * @throws IllegalArgumentException if {@code data} is shorter than a record
     */
    public Values unpack(byte[] data) {
        if (data.length < size) throw new IllegalArgumentException("struct '" + format + "' needs " + size + " bytes, got " + data.length);
        ByteBuffer b = ByteBuffer.wrap(data).order(order);
        List<Object> values = new ArrayList<>(codes.length);
        for (int k = 0; k < codes.length; k++) {
            switch (codes[k]) {
                case 'x' -> b.position(b.position() + lengths[k]);
                case 'b' -> values.add((long) b.get());
                case 'B' -> values.add((long) (b.get() & 0xff));
                case '?' -> values.add(b.get() != 0);
                case 'h' -> values.add((long) b.getShort());
                case 'H' -> values.add((long) (b.getShort() & 0xffff));
                case 'i', 'l' -> values.add((long) b.getInt());
                case 'I', 'L' -> values.add(b.getInt() & 0xffffffffL);
                case 'q', 'Q' -> values.add(b.getLong());
                case 'f' -> values.add((double) b.getFloat());
                case 'd' -> values.add(b.getDouble());
                case 's' -> { byte[] s = new byte[lengths[k]]; b.get(s); values.add(s); }
                default -> throw new AssertionError(codes[k]);
            }
        }
        return new Values(values);
    }

    /**
     * Encodes one record: one value per field (numbers, booleans, byte arrays for {@code s}).
     *
     * @param values one per field, in order, pad bytes not counted
     * @return {@link #size()} bytes
     * @throws IllegalArgumentException if there are more or fewer values than fields
     * @throws ClassCastException if a value is not of its field's kind (a {@code Number}, a
     *         {@code Boolean} for {@code ?}, a {@code byte[]} for {@code s})
     */
    public byte[] pack(Object... values) {
        int fields = 0;
        for (char c : codes) if (c != 'x') fields++;
        if (values.length != fields) throw new IllegalArgumentException("struct '" + format + "' has " + fields + " fields, got " + values.length + " values");
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        int v = 0;
        for (int k = 0; k < codes.length; k++) {
            char c = codes[k];
            if (c == 'x') { b.position(b.position() + lengths[k]); continue; }
            Object o = values[v++];
            switch (c) {
                case 'b', 'B' -> b.put((byte) ((Number) o).longValue());
                case '?' -> b.put((byte) (((Boolean) o) ? 1 : 0));
                case 'h', 'H' -> b.putShort((short) ((Number) o).longValue());
                case 'i', 'I', 'l', 'L' -> b.putInt((int) ((Number) o).longValue());
                case 'q', 'Q' -> b.putLong(((Number) o).longValue());
                case 'f' -> b.putFloat(((Number) o).floatValue());
                case 'd' -> b.putDouble(((Number) o).doubleValue());
                case 's' -> {
                    byte[] s = (byte[]) o;
                    b.put(s, 0, Math.min(s.length, lengths[k]));
                    b.position(b.position() + Math.max(0, lengths[k] - s.length));
                }
                default -> throw new AssertionError(c);
            }
        }
        return b.array();
    }

    @Override
    public String toString() { return format; }

    /**
     * The fields of one unpacked record, in order (pad bytes excluded).
     *
     * @since 0.1
     */
    public static final class Values {
        private final List<Object> values;

        Values(List<Object> values) { this.values = values; }

        public int size() { return values.size(); }
        public Object get(int i) { return values.get(i); }
        public long getLong(int i) { return ((Number) values.get(i)).longValue(); }
        public int getInt(int i) { return Math.toIntExact(getLong(i)); }
        public double getDouble(int i) { return ((Number) values.get(i)).doubleValue(); }
        public boolean getBoolean(int i) { return (Boolean) values.get(i); }
        public byte[] getBytes(int i) { return ((byte[]) values.get(i)).clone(); }

        @Override
        public String toString() { return values.toString(); }
    }
}
