// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.util.Arrays;

/**
 * A growable byte array: response heads are encoded into one (reused per connection, so that a
 * response's head and small body go to the stream in one write), and request bodies collect in
 * one. Loop thread only.
 */
final class ByteBuilder {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    byte[] bytes;
    int length;

    ByteBuilder(int capacity) {
        bytes = new byte[Math.max(capacity, 16)];
    }

    void reset() { length = 0; }

    ByteBuilder append(byte b) {
        if (length == bytes.length) grow(1);
        bytes[length++] = b;
        return this;
    }

    ByteBuilder append(byte[] b) { return append(b, 0, b.length); }

    ByteBuilder append(byte[] b, int off, int len) {
        if (bytes.length - length < len) grow(len);
        System.arraycopy(b, off, bytes, length, len);
        length += len;
        return this;
    }

    /** Appends text whose characters are all below 256 (header text), one byte per character. */
    ByteBuilder appendLatin1(String s) {
        int n = s.length();
        if (bytes.length - length < n) grow(n);
        s.getBytes(0, n, bytes, length); // deprecated for its lossy mapping, which is exactly Latin-1 here
        length += n;
        return this;
    }

    ByteBuilder appendDecimal(long v) {
        if (v < 0) throw new IllegalArgumentException("negative: " + v);
        if (bytes.length - length < 20) grow(20);
        int start = length;
        do {
            bytes[length++] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        reverse(start, length - 1);
        return this;
    }

    ByteBuilder appendHex(long v) {
        if (bytes.length - length < 16) grow(16);
        int start = length;
        do {
            bytes[length++] = HEX[(int) (v & 15)];
            v >>>= 4;
        } while (v != 0);
        reverse(start, length - 1);
        return this;
    }

    ByteBuilder crlf() {
        if (bytes.length - length < 2) grow(2);
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        return this;
    }

    /** The contents; the internal array itself when it is exactly full (no copy). */
    byte[] toArray() {
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }

    private void reverse(int i, int j) {
        while (i < j) {
            byte t = bytes[i];
            bytes[i++] = bytes[j];
            bytes[j--] = t;
        }
    }

    private void grow(int extra) {
        long want = Math.max((long) bytes.length * 2, (long) length + extra);
        if (want > Integer.MAX_VALUE - 8) {
            if ((long) length + extra > Integer.MAX_VALUE - 8) throw new OutOfMemoryError("more than 2 GiB in one buffer");
            want = Integer.MAX_VALUE - 8;
        }
        bytes = Arrays.copyOf(bytes, (int) want);
    }
}
