// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.Stream;

import java.security.SecureRandom;

/**
 * Encodes frames onto a stream (RFC 6455 section 5.2). A client masks every frame with a fresh
 * key from a strong source of entropy, as section 5.3 asks (an intermediary must not be able to
 * predict what goes on the wire); a server never masks.
 */
final class FrameWriter {
    /** Payloads up to this size go out in one array with their header; larger ones in two writes, uncopied here. */
    private static final int GATHER_LIMIT = 4096;
    private static final SecureRandom KEYS = new SecureRandom();

    private final boolean mask;

    FrameWriter(boolean mask) {
        this.mask = mask;
    }

    /** Queues one frame on {@code to}. */
    void write(Stream to, int opcode, boolean fin, byte[] payload, int off, int len) {
        write(to, opcode, fin, false, payload, off, len);
    }

    /** Queues a whole message compressed by permessage-deflate: one frame with RSV1 set (RFC 7692 section 6). */
    void writeCompressed(Stream to, int opcode, byte[] payload) {
        write(to, opcode, true, true, payload, 0, payload.length);
    }

    private void write(Stream to, int opcode, boolean fin, boolean rsv1, byte[] payload, int off, int len) {
        int lengthBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
        int headerLength = 2 + lengthBytes + (mask ? 4 : 0);
        boolean together = mask || len <= GATHER_LIMIT; // a masked payload is copied anyway
        byte[] frame = new byte[headerLength + (together ? len : 0)];
        frame[0] = (byte) ((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
        int p = 2;
        if (lengthBytes == 0) {
            frame[1] = (byte) len;
        } else if (lengthBytes == 2) {
            frame[1] = 126;
            frame[2] = (byte) (len >>> 8);
            frame[3] = (byte) len;
            p = 4;
        } else {
            frame[1] = 127;
            for (int i = 0; i < 8; i++) frame[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
            p = 10;
        }
        if (mask) {
            frame[1] |= (byte) 0x80;
            int key = KEYS.nextInt();
            frame[p] = (byte) (key >>> 24);
            frame[p + 1] = (byte) (key >>> 16);
            frame[p + 2] = (byte) (key >>> 8);
            frame[p + 3] = (byte) key;
            System.arraycopy(payload, off, frame, headerLength, len);
            MessageReader.unmask(frame, headerLength, len, p); // masking and unmasking are the same XOR
            to.write(frame);
        } else if (together) {
            System.arraycopy(payload, off, frame, headerLength, len);
            to.write(frame);
        } else {
            to.write(frame);
            to.write(payload, off, len);
        }
    }
}
