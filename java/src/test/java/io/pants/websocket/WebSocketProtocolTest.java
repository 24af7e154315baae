// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.pants.websocket.RawWs.closePayload;
import static io.pants.websocket.Recorder.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server against a raw-socket peer written from the RFC: framing, fragmentation, masking,
 * UTF-8, control frames, limits and the close handshake, well-formed and malformed.
 */
@ExtendWith(NoDescriptorLeaks.class)
class WebSocketProtocolTest {
    private static final int TEXT = 0x1, BINARY = 0x2, CONT = 0x0, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

    /**
     * A client that breaks a rule gets a close frame with {@code code}, then the server's end of
     * stream; once the client closes too, the server reports the same code.
     */
    private static void assertFailsWith(String backend, int code, RawAction action) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder.Echo::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            action.run(c);
            assertEquals(code, c.readCloseCode(), "the close code the server sent");
            c.assertEndOfStream();
            c.close(); // as a peer does once it has the close frame
            assertTrue(server.nextStartingWith("close:").startsWith("close:" + code + ":"), "the server's own report");
        }
    }

    interface RawAction {
        void run(RawWs c) throws Exception;
    }

    @BackendTest
    void textAndBinaryAreEchoedUnmasked(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder.Echo::new); RawWs c = RawWs.open(s.port, "/ws")) {
            assertTrue(c.responseHead.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
                    "the accept value of RFC 6455's own example: " + c.responseHead);
            c.send(TEXT, utf8("h\u00e9llo \u20ac"));
            RawWs.Frame f = c.read();
            assertEquals(TEXT, f.opcode());
            assertTrue(f.fin());
            assertFalse(f.masked(), "a server never masks");
            assertEquals("h\u00e9llo \u20ac", f.text());
            byte[] big = new byte[70_000]; // a 64-bit length
            for (int i = 0; i < big.length; i++) big[i] = (byte) i;
            c.send(BINARY, big);
            f = c.read();
            assertEquals(BINARY, f.opcode());
            assertArrayEquals(big, f.payload());
            byte[] mid = new byte[300]; // a 16-bit length
            c.send(BINARY, mid);
            assertEquals(300, c.read().payload().length);
            c.send(TEXT, new byte[0]);
            assertEquals("", c.read().text());
        }
    }

    @BackendTest
    void fragmentsAreAssembledWithControlFramesBetween(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder.Echo::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            byte[] euro = utf8("\u20ac"); // three bytes, cut between the fragments
            c.send(false, 0, TEXT, new byte[] {'a', euro[0]}, true);
            c.send(true, 0, PING, utf8("between"), true);
            c.send(false, 0, CONT, new byte[] {euro[1]}, true);
            c.send(true, 0, PONG, utf8("unasked"), true);
            c.send(true, 0, CONT, new byte[] {euro[2], 'b'}, true);
            RawWs.Frame pong = c.read();
            assertEquals(PONG, pong.opcode(), "the ping is answered at once, inside the message");
            assertEquals("between", pong.text());
            RawWs.Frame echo = c.read();
            assertEquals("a\u20acb", echo.text());
            assertEquals("ping:" + Recorder.hex(utf8("between")), server.next("ping"));
            assertEquals("pong:" + Recorder.hex(utf8("unasked")), server.next("pong"));
            assertEquals("text:a\u20acb", server.next("text"));
            // binary in three parts
            c.send(false, 0, BINARY, new byte[] {1}, true);
            c.send(false, 0, CONT, new byte[] {2}, true);
            c.send(true, 0, CONT, new byte[] {3}, true);
            assertArrayEquals(new byte[] {1, 2, 3}, c.read().payload());
        }
    }

    @BackendTest
    void theServerSendsFragmentsAndPings(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            s.loop.run(() -> {
                server.sendPart("one ", false);
                server.ping(utf8("p"));
                server.sendPart("two", true);
                server.sendPart(new byte[] {9}, false);
                server.sendPart(new byte[] {8}, true);
            });
            RawWs.Frame f1 = c.read(), ping = c.read(), f2 = c.read(), b1 = c.read(), b2 = c.read();
            assertEquals(TEXT, f1.opcode());
            assertFalse(f1.fin());
            assertEquals(PING, ping.opcode());
            assertEquals(CONT, f2.opcode());
            assertTrue(f2.fin());
            assertEquals("one two", f1.text() + f2.text());
            assertEquals(BINARY, b1.opcode());
            assertEquals(CONT, b2.opcode());
            c.send(PONG, ping.payload());
            assertEquals("pong:" + Recorder.hex(utf8("p")), server.next("pong"));
        }
    }

    @BackendTest
    void bytesRightBehindTheHandshakeAreTheFirstFrame(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder.Echo::new); RawWs c = new RawWs(new Socket("127.0.0.1", s.port))) {
            String head = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
            byte[] frame = RawWs.frame(true, 0, TEXT, utf8("early"), true);
            byte[] both = Arrays.copyOf(h, h.length + frame.length);
            System.arraycopy(frame, 0, both, h.length, frame.length);
            c.sendRaw(both);
            assertTrue(c.readHead().startsWith("HTTP/1.1 101 "), c.responseHead);
            assertEquals("early", c.read().text());
        }
    }

    @BackendTest
    void theCloseHandshakeEchoesTheCode(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            c.send(CLOSE, closePayload(4001, "bye \u00e9"));
            RawWs.Frame echo = c.read();
            assertEquals(4001, echo.closeCode());
            assertFalse(echo.masked());
            c.assertEndOfStream(); // the server closes TCP first
            assertEquals("close:4001:bye \u00e9", server.next("close"));
        }
    }

    @BackendTest
    void anEmptyCloseIsAnsweredEmptyAndReportedAs1005(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            c.send(CLOSE, new byte[0]);
            assertEquals(0, c.read().payload().length);
            c.assertEndOfStream();
            assertEquals("close:1005:", server.next("close"));
        }
    }

    @BackendTest
    void theServerClosesAndTheClientAnswers(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            s.loop.run(() -> server.close(WebSocket.GOING_AWAY, "shutting down"));
            RawWs.Frame close = c.read();
            assertEquals(1001, close.closeCode());
            assertEquals("shutting down", new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8));
            assertFalse(s.loop.call(() -> server.send("after close")), "nothing is sent after the close frame");
            c.send(CLOSE, closePayload(1001, ""));
            c.assertEndOfStream();
            assertEquals("close:1001:", server.next("close"));
        }
    }

    @BackendTest
    void aPeerThatNeverAnswersTheCloseIsCutAfterTheCloseTimeout(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder().closeTimeout(java.time.Duration.ofMillis(100)));
             RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            s.loop.run(() -> server.close(WebSocket.NORMAL_CLOSURE, "bye"));
            assertEquals(1000, c.read().closeCode());
            c.assertEndOfStream(); // no answer from us: the server cuts the connection
            assertTrue(server.next("close").startsWith("close:1006:"), "no close frame came back");
        }
    }

    @BackendTest
    void aPeerThatGoesAwayWithoutACloseFrameIs1006(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new)) {
            RawWs c = RawWs.open(s.port, "/ws");
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            c.close();
            assertTrue(server.next("close").startsWith("close:1006:"));
        }
    }

    @BackendTest
    void unmaskedClientFramesAreRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> c.send(true, 0, TEXT, utf8("naked"), false));
    }

    @BackendTest
    void invalidUtf8IsRefused(String backend) throws Exception {
        assertFailsWith(backend, 1007, c -> c.send(TEXT, new byte[] {'a', (byte) 0xC0, (byte) 0xAF})); // an overlong '/'
    }

    @BackendTest
    void invalidUtf8AcrossFragmentsIsRefused(String backend) throws Exception {
        // E2 82 starts a valid euro sign; 28 in the next fragment is no continuation byte
        assertFailsWith(backend, 1007, c -> {
            c.send(false, 0, TEXT, new byte[] {'x', (byte) 0xE2, (byte) 0x82}, true);
            c.send(true, 0, CONT, new byte[] {0x28}, true);
        });
    }

    @BackendTest
    void textEndingInsideACharacterIsRefused(String backend) throws Exception {
        assertFailsWith(backend, 1007, c -> c.send(TEXT, new byte[] {'x', (byte) 0xE2, (byte) 0x82}));
    }

    @BackendTest
    void surrogatesInUtf8AreRefused(String backend) throws Exception {
        assertFailsWith(backend, 1007, c -> c.send(TEXT, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
    }

    @BackendTest
    void anOversizeFrameIs1009(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder.Echo().maxFrameSize(1000)); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            c.send(BINARY, new byte[1000]);
            assertEquals(1000, c.read().payload().length, "a frame at the limit is fine");
            // only the header of a frame over the limit: refused before its payload comes
            c.sendRaw(new byte[] {(byte) 0x82, (byte) (0x80 | 126), (byte) (1001 >>> 8), (byte) (1001 & 0xff), 1, 2, 3, 4});
            assertEquals(1009, c.readCloseCode());
            c.assertEndOfStream();
            c.close(); // as a peer does once it has the close frame
            assertTrue(server.nextStartingWith("close:").startsWith("close:1009:"));
        }
    }

    @BackendTest
    void anOversizeFragmentedMessageIs1009(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder.Echo().maxMessageSize(1500)); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            c.send(false, 0, BINARY, new byte[1000], true);
            c.send(true, 0, CONT, new byte[501], true);
            assertEquals(1009, c.readCloseCode());
            c.assertEndOfStream();
            c.close(); // as a peer does once it has the close frame
            assertTrue(server.nextStartingWith("close:").startsWith("close:1009:"));
        }
    }

    @BackendTest
    void aHugeLengthIs1009BeforeAnyPayload(String backend) throws Exception {
        assertFailsWith(backend, 1009, c -> c.sendRaw(new byte[] {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4}));
    }

    @BackendTest
    void badCloseCodesAreRefused(String backend) throws Exception {
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
            assertFailsWith(backend, 1002, c -> c.send(CLOSE, closePayload(code, "")));
        }
    }

    @BackendTest
    void aOneByteCloseIsRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> c.send(CLOSE, new byte[] {3}));
    }

    @BackendTest
    void aCloseReasonThatIsNotUtf8Is1007(String backend) throws Exception {
        assertFailsWith(backend, 1007, c -> c.send(CLOSE, new byte[] {0x03, (byte) 0xE8, (byte) 0xFF}));
    }

    @BackendTest
    void fragmentedControlFramesAreRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> c.send(false, 0, PING, utf8("half"), true));
    }

    @BackendTest
    void controlFramesOver125BytesAreRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> c.send(PING, new byte[126]));
    }

    @BackendTest
    void reservedBitsAreRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> c.send(true, 4, TEXT, utf8("compressed?"), true));
    }

    @BackendTest
    void unknownOpcodesAreRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> c.send(true, 0, 0x3, new byte[0], true));
        assertFailsWith(backend, 1002, c -> c.send(true, 0, 0xB, new byte[0], true));
    }

    @BackendTest
    void aContinuationWithoutAMessageIsRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> c.send(true, 0, CONT, utf8("orphan"), true));
    }

    @BackendTest
    void aNewMessageInsideAFragmentedOneIsRefused(String backend) throws Exception {
        assertFailsWith(backend, 1002, c -> {
            c.send(false, 0, TEXT, utf8("first"), true);
            c.send(true, 0, TEXT, utf8("second"), true);
        });
    }
}
