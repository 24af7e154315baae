// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.http.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's side of the opening handshake (RFC 6455 section 4.2): what it accepts, and how it refuses the rest. */
@ExtendWith(NoDescriptorLeaks.class)
class HandshakeTest {
    private static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

    /** The response head to a raw request. */
    private static String answer(WsServer s, String request) throws Exception {
        try (RawWs c = new RawWs(new Socket("127.0.0.1", s.port))) {
            c.sendText(request);
            return c.readHead();
        }
    }

    @BackendTest
    void malformedHandshakesAreAnsweredAsHttp(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new)) {
            String plain = answer(s, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(plain.startsWith("HTTP/1.1 426 "), plain);
            assertTrue(plain.contains("\r\nUpgrade: websocket\r\n"), plain);
            String version = answer(s, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY
                    + "Sec-WebSocket-Version: 8\r\n\r\n");
            assertTrue(version.startsWith("HTTP/1.1 426 "), version);
            assertTrue(version.contains("\r\nSec-WebSocket-Version: 13\r\n"), version);
            String noKey = answer(s, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertTrue(noKey.startsWith("HTTP/1.1 400 "), noKey);
            String badKey = answer(s, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertTrue(badKey.startsWith("HTTP/1.1 400 "), badKey);
            String foreign = answer(s, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + s.port + "\r\nOrigin: http://evil.example\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n" + KEY + "Sec-WebSocket-Version: 13\r\n\r\n");
            assertTrue(foreign.startsWith("HTTP/1.1 403 "), foreign);
            String post = answer(s, "POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY
                    + "Sec-WebSocket-Version: 13\r\n\r\n");
            assertTrue(post.startsWith("HTTP/1.1 405 "), "the web route takes GET only: " + post);
            String http10 = answer(s, "GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY
                    + "Sec-WebSocket-Version: 13\r\n\r\n");
            assertTrue(http10.startsWith("HTTP/1.1 426 "), "HTTP/1.0 has no upgrade: " + http10);
            assertEquals(0, s.accepted.stream().filter(WebSocket::isOpen).count(), "none of them opened");
        }
    }

    @BackendTest
    void anHttpServerHandlerAcceptsAndTheConnectionStaysHttpOtherwise(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            Recorder socket = new Recorder.Echo();
            int port = loop.call(() -> new HttpServer(loop.engine, r -> {
                if (r.path().equals("/echo")) socket.accept(r);
                else r.sendResponse("page " + r.path());
            }).listen("127.0.0.1", 0).port());
            try (RawWs c = new RawWs(new Socket("127.0.0.1", port))) {
                c.sendText("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
                String first = c.readHead();
                assertTrue(first.startsWith("HTTP/1.1 200 "), first);
                byte[] body = c.socket.getInputStream().readNBytes("page /first".length());
                assertEquals("page /first", new String(body));
                assertEquals("HTTP/1.1 101 Switching Protocols\r\n", c.handshake("/echo", "").lines().findFirst().get() + "\r\n");
                assertEquals("open", socket.next("open"));
                c.send(0x1, Recorder.utf8("over the same connection"));
                assertEquals("over the same connection", c.read().text());
                assertEquals("/echo", loop.call(() -> socket.handshake().path()));
            }
            assertTrue(socket.nextStartingWith("close:").startsWith("close:1006:"));
        }
    }

    @BackendTest
    void misuseIsRefusedWithAMessage(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> s.loop.run(() -> server.connect("ws://127.0.0.1:1/")));
            assertTrue(twice.getMessage().contains("make a new WebSocket"), twice.getMessage());
            IllegalStateException offLoop = assertThrows(IllegalStateException.class, () -> server.send("from the test thread"));
            assertTrue(offLoop.getMessage().contains("engine.execute"), offLoop.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.loop.run(() -> server.close(1005, "")));
            assertThrows(IllegalArgumentException.class, () -> s.loop.run(() -> server.close(1000, "x".repeat(124))));
            assertThrows(IllegalArgumentException.class, () -> s.loop.run(() -> server.ping(new byte[126])));
            s.loop.run(() -> server.sendPart("half", false));
            IllegalStateException mixed = assertThrows(IllegalStateException.class, () -> s.loop.run(() -> server.send("whole")));
            assertTrue(mixed.getMessage().contains("in parts"), mixed.getMessage());
            assertThrows(IllegalStateException.class, () -> s.loop.run(() -> server.sendPart(new byte[1], true)));
            s.loop.run(() -> server.sendPart("done", true));
            RawWs.Frame a = c.read(), b = c.read();
            assertEquals("halfdone", a.text() + b.text());
        }
    }

    @Test
    void clientMisuseIsRefusedWithAMessage() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Recorder().tls(javax.net.ssl.SSLContext.getDefault())
                .connect("ws://example.org/")).getMessage().contains("use wss:"));
        assertThrows(IllegalArgumentException.class, () -> new Recorder().connect("http://example.org/"));
        assertThrows(IllegalArgumentException.class, () -> new Recorder().subprotocols("a b"));
        assertThrows(IllegalArgumentException.class, () -> new Recorder().handshakeHeader("X", "a\r\nInjected: 1"));
        assertThrows(IllegalStateException.class, () -> new Recorder().send("not open"));
    }

    @Test
    void theAcceptValueAndUtf8AreComputedAsTheRfcSays() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Handshake.accept("dGhlIHNhbXBsZSBub25jZQ=="), "RFC 6455 section 1.3");
        assertTrue(Handshake.isValidKey(Handshake.newKey()));
        assertFalse(Handshake.newKey().equals(Handshake.newKey()), "a fresh key each time");
        assertTrue(Handshake.isSameOrigin("http://Example.org", "example.org"));
        assertTrue(Handshake.isSameOrigin("http://example.org:8080", "example.org:8080"));
        assertTrue(Handshake.isSameOrigin("http://[::1]:8080", "[::1]:8080"));
        assertFalse(Handshake.isSameOrigin("http://example.org:8080", "example.org"));
        assertFalse(Handshake.isSameOrigin("null", "example.org"));
        for (String valid : List.of("", "a", "\u00e9", "\u20ac", "\ud83d\ude00", "\uffff", "\u0800")) {
            assertTrue(Utf8Validator.isValid(Recorder.utf8(valid), 0, Recorder.utf8(valid).length), valid);
        }
        int[][] invalid = {{0x80}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x9F, 0x80}, {0xED, 0xA0, 0x80}, {0xF0, 0x8F, 0x80, 0x80},
                {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFF}, {0xE2, 0x82}, {0xC3}};
        for (int[] seq : invalid) {
            byte[] b = new byte[seq.length];
            for (int i = 0; i < seq.length; i++) b[i] = (byte) seq[i];
            assertFalse(Utf8Validator.isValid(b, 0, b.length), Recorder.hex(b));
        }
        Utf8Validator split = new Utf8Validator();
        assertTrue(split.feed(new byte[] {(byte) 0xF0, (byte) 0x9F}, 0, 2));
        assertFalse(split.atCharacterEnd());
        assertTrue(split.feed(new byte[] {(byte) 0x98, (byte) 0x80}, 0, 2));
        assertTrue(split.atCharacterEnd(), "a character cut in two is whole once both halves are in");
    }
}
