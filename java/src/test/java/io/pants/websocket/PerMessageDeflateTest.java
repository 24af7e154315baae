// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** permessage-deflate (RFC 7692) against a raw peer: negotiation, compressed frames both ways, and the malformed ones. */
@ExtendWith(NoDescriptorLeaks.class)
class PerMessageDeflateTest {
    private static final String OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

    /** Deflates as RFC 7692 says a sender does: raw deflate, sync flush, the 00 00 ff ff tail cut. */
    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        byte[] out = new byte[data.length + 64];
        int n = d.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
        d.end();
        return Arrays.copyOf(out, n - 4);
    }

    static byte[] inflate(byte[] data) throws Exception {
        Inflater i = new Inflater(true);
        byte[] in = Arrays.copyOf(data, data.length + 4);
        in[data.length + 2] = (byte) 0xff;
        in[data.length + 3] = (byte) 0xff;
        i.setInput(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!i.needsInput()) out.write(buf, 0, i.inflate(buf));
        i.end();
        return out.toByteArray();
    }

    private static RawWs open(WsServer s, String extensions) throws Exception {
        RawWs c = new RawWs(new Socket("127.0.0.1", s.port));
        String head = c.handshake("/ws", extensions);
        assertTrue(head.startsWith("HTTP/1.1 101 "), head);
        return c;
    }

    private static Supplier<WebSocket> deflating() {
        return () -> new Recorder.Echo().permessageDeflate(true);
    }

    @BackendTest
    void compressedMessagesBothWays(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, deflating()); RawWs c = open(s, OFFER)) {
            assertTrue(c.responseHead.contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"), c.responseHead);
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            byte[] text = Recorder.utf8("deflated text \u20ac ".repeat(100));
            c.send(true, 4, 0x1, deflate(text), true);
            RawWs.Frame echo = c.read();
            assertEquals(4, echo.rsv(), "the echo is compressed too");
            assertArrayEquals(text, inflate(echo.payload()));
            // a compressed message in two fragments: RSV1 on the first only
            byte[] z = deflate(new byte[3000]);
            c.send(false, 4, 0x2, Arrays.copyOfRange(z, 0, z.length / 2), true);
            c.send(true, 0, 0x0, Arrays.copyOfRange(z, z.length / 2, z.length), true);
            assertArrayEquals(new byte[3000], inflate(c.read().payload()));
            // uncompressed messages are fine with the extension on; short echoes go out uncompressed
            c.send(0x1, Recorder.utf8("plain"));
            RawWs.Frame plain = c.read();
            assertEquals(0, plain.rsv());
            assertEquals("plain", plain.text());
            assertEquals("text:" + new String(text, java.nio.charset.StandardCharsets.UTF_8), server.next("the inflated text"));
        }
    }

    @BackendTest
    void noContextTakeoverIsAgreedAndHonoured(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder.Echo().permessageDeflate(true).deflateContextTakeover(false));
             RawWs c = open(s, "Sec-WebSocket-Extensions: permessage-deflate\r\n")) {
            assertTrue(c.responseHead.contains("permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n"), c.responseHead);
            byte[] text = Recorder.utf8("again and again ".repeat(50));
            for (int i = 0; i < 3; i++) {
                c.send(true, 4, 0x1, deflate(text), true); // each deflated afresh, as agreed
                // each echo inflates on its own: the server started afresh too
                assertArrayEquals(text, inflate(c.read().payload()));
            }
        }
    }

    @BackendTest
    void offersWeCannotHonourAreDeclined(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, deflating())) {
            try (RawWs c = open(s, "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10, x-other\r\n")) {
                assertTrue(!c.responseHead.contains("Sec-WebSocket-Extensions"), "java.util.zip always uses 15 bits: " + c.responseHead);
            }
            try (RawWs c = open(s, "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10, permessage-deflate\r\n")) {
                assertTrue(c.responseHead.contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"), "the second offer: " + c.responseHead);
            }
        }
    }

    @BackendTest
    void aDeflateBombIs1009(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder.Echo().permessageDeflate(true).maxMessageSize(100_000)); RawWs c = open(s, OFFER)) {
            byte[] bomb = deflate(new byte[10_000_000]); // about 10 KB on the wire
            assertTrue(bomb.length < 100_000);
            c.send(true, 4, 0x2, bomb, true);
            assertEquals(1009, c.readCloseCode());
            c.assertEndOfStream();
        }
    }

    @BackendTest
    void malformedCompressedFramesAreRefused(String backend) throws Exception {
        record Case(int code, byte[][] frames) {}
        List<Case> cases = List.of(
                new Case(1007, new byte[][] {RawWs.frame(true, 4, 0x1, new byte[] {(byte) 0xff, (byte) 0xff, 1, 2}, true)}), // not deflate data
                new Case(1007, new byte[][] {RawWs.frame(true, 4, 0x1, deflate(new byte[] {'a', (byte) 0xC0, (byte) 0xAF}), true)}), // not UTF-8 inside
                new Case(1002, new byte[][] {RawWs.frame(false, 0, 0x1, Recorder.utf8("a"), true), RawWs.frame(true, 4, 0x0, deflate(Recorder.utf8("b")), true)}),
                new Case(1002, new byte[][] {RawWs.frame(true, 4, 0x9, new byte[0], true)}), // a compressed ping
                new Case(1002, new byte[][] {RawWs.frame(true, 2, 0x1, Recorder.utf8("rsv2"), true)}));
        try (WsServer s = new WsServer(backend, deflating())) {
            for (Case k : cases) {
                try (RawWs c = open(s, OFFER)) {
                    for (byte[] f : k.frames()) c.sendRaw(f);
                    assertEquals(k.code(), c.readCloseCode());
                    c.assertEndOfStream();
                }
            }
        }
    }

    @Test
    void theClientChecksTheServersAnswer() throws Exception {
        var answer = PerMessageDeflate.parse(List.of("permessage-deflate; server_max_window_bits=12; client_no_context_takeover"));
        PerMessageDeflate ok = PerMessageDeflate.fromServerAnswer(answer, true);
        ok.end();
        for (String bad : List.of("permessage-deflate; client_max_window_bits=10", "permessage-deflate; server_max_window_bits=7",
                "permessage-deflate; x=1", "x-other", "permessage-deflate; server_no_context_takeover; server_no_context_takeover")) {
            assertThrows(WebSocketHandshakeException.class, () -> PerMessageDeflate.fromServerAnswer(PerMessageDeflate.parse(List.of(bad)), true), bad);
        }
        assertNull(PerMessageDeflate.accept(PerMessageDeflate.parse(List.of("permessage-deflate; server_no_context_takeover=1")), true));
    }
}
