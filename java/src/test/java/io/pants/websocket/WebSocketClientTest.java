// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client: against the server (on another engine), and against a raw-socket server for what a real one would not send. */
@ExtendWith(NoDescriptorLeaks.class)
class WebSocketClientTest {
    /** A client that records its errors with their type. */
    static class Client extends Recorder {
        final CompletableFuture<IOException> error = new CompletableFuture<>();

        @Override protected void onConnectError(IOException cause) {
            error.complete(cause);
            super.onConnectError(cause);
        }
    }

    @BackendTest
    void theClientTalksToTheServer(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder.Echo().subprotocols("v2", "v1"));
             LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.subprotocols("v1", "v2").handshakeHeader("Origin", "http://127.0.0.1:" + s.port).connect(s.uri("/ws?room=1")));
            assertEquals("open", c.next("open"));
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            assertEquals("v2", clientLoop.call(c::subprotocol));
            assertEquals("room=1", s.loop.call(() -> server.handshake().query()));
            clientLoop.run(() -> c.send("hello \u20ac"));
            assertEquals("text:hello \u20ac", c.next("the echo"));
            byte[] big = new byte[300_000];
            for (int i = 0; i < big.length; i++) big[i] = (byte) (i >> 3);
            clientLoop.run(() -> c.send(big));
            assertEquals("binary:" + Recorder.hex(big), c.next("the big echo"));
            clientLoop.run(() -> {
                c.sendPart("x", false);
                c.ping(new byte[] {7});
                c.sendPart("y", true);
            });
            assertEquals("pong:07", c.next("the pong"));
            assertEquals("text:xy", c.next("the fragmented echo"));
            assertEquals("ping:07", server.nextStartingWith("ping:"));
            s.loop.run(() -> server.ping(new byte[] {8}));
            assertEquals("ping:08", c.next("the server's ping"));
            assertEquals("pong:08", server.nextStartingWith("pong:"));
            clientLoop.run(() -> c.close(4321, "client done"));
            assertEquals("close:4321:client done", c.next("the close"));
            assertEquals("close:4321:client done", server.nextStartingWith("close:"));
        }
    }

    @BackendTest
    void theServerClosesTheClient(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new); LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.connect(s.uri("/ws")));
            assertEquals("open", c.next("open"));
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            s.loop.run(() -> server.close(WebSocket.GOING_AWAY, "restart"));
            assertEquals("close:1001:restart", c.next("the close"));
            assertEquals("close:1001:restart", server.next("the close"));
        }
    }

    @BackendTest
    void aRefusedHandshakeIsAConnectError(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Recorder::new); LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.handshakeHeader("Origin", "http://evil.example").connect(s.uri("/ws")));
            WebSocketHandshakeException e = assertInstanceOf(WebSocketHandshakeException.class,
                    c.error.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(403, e.status());
            assertTrue(c.next("error").startsWith("error:"));
            assertTrue(c.next("close").startsWith("close:1006:"));
            Client missing = new Client();
            clientLoop.run(() -> missing.connect(s.uri("/nothing")));
            assertEquals(404, ((WebSocketHandshakeException) missing.error.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)).status());
        }
    }

    @BackendTest
    void aRefusedConnectionIsAConnectError(String backend) throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        try (LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.connect("ws://127.0.0.1:" + port + "/"));
            assertNotNull(c.error.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            c.next("error");
            assertTrue(c.next("close").startsWith("close:1006:"));
        }
    }

    /** A raw server on the test's side: accepts one connection, reads the handshake, answers as told. */
    private static final class RawServer implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final BlockingQueue<Object> accepted = new LinkedBlockingQueue<>();
        final Thread thread;

        RawServer(java.util.function.Function<String, String> answer) throws IOException {
            thread = new Thread(() -> {
                try {
                    Socket s = listener.accept();
                    RawWs ws = new RawWs(s);
                    String request = ws.readHead();
                    ws.sendRaw(answer.apply(request).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    accepted.add(ws);
                } catch (Exception e) {
                    accepted.add(e);
                }
            }, "raw-ws-server");
            thread.setDaemon(true);
            thread.start();
        }

        String uri() { return "ws://127.0.0.1:" + listener.getLocalPort() + "/raw"; }

        RawWs connection() throws Exception {
            Object o = accepted.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (o instanceof Exception e) throw e;
            if (o == null) throw new AssertionError("the raw server got no connection within " + LoopThread.WAIT);
            return (RawWs) o;
        }

        static String accepting(String request) {
            String key = request.lines().filter(l -> l.startsWith("Sec-WebSocket-Key: ")).findFirst().orElseThrow().substring(19);
            return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + Handshake.accept(key) + "\r\n\r\n";
        }

        @Override
        public void close() throws Exception {
            listener.close();
            thread.join(LoopThread.WAIT.toMillis());
        }
    }

    @BackendTest
    void theClientMasksAndRefusesMaskedFramesFromTheServer(String backend) throws Exception {
        try (RawServer raw = new RawServer(RawServer::accepting); LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.connect(raw.uri()));
            try (RawWs server = raw.connection()) {
                assertEquals("open", c.next("open"));
                clientLoop.run(() -> c.send("masked?"));
                RawWs.Frame f = server.read();
                assertTrue(f.masked(), "a client masks every frame");
                assertEquals("masked?", f.text());
                server.send(true, 0, 0x1, Recorder.utf8("plain"), false);
                assertEquals("text:plain", c.next("a server's unmasked frame"));
                server.send(true, 0, 0x1, Recorder.utf8("masked"), true);
                RawWs.Frame close = server.read();
                assertEquals(1002, close.closeCode());
                assertTrue(close.masked());
                server.assertEndOfStream(); // the close frame, then the client's end of stream
                server.close(); // as a server does then
                assertTrue(c.next("close").startsWith("close:1002:"));
            }
        }
    }

    @BackendTest
    void aWrongAcceptValueIsRefused(String backend) throws Exception {
        try (RawServer raw = new RawServer(r -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"); LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.connect(raw.uri()));
            raw.connection().close();
            IOException e = c.error.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(e.getMessage().contains("Sec-WebSocket-Accept"), e.getMessage());
            c.next("error");
            assertTrue(c.next("close").startsWith("close:1006:"));
        }
    }

    @BackendTest
    void anUnofferedSubprotocolOrExtensionIsRefused(String backend) throws Exception {
        for (String extra : new String[] {"Sec-WebSocket-Protocol: never-offered\r\n", "Sec-WebSocket-Extensions: permessage-deflate\r\n"}) {
            try (RawServer raw = new RawServer(r -> RawServer.accepting(r).replace("\r\n\r\n", "\r\n" + extra + "\r\n"));
                 LoopThread clientLoop = new LoopThread(backend)) {
                Client c = new Client();
                clientLoop.run(() -> c.connect(raw.uri()));
                raw.connection().close();
                IOException e = c.error.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertInstanceOf(WebSocketHandshakeException.class, e, extra);
            }
        }
    }

    @BackendTest
    void anAnswerThatIsNotHttpIsRefused(String backend) throws Exception {
        for (String answer : new String[] {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade : websocket\r\n\r\n"}) {
            try (RawServer raw = new RawServer(r -> answer); LoopThread clientLoop = new LoopThread(backend)) {
                Client c = new Client();
                clientLoop.run(() -> c.connect(raw.uri()));
                raw.connection().close();
                IOException e = c.error.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertTrue(e.getMessage().contains("not HTTP"), answer + ": " + e.getMessage());
                c.next("error");
                assertTrue(c.next("close").startsWith("close:1006:"));
            }
        }
    }

    @BackendTest
    void framesRightBehindThe101AreRead(String backend) throws Exception {
        String frame = new String(RawWs.frame(true, 0, 0x1, Recorder.utf8("right behind"), false), java.nio.charset.StandardCharsets.ISO_8859_1);
        try (RawServer raw = new RawServer(r -> RawServer.accepting(r) + frame); LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.connect(raw.uri()));
            try (RawWs server = raw.connection()) {
                assertEquals("open", c.next("open"));
                assertEquals("text:right behind", c.next("the frame behind the head"));
            }
            assertTrue(c.next("close").startsWith("close:1006:"), "the raw server went away without a close frame");
        }
    }

    @BackendTest
    void aServerThatNeverAnswersTimesOutTheCloseAndThePings(String backend) throws Exception {
        try (RawServer raw = new RawServer(RawServer::accepting); LoopThread clientLoop = new LoopThread(backend)) {
            Client c = new Client();
            clientLoop.run(() -> c.closeTimeout(Duration.ofMillis(200)).pingInterval(Duration.ofMillis(100)).connect(raw.uri()));
            try (RawWs server = raw.connection()) {
                assertEquals("open", c.next("open"));
                RawWs.Frame ping = server.read();
                assertEquals(0x9, ping.opcode(), "a quiet connection is pinged");
                // no pong: the client gives up on the server
                assertTrue(c.next("close").startsWith("close:1006:"));
                server.assertEndOfStream();
            }
        }
    }
}
