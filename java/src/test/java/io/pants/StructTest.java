// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Struct formats, packing and unpacking; no engine involved. */
class StructTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void sizesAddUpWithoutAlignmentPadding() {
        assertEquals(6, Struct.of("!HI").size());
        assertEquals(6, Struct.of("!H I").size(), "whitespace between fields is ignored");
        assertEquals(4, Struct.of("BHx").size());
        assertEquals(1 + 1 + 1 + 2 + 2 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8, Struct.of("bB?hHiIlLqQfd").size());
        assertEquals(1 + 8, Struct.of("<Bq").size(), "no padding before the 8-byte field");
        assertEquals(3, Struct.of("3B").size());
        assertEquals(10, Struct.of("10s").size());
        assertEquals(4, Struct.of("x?2x").size());
        assertEquals(0, Struct.of("").size());
        assertEquals(0, Struct.of("<").size());
    }

    @Test
    void everyFieldTypeRoundTrips() {
        Struct s = Struct.of("!bB?hHiIlLqQfd4s");
        byte[] packed = s.pack(-5, 250, true, -1234, 60000, -70000, 3_000_000_000L, 12, 4_000_000_000L,
                Long.MIN_VALUE, Long.MAX_VALUE, 1.5f, Math.PI, "abcd".getBytes(StandardCharsets.US_ASCII));
        assertEquals(s.size(), packed.length);
        Struct.Values v = s.unpack(packed);
        assertEquals(14, v.size());
        assertEquals(-5, v.getLong(0));
        assertEquals(250, v.getLong(1), "B is unsigned");
        assertTrue(v.getBoolean(2));
        assertEquals(-1234, v.getLong(3));
        assertEquals(60000, v.getLong(4), "H is unsigned");
        assertEquals(-70000, v.getLong(5));
        assertEquals(3_000_000_000L, v.getLong(6), "I is unsigned");
        assertEquals(12, v.getInt(7));
        assertEquals(4_000_000_000L, v.getLong(8), "L is unsigned");
        assertEquals(Long.MIN_VALUE, v.getLong(9));
        assertEquals(Long.MAX_VALUE, v.getLong(10));
        assertEquals(1.5, v.getDouble(11));
        assertEquals(Math.PI, v.getDouble(12));
        assertArrayEquals("abcd".getBytes(StandardCharsets.US_ASCII), v.getBytes(13));
    }

    @Test
    void unsignedFieldsTakeNegativeValuesAsTheirBitPattern() {
        Struct s = Struct.of("!BHI");
        assertArrayEquals(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), s.pack(-1, -1, -1));
        Struct.Values v = s.unpack(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
        assertEquals(255, v.getLong(0));
        assertEquals(65535, v.getLong(1));
        assertEquals(0xffff_ffffL, v.getLong(2));
        // Java has no unsigned long: Q keeps the bits, and a value past Long.MAX_VALUE reads negative
        Struct q = Struct.of("!Q");
        assertEquals(-1L, q.unpack(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).getLong(0));
        assertEquals("18446744073709551615", Long.toUnsignedString(q.unpack(q.pack(-1L)).getLong(0)));
    }

    @Test
    void byteOrders() {
        byte[] big = bytes(1, 2, 3, 4, 5, 6);
        assertArrayEquals(big, Struct.of("!HI").pack(0x0102, 0x03040506), "! is network order");
        assertArrayEquals(big, Struct.of(">HI").pack(0x0102, 0x03040506));
        assertArrayEquals(big, Struct.of("HI").pack(0x0102, 0x03040506), "big-endian by default");
        assertArrayEquals(bytes(2, 1, 6, 5, 4, 3), Struct.of("<HI").pack(0x0102, 0x03040506));
        byte[] nativeOrder = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0x01020304).array();
        assertArrayEquals(nativeOrder, Struct.of("=I").pack(0x01020304));
        assertEquals(0x0201, Struct.of("<H").unpack(bytes(1, 2)).getInt(0));
        assertEquals(0x0102, Struct.of("!H").unpack(bytes(1, 2)).getInt(0));
        assertEquals(-2.5, Struct.of("<d").unpack(Struct.of("<d").pack(-2.5)).getDouble(0));
    }

    @Test
    void byteStringsArePaddedOrTruncatedToTheirLength() {
        Struct s = Struct.of("5s");
        assertArrayEquals(bytes('h', 'i', 0, 0, 0), s.pack((Object) "hi".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(bytes('a', 'b', 'c', 'd', 'e'), s.pack((Object) "abcdefgh".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1, s.unpack(bytes('a', 'b', 'c', 'd', 'e')).size(), "a byte string is one value");
    }

    @Test
    void padBytesTakeNoValue() {
        Struct s = Struct.of("!Bx2xB");
        assertEquals(5, s.size());
        assertArrayEquals(bytes(7, 0, 0, 0, 9), s.pack(7, 9));
        Struct.Values v = s.unpack(bytes(7, 0x55, 0x55, 0x55, 9));
        assertEquals(2, v.size());
        assertEquals(7, v.getInt(0));
        assertEquals(9, v.getInt(1));
    }

    @Test
    void booleans() {
        Struct s = Struct.of("??");
        assertArrayEquals(bytes(1, 0), s.pack(true, false));
        Struct.Values v = s.unpack(bytes(42, 0));
        assertTrue(v.getBoolean(0), "any non-zero byte is true");
        assertFalse(v.getBoolean(1));
    }

    @Test
    void unpackReadsTheFirstRecordOfALongerArray() {
        assertEquals(0x0102, Struct.of("!H").unpack(bytes(1, 2, 3, 4)).getInt(0));
    }

    @Test
    void valuesAreCopiesAndCheckedOnNarrowing() {
        Struct s = Struct.of("!2sI");
        Struct.Values v = s.unpack(bytes('a', 'b', 0xff, 0xff, 0xff, 0xff));
        byte[] first = v.getBytes(0);
        first[0] = 'z';
        assertEquals('a', v.getBytes(0)[0], "getBytes returns a copy");
        assertNotSame(v.getBytes(0), v.getBytes(0));
        assertThrows(ArithmeticException.class, () -> v.getInt(1), "4294967295 does not fit an int");
        assertEquals(0xffff_ffffL, v.getLong(1));
    }

    @Test
    void badFormatsAreRejectedWithTheOffendingCharacter() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Struct.of("!HZ"));
        assertTrue(unknown.getMessage().contains("'Z'"), unknown.getMessage());
        IllegalArgumentException misplacedOrder = assertThrows(IllegalArgumentException.class, () -> Struct.of("H!"));
        assertTrue(misplacedOrder.getMessage().contains("'!'"), "the byte order goes first: " + misplacedOrder.getMessage());
        IllegalArgumentException dangling = assertThrows(IllegalArgumentException.class, () -> Struct.of("!H3"));
        assertTrue(dangling.getMessage().contains("count"), dangling.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Struct.of("-1B"));
        assertThrows(IllegalArgumentException.class, () -> Struct.of("99999999999B"), "a count beyond int");
    }

    @Test
    void wrongValueCountsAndShortInputAreRejected() {
        Struct s = Struct.of("!HI");
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class, () -> s.pack(1));
        assertTrue(few.getMessage().contains("2 fields"), few.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.pack(1, 2, 3));
        IllegalArgumentException shortInput = assertThrows(IllegalArgumentException.class, () -> s.unpack(new byte[5]));
        assertTrue(shortInput.getMessage().contains("6 bytes"), shortInput.getMessage());
        assertEquals("!HI", s.toString());
    }

    @Test
    void absurdSizesAreRejectedBeforeAnythingIsAllocated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Struct.of("2000000000B"));
        assertTrue(e.getMessage().contains("more than"), e.getMessage());
        assertEquals(1 << 20, Struct.of((1 << 20) + "s").size());
    }

    @Test
    void aCountBeyondTheIntRangeIsRejectedLikeAnyAbsurdSize() {
        // found by StructFuzzTest: parseInt threw a NumberFormatException naming no format
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Struct.of("11211212012B"));
        assertEquals("struct format '11211212012B' describes more than 1048576 bytes", e.getMessage());
        assertEquals(3, Struct.of("0000000000003B").size());
    }
}
