// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.LoopThread;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A WebSocket peer on a plain socket, written from RFC 6455 and nothing else: it sends what it
 * is told, malformed frames included, and reads frames as they are on the wire. Reads wait at
 * most {@link LoopThread#WAIT}.
 */
final class RawWs implements AutoCloseable {
    record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        String text() { return new String(payload, StandardCharsets.UTF_8); }

        /** A close frame's code, 1005 if it has none. */
        int closeCode() {
            assertEquals(0x8, opcode, "not a close frame: " + this);
            return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        @Override
        public String toString() {
            return "Frame[fin=" + fin + " opcode=" + opcode + " masked=" + masked + " " + payload.length + " bytes]";
        }
    }

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** The response head of the handshake, as it came. */
    String responseHead;

    RawWs(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) LoopThread.WAIT.toMillis());
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:port and makes a valid handshake for {@code path}; fails unless it gets a 101. */
    static RawWs open(int port, String path) throws IOException {
        RawWs ws = new RawWs(new Socket("127.0.0.1", port));
        String head = ws.handshake(path, "");
        assertTrue(head.startsWith("HTTP/1.1 101 "), head);
        return ws;
    }

    /** Sends a handshake for {@code path} with {@code extraFields} (CRLF-terminated lines), and returns the response head. */
    String handshake(String path, String extraFields) throws IOException {
        sendText("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraFields + "\r\n");
        return readHead();
    }

    /** Reads an HTTP head up to its empty line. */
    String readHead() throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) throw new EOFException("the connection ended inside a response head: " + head);
            head.append((char) c);
        }
        responseHead = head.toString();
        return responseHead;
    }

    void sendText(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void sendRaw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** Sends a frame; {@code mask} as a client must, or not, to test the server. */
    void send(boolean fin, int rsv, int opcode, byte[] payload, boolean mask) throws IOException {
        sendRaw(frame(fin, rsv, opcode, payload, mask));
    }

    /** A masked, final frame: what a client sends. */
    void send(int opcode, byte[] payload) throws IOException {
        send(true, 0, opcode, payload, true);
    }

    static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean mask) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        int m = mask ? 0x80 : 0;
        long n = payload.length;
        if (n < 126) {
            f.write(m | (int) n);
        } else if (n < 65536) {
            f.write(m | 126);
            f.write((int) (n >>> 8));
            f.write((int) n);
        } else {
            f.write(m | 127);
            for (int i = 7; i >= 0; i--) f.write((int) (n >>> (8 * i)));
        }
        byte[] body = payload.clone();
        if (mask) {
            byte[] key = new byte[4];
            ThreadLocalRandom.current().nextBytes(key);
            f.writeBytes(key);
            for (int i = 0; i < body.length; i++) body[i] ^= key[i & 3];
        }
        f.writeBytes(body);
        return f.toByteArray();
    }

    /** A close frame's payload: the code, then the reason. */
    static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    /** The next frame from the peer. */
    Frame read() throws IOException {
        DataInputStream d = new DataInputStream(in);
        int b0 = d.readUnsignedByte(), b1 = d.readUnsignedByte();
        long n = b1 & 0x7f;
        if (n == 126) n = d.readUnsignedShort();
        else if (n == 127) n = d.readLong();
        boolean masked = (b1 & 0x80) != 0;
        byte[] key = new byte[4];
        if (masked) d.readFully(key);
        byte[] payload = new byte[(int) n];
        d.readFully(payload);
        if (masked) for (int i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
        return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0f, masked, payload);
    }

    /** Reads frames up to the peer's close frame (pings skipped) and returns its code. */
    int readCloseCode() throws IOException {
        while (true) {
            Frame f = read();
            if (f.opcode() == 0x8) return f.closeCode();
            assertTrue(f.opcode() == 0x9 || f.opcode() == 0xA, "expected a close frame, got " + f);
        }
    }

    /** Asserts that the peer closes the TCP connection (end of stream, or a reset) within the wait. */
    void assertEndOfStream() throws IOException {
        try {
            int c = in.read();
            assertEquals(-1, c, "expected the end of the stream, got a byte");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the peer did not close the connection within " + LoopThread.WAIT, e);
        } catch (IOException reset) {
            assertFalse(reset instanceof SocketTimeoutException);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
