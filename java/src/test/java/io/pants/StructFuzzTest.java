// SPDX-License-Identifier: Apache-2.0
package io.pants;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link Struct}: an input is a format, a LF, then record bytes.
 *
 * <p>Properties: a bad format fails with an {@link IllegalArgumentException} that quotes it; a
 * good one unpacks exactly {@code size()} bytes (fewer fail the same way); packing what was
 * unpacked gives a record that unpacks to the same values, and is the very bytes unpacked when
 * the format has no pad bytes, booleans or floats (whose bytes a value does not keep).
 */
class StructFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void unpackThenPackRoundTrips(byte[] input) {
        String format = FuzzInputs.firstLine(input);
        byte[] data = FuzzInputs.afterFirstLine(input);

        Struct s;
        try {
            s = Struct.of(format);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("'" + format + "'"), "the message names the format: " + e.getMessage());
            return;
        }
        if (data.length < s.size()) {
            assertThrows(IllegalArgumentException.class, () -> s.unpack(data), "unpacking " + data.length + " of " + s.size() + " bytes");
            return;
        }
        Struct.Values v = s.unpack(data);
        byte[] packed = s.pack(values(v));
        assertEquals(s.size(), packed.length, "packed size");
        assertEquals(describe(v), describe(s.unpack(packed)), "values after pack and unpack");
        assertArrayEquals(packed, s.pack(values(s.unpack(packed))), "a packed record packs to itself");
        if (format.chars().noneMatch(c -> c == 'x' || c == '?' || c == 'f')) {
            assertArrayEquals(Arrays.copyOf(data, s.size()), packed, "the record's own bytes");
        }
    }

    private static Object[] values(Struct.Values v) {
        Object[] out = new Object[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        return out;
    }

    /** Comparable values: byte strings as lists, and every NaN alike (a float's NaN bits are not kept). */
    private static List<Object> describe(Struct.Values v) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            Object o = v.get(i);
            out.add(o instanceof byte[] b ? Arrays.toString(b) : o instanceof Double d && d.isNaN() ? "NaN" : o);
        }
        return out;
    }
}
