// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

/**
 * Checks that bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * over U+10FFFF) as they come, a fragment at a time: a character may be cut between two frames
 * of a message, so the state between calls is the part of a character seen so far.
 */
final class Utf8Validator {
    /** Continuation bytes the current character still needs. */
    private int needed;
    /** The range the next continuation byte must be in: narrower after E0, ED, F0 and F4. */
    private int lower = 0x80, upper = 0xBF;

    /** Feeds {@code b[off, off + len)}; false as soon as they cannot be UTF-8 (whatever follows). */
    boolean feed(byte[] b, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            int c = b[i] & 0xff;
            if (needed == 0) {
                if (c < 0x80) continue;
                if (c >= 0xC2 && c <= 0xDF) {
                    needed = 1;
                } else if (c == 0xE0) {
                    needed = 2;
                    lower = 0xA0; // below: an overlong form of a two-byte character
                } else if (c == 0xED) {
                    needed = 2;
                    upper = 0x9F; // above: the UTF-16 surrogates
                } else if (c >= 0xE1 && c <= 0xEF) {
                    needed = 2;
                } else if (c == 0xF0) {
                    needed = 3;
                    lower = 0x90; // below: overlong
                } else if (c >= 0xF1 && c <= 0xF3) {
                    needed = 3;
                } else if (c == 0xF4) {
                    needed = 3;
                    upper = 0x8F; // above: over U+10FFFF
                } else {
                    return false; // a continuation byte first, C0/C1 (overlong), F5 and up
                }
            } else {
                if (c < lower || c > upper) return false;
                lower = 0x80;
                upper = 0xBF;
                needed--;
            }
        }
        return true;
    }

    /** Whether what was fed ends at a character's end. */
    boolean atCharacterEnd() { return needed == 0; }

    void reset() {
        needed = 0;
        lower = 0x80;
        upper = 0xBF;
    }

    /** Whether {@code b[off, off + len)} is UTF-8, on its own. */
    static boolean isValid(byte[] b, int off, int len) {
        Utf8Validator v = new Utf8Validator();
        return v.feed(b, off, len) && v.atCharacterEnd();
    }
}
