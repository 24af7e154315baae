// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts a peer's bytes into frames (RFC 6455 section 5.2) and frames into messages: unmasks,
 * enforces the rules (reserved bits, opcodes, control frames short and whole, who masks), the
 * size limits, the order of fragments, and UTF-8 in text messages, fragment by fragment. Control
 * frames may come between the fragments of a message; they are handed on at once.
 *
 * <p>A frame is parsed only once it is all in, so at most a frame's worth (the frame size limit)
 * waits here; a message's fragments wait in the message buffer, at most the message size limit.
 */
final class MessageReader {
    static final int CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;
    private static final byte[] NO_BYTES = new byte[0];

    /** What complete messages and control frames go to. */
    interface Listener {
        void text(String text);

        void binary(byte[] data);

        void ping(byte[] payload);

        void pong(byte[] payload);

        void close(byte[] payload);
    }

    /** Whether frames must come masked (a server reads a client's) or must not (a client reads a server's). */
    private final boolean expectMasked;
    private int maxFrameSize, maxMessageSize;

    // input not parsed yet: in[start, end)
    private byte[] in = NO_BYTES;
    private int start, end;

    /** The permessage-deflate agreed on, or null: then no reserved bit may be set. */
    private PerMessageDeflate deflate;

    // the message being assembled from fragments
    private int messageOpcode = -1;
    private boolean messageCompressed;
    private byte[] message = NO_BYTES;
    private int messageLength;
    private final Utf8Validator utf8 = new Utf8Validator();

    MessageReader(boolean expectMasked, int maxFrameSize, int maxMessageSize) {
        this.expectMasked = expectMasked;
        limits(maxFrameSize, maxMessageSize);
    }

    void limits(int maxFrameSize, int maxMessageSize) {
        this.maxFrameSize = maxFrameSize;
        this.maxMessageSize = maxMessageSize;
    }

    /** Adds bytes from the peer. */
    void add(byte[] data) {
        if (start == end) {
            in = data; // nothing waits: parse the read's own array
            start = 0;
            end = data.length;
            return;
        }
        int live = end - start;
        if (in.length - end < data.length) {
            byte[] bigger = live + data.length <= in.length ? in : new byte[Math.max(in.length * 2, live + data.length)];
            System.arraycopy(in, start, bigger, 0, live);
            in = bigger;
            start = 0;
            end = live;
        }
        System.arraycopy(data, 0, in, end, data.length);
        end += data.length;
    }

    boolean hasInput() { return start < end; }

    /** From now on a data message may come compressed (RSV1 on its first frame). */
    void deflate(PerMessageDeflate extension) { this.deflate = extension; }

    /**
     * Parses the next frame if it is all in, and hands what it completes to {@code to}.
     *
     * @return false if the next frame is not all in yet
     * @throws FrameException if the peer broke the protocol: fail the connection with its code
     */
    boolean next(Listener to) throws FrameException {
        int available = end - start;
        if (available < 2) return false;
        int b0 = in[start] & 0xff, b1 = in[start + 1] & 0xff;
        boolean fin = (b0 & 0x80) != 0, masked = (b1 & 0x80) != 0;
        int opcode = b0 & 0x0f;
        int lengthBytes = (b1 & 0x7f) == 126 ? 2 : (b1 & 0x7f) == 127 ? 8 : 0;
        int headerLength = 2 + lengthBytes + (masked ? 4 : 0);
        // the first two bytes say enough to refuse most bad frames before their length is in
        boolean control = (opcode & 0x8) != 0;
        boolean compressed = (b0 & 0x40) != 0;
        if ((b0 & 0x30) != 0 || (compressed && deflate == null)) {
            throw new FrameException(WebSocket.PROTOCOL_ERROR, "reserved bits set without an extension that defines them");
        }
        if (compressed && (control || opcode == CONTINUATION)) {
            throw new FrameException(WebSocket.PROTOCOL_ERROR, "RSV1 (compressed) on a " + (control ? "control" : "continuation") + " frame");
        }
        if (opcode != CONTINUATION && opcode != TEXT && opcode != BINARY && opcode != CLOSE && opcode != PING && opcode != PONG) {
            throw new FrameException(WebSocket.PROTOCOL_ERROR, "unknown opcode " + opcode);
        }
        if (control && !fin) throw new FrameException(WebSocket.PROTOCOL_ERROR, "a fragmented control frame");
        if (control && lengthBytes != 0) throw new FrameException(WebSocket.PROTOCOL_ERROR, "a control frame of more than 125 bytes");
        if (masked != expectMasked) {
            throw new FrameException(WebSocket.PROTOCOL_ERROR, expectMasked ? "an unmasked frame from a client" : "a masked frame from a server");
        }
        if (opcode == CONTINUATION && messageOpcode < 0) throw new FrameException(WebSocket.PROTOCOL_ERROR, "a continuation frame without a message to continue");
        if ((opcode == TEXT || opcode == BINARY) && messageOpcode >= 0) {
            throw new FrameException(WebSocket.PROTOCOL_ERROR, "a new message before the fragmented one was finished");
        }
        if (available < headerLength) return false;
        long length;
        int p = start + 2;
        if (lengthBytes == 0) {
            length = b1 & 0x7f;
        } else if (lengthBytes == 2) {
            length = ((in[p] & 0xff) << 8) | (in[p + 1] & 0xff);
        } else {
            length = 0;
            for (int i = 0; i < 8; i++) length = (length << 8) | (in[p + i] & 0xff);
            if (length < 0) throw new FrameException(WebSocket.PROTOCOL_ERROR, "a frame length with its most significant bit set");
        }
        p += lengthBytes;
        if (length > maxFrameSize) {
            throw new FrameException(WebSocket.MESSAGE_TOO_BIG, "a frame of " + length + " bytes, over the limit of " + maxFrameSize);
        }
        if (!control && messageLength + length > maxMessageSize) {
            throw new FrameException(WebSocket.MESSAGE_TOO_BIG, "a message of " + (messageLength + length) + " bytes or more, over the limit of " + maxMessageSize);
        }
        if (available - headerLength < length) return false;
        int n = (int) length;
        int payloadStart = start + headerLength;
        if (masked) unmask(in, payloadStart, n, p);
        start = payloadStart + n;
        if (start == end) {
            byte[] done = in;
            in = NO_BYTES;
            start = end = 0;
            deliver(to, opcode, fin, compressed, done, payloadStart, n);
        } else {
            deliver(to, opcode, fin, compressed, in, payloadStart, n);
        }
        return true;
    }

    private void deliver(Listener to, int opcode, boolean fin, boolean rsv1, byte[] b, int off, int n) throws FrameException {
        switch (opcode) {
            case PING -> to.ping(Arrays.copyOfRange(b, off, off + n));
            case PONG -> to.pong(Arrays.copyOfRange(b, off, off + n));
            case CLOSE -> to.close(Arrays.copyOfRange(b, off, off + n));
            default -> {
                int kind = opcode == CONTINUATION ? messageOpcode : opcode;
                boolean compressed = opcode == CONTINUATION ? messageCompressed : rsv1;
                // plain text is checked as it comes; compressed text once it is inflated
                if (kind == TEXT && !compressed && !utf8.feed(b, off, n)) {
                    throw new FrameException(WebSocket.INVALID_PAYLOAD, "a text message that is not UTF-8");
                }
                if (fin && messageOpcode < 0) {
                    finish(to, kind, compressed, b, off, n); // a whole message in one frame, the common case: no assembly
                    return;
                }
                messageOpcode = kind;
                messageCompressed = compressed;
                append(b, off, n);
                if (!fin) return;
                byte[] whole = message;
                int length = messageLength;
                messageOpcode = -1;
                message = NO_BYTES;
                messageLength = 0;
                finish(to, kind, compressed, whole, 0, length);
            }
        }
    }

    /** Hands over a complete message, inflated first if it is compressed. */
    private void finish(Listener to, int kind, boolean compressed, byte[] b, int off, int n) throws FrameException {
        if (compressed) {
            b = deflate.decompress(b, off, n, maxMessageSize);
            off = 0;
            n = b.length;
            if (kind == TEXT && !Utf8Validator.isValid(b, 0, n)) throw new FrameException(WebSocket.INVALID_PAYLOAD, "a text message that is not UTF-8");
        } else if (kind == TEXT) {
            checkComplete();
        }
        if (kind == TEXT) to.text(new String(b, off, n, StandardCharsets.UTF_8));
        else to.binary(off == 0 && n == b.length && compressed ? b : Arrays.copyOfRange(b, off, off + n));
    }

    private void checkComplete() throws FrameException {
        boolean whole = utf8.atCharacterEnd();
        utf8.reset();
        if (!whole) throw new FrameException(WebSocket.INVALID_PAYLOAD, "a text message that ends inside a UTF-8 character");
    }

    private void append(byte[] b, int off, int n) {
        if (message.length - messageLength < n) message = Arrays.copyOf(message, Math.max(Math.max(256, message.length * 2), messageLength + n));
        System.arraycopy(b, off, message, messageLength, n);
        messageLength += n;
    }

    /** XORs {@code b[off, off + n)} with the key at {@code b[key, key + 4)}, in place (RFC 6455 section 5.3). */
    static void unmask(byte[] b, int off, int n, int key) {
        byte k0 = b[key], k1 = b[key + 1], k2 = b[key + 2], k3 = b[key + 3];
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            b[off + i] ^= k0;
            b[off + i + 1] ^= k1;
            b[off + i + 2] ^= k2;
            b[off + i + 3] ^= k3;
        }
        for (; i < n; i++) b[off + i] ^= b[key + (i & 3)];
    }

    /** Drops what waits: the connection is closing. */
    void clear() {
        in = NO_BYTES;
        start = end = 0;
        message = NO_BYTES;
        messageLength = 0;
        messageOpcode = -1;
    }
}
