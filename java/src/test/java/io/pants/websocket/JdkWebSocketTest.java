// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.http.JdkClient;

import java.net.http.WebSocket.Listener;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JDK's WebSocket client ({@code java.net.http.WebSocket}), an independent peer, against the server. */
@JdkClient.Uses
class JdkWebSocketTest {
    /** Records what the JDK client gets: "text:...", "binary:<hex>", "pong:<hex>", "close:code:reason"; whole messages. */
    static final class JdkEvents implements Listener {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                events.add("text:" + text);
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(java.net.http.WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                events.add("binary:" + Recorder.hex(binary.toByteArray()));
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(java.net.http.WebSocket ws, ByteBuffer message) {
            byte[] b = new byte[message.remaining()];
            message.get(b);
            events.add("pong:" + Recorder.hex(b));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(java.net.http.WebSocket ws, int statusCode, String reason) {
            events.add("close:" + statusCode + ":" + reason);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket ws, Throwable error) {
            events.add("error:" + error);
        }

        String next(String what) throws InterruptedException {
            String e = events.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) throw new AssertionError("the JDK client got no " + what + " within " + LoopThread.WAIT);
            return e;
        }
    }

    private static java.net.http.WebSocket.Builder builder() {
        return JdkClient.get().newWebSocketBuilder().connectTimeout(LoopThread.WAIT);
    }

    private static <T> T await(CompletableFuture<T> f, String what) throws Exception {
        try {
            return f.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + LoopThread.WAIT, e);
        }
    }

    @BackendTest
    void messagesGoBothWays(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder.Echo::new)) {
            JdkEvents events = new JdkEvents();
            java.net.http.WebSocket ws = await(builder().buildAsync(s.uri("/ws"), events), "the handshake");
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            await(ws.sendText("hello \u00e9\u20ac\ud83d\ude00", true), "sending");
            assertEquals("text:hello \u00e9\u20ac\ud83d\ude00", events.next("the echo"));
            assertEquals("text:hello \u00e9\u20ac\ud83d\ude00", server.next("text"));
            byte[] big = new byte[200_000];
            for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 7);
            await(ws.sendBinary(ByteBuffer.wrap(big), true), "sending binary");
            assertEquals("binary:" + Recorder.hex(big), events.next("the binary echo"));
            // the JDK sends these as a text message in three frames
            await(ws.sendText("frag", false), "part 1");
            await(ws.sendText("ment", false), "part 2");
            await(ws.sendText("ed", true), "part 3");
            assertEquals("text:fragmented", events.next("the fragmented echo"));
            await(ws.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8))), "ping");
            assertEquals("pong:" + Recorder.hex("are you there".getBytes(StandardCharsets.UTF_8)), events.next("the automatic pong"));
            await(ws.sendClose(4000, "done"), "close");
            assertEquals("close:4000:done", events.next("the server's close answer"));
            assertTrue(server.nextStartingWith("close:").equals("close:4000:done"));
        }
    }

    @BackendTest
    void theServerSendsFragmentsAndCloses(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new)) {
            JdkEvents events = new JdkEvents();
            java.net.http.WebSocket ws = await(builder().buildAsync(s.uri("/ws"), events), "the handshake");
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            s.loop.run(() -> {
                server.sendPart("a", false);
                server.ping(new byte[] {1});
                server.sendPart("b", false);
                server.sendPart("c", true);
                server.send(new byte[] {1, 2, 3});
                server.close(WebSocket.POLICY_VIOLATION, "go away");
            });
            assertEquals("text:abc", events.next("the fragmented message"));
            assertEquals("binary:010203", events.next("the binary message"));
            assertEquals("close:1008:go away", events.next("the close"));
            // the JDK answers a close by itself once onClose returns
            assertTrue(server.nextStartingWith("close:").startsWith("close:1008:"), "the JDK's answer echoes the code");
        }
    }

    @BackendTest
    void subprotocolsAreNegotiated(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder().subprotocols("chat.v2", "chat.v1"))) {
            java.net.http.WebSocket ws = await(builder().subprotocols("chat.v1", "chat.v2").buildAsync(s.uri("/ws"), new JdkEvents()),
                    "the handshake");
            assertEquals("chat.v2", ws.getSubprotocol(), "the server's preference among those offered");
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            assertEquals("chat.v2", s.loop.call(server::subprotocol));
            ws.abort();
            assertTrue(server.next("close").startsWith("close:1006:"));
            java.net.http.WebSocket none = await(builder().subprotocols("other").buildAsync(s.uri("/ws"), new JdkEvents()), "the handshake");
            assertEquals("", none.getSubprotocol(), "none agreed");
            none.abort();
        }
    }

    @BackendTest
    void aForeignOriginIsRefused(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new)) {
            CompletableFuture<java.net.http.WebSocket> f = builder().header("Origin", "http://evil.example").buildAsync(s.uri("/ws"), new JdkEvents());
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            WebSocketHandshakeException h = assertInstanceOf(WebSocketHandshakeException.class, e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause());
            assertEquals(403, h.getResponse().statusCode());
            // its own site is fine
            java.net.http.WebSocket ok = await(builder().header("Origin", "http://127.0.0.1:" + s.port).buildAsync(s.uri("/ws"), new JdkEvents()), "same-origin");
            ok.abort();
        }
    }

    @BackendTest
    void aMessageOverTheLimitIs1009(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder().maxMessageSize(10))) {
            JdkEvents events = new JdkEvents();
            java.net.http.WebSocket ws = await(builder().buildAsync(s.uri("/ws"), events), "the handshake");
            ws.sendText("more than ten bytes", true);
            String close = events.next("the close");
            assertTrue(close.startsWith("close:1009:"), close);
            Recorder server = s.next();
            assertTrue(server.nextStartingWith("close:").startsWith("close:1009:"));
        }
    }
}
