// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A reproducible byte sequence where every byte depends on its position, so that a lost,
 * duplicated or reordered byte shows up as a mismatch at a known offset (a plain checksum would
 * say only that something is wrong). Byte {@code i} is byte {@code i % 8} of a 64-bit mix of
 * {@code i / 8}: no short period that a shifted copy could match by chance.
 */
final class TestData {
    private TestData() {}

    static byte at(long position) {
        long z = ((position >>> 3) + 0x632BE59BD9B4E019L) * 0x9E3779B97F4A7C15L; // offset: no zero word at 0
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (byte) (z >>> ((position & 7) * 8));
    }

    /** The {@code length} bytes of the sequence from {@code position}. */
    static byte[] bytes(long position, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = at(position + i);
        return b;
    }

    /** A file holding the first {@code size} bytes of the sequence. */
    static Path file(Path dir, String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long pos = 0; pos < size; pos += 64 * 1024) out.write(bytes(pos, (int) Math.min(64 * 1024, size - pos)));
        }
        return p;
    }

    /**
     * Checks input against the sequence as it arrives, piece by piece. Remembers the first
     * mismatch; not thread-safe (feed it from one thread at a time).
     */
    static final class Checker {
        private long position;
        private final long start;
        private long firstMismatch = -1;

        Checker() { this(0); }

        /** Expects the sequence from {@code start} on. */
        Checker(long start) {
            this.start = start;
            this.position = start;
        }

        void accept(byte[] data) { accept(data, 0, data.length); }

        void accept(byte[] data, int off, int len) {
            for (int i = 0; i < len; i++) {
                if (firstMismatch < 0 && data[off + i] != at(position + i)) firstMismatch = position + i - start;
            }
            position += len;
        }

        /** Bytes seen so far. */
        long count() { return position - start; }

        /** Offset (from the start of the checked input) of the first wrong byte, or -1. */
        long firstMismatch() { return firstMismatch; }

        /** "ok" or where it went wrong, for assertion messages. */
        String verdict() {
            return firstMismatch < 0 ? "ok" : "first wrong byte at offset " + firstMismatch + " of " + count();
        }
    }

    /**
     * Reads {@code in} to end of stream into a checker, {@code burst} bytes at a time at most.
     * The socket's read timeout bounds every read.
     */
    static Checker readToEnd(InputStream in, Checker checker, int burst) throws IOException {
        byte[] buf = new byte[burst];
        int n;
        while ((n = in.read(buf)) > 0) checker.accept(buf, 0, n);
        return checker;
    }
}
