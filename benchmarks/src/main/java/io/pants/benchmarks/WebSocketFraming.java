// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The WebSocket echo load (RFC 6455): each connection makes the opening handshake, then every
 * message goes out as one masked binary frame (as a client must send it) and must come back as
 * one unmasked binary frame with the same payload. Messages are under 126 bytes: two-byte headers.
 */
final class WebSocketFraming implements EchoClient.Framing {
    private static final String HANDSHAKE = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    @Override
    public void open(SocketChannel channel) throws IOException {
        channel.write(ByteBuffer.wrap(HANDSHAKE.getBytes(StandardCharsets.ISO_8859_1)));
        // the 101's head, byte by byte up to its empty line: nothing may be read past it
        StringBuilder head = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            one.clear();
            if (channel.read(one) < 0) throw new IOException("the server closed the connection during the handshake: " + head);
            head.append((char) one.get(0));
        }
        if (!head.toString().startsWith("HTTP/1.1 101 ")) throw new IOException("the server refused the WebSocket handshake: " + head);
    }

    @Override
    public byte[] wire(byte[] message) {
        check(message);
        byte[] frame = new byte[6 + message.length];
        frame[0] = (byte) 0x82; // FIN, binary
        frame[1] = (byte) (0x80 | message.length);
        int key = ThreadLocalRandom.current().nextInt(); // a load generator needs no strong entropy
        for (int i = 0; i < 4; i++) frame[2 + i] = (byte) (key >>> (24 - 8 * i));
        for (int i = 0; i < message.length; i++) frame[6 + i] = (byte) (message[i] ^ frame[2 + (i & 3)]);
        return frame;
    }

    @Override
    public byte[] reply(byte[] message) {
        check(message);
        byte[] frame = new byte[2 + message.length];
        frame[0] = (byte) 0x82;
        frame[1] = (byte) message.length;
        System.arraycopy(message, 0, frame, 2, message.length);
        return frame;
    }

    private static void check(byte[] message) {
        if (message.length > 125) throw new IllegalArgumentException("the WebSocket load sends messages under 126 bytes, not " + message.length);
    }
}
