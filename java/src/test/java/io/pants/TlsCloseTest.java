// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ending TLS connections: close_notify both ways, truncation, half-close, handshake timeouts, garbage. */
@ExtendWith(NoDescriptorLeaks.class)
class TlsCloseTest {
    private static final TlsConfig SERVER = TlsConfig.of(TlsFixtures.serverContext());

    /** close() sends what is queued, then close_notify: the client reads everything, then a clean end (Python would raise on a truncation). */
    @BackendTest
    void closeSendsCloseNotifyAfterQueuedData(String backend) throws Exception {
        int size = 300_000;
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), () -> new Stream() {
                @Override protected void onRead(byte[] data) {
                    write(TestData.bytes(0, size));
                    close();
                }
            }, SERVER);
            String script = String.join("\n",
                    "import socket, ssl, sys",
                    "ctx = ssl.create_default_context(cafile=sys.argv[1])",
                    "with socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=20) as raw:",
                    "    with ctx.wrap_socket(raw, server_hostname='localhost') as s:",
                    "        s.sendall(b'go')",
                    "        n = 0",
                    "        while True:",
                    "            b = s.recv(65536)",  // SSLEOFError on an end without close_notify
                    "            if not b: break",
                    "            n += len(b)",
                    "        print(n)",
                    "");
            Process p = new ProcessBuilder("python3", "-c", script, TlsFixtures.localhost().cert().toString(), String.valueOf(port))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            Processes.closeStreams(p);
            assertEquals(String.valueOf(size), out, "python read all, then close_notify");
        }
    }

    /** The peer's close_notify (SSLSocket.shutdownOutput in TLS 1.3) ends the input as a FIN does: onEndOfInput after all data. */
    @BackendTest
    void peerCloseNotifyEndsInput(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, SERVER);
            try (SSLSocket c = TlsFixtures.jdkClient(port, "TLSv1.3")) {
                byte[] message = TestData.bytes(0, 100_000);
                c.getOutputStream().write(message);
                c.getOutputStream().flush();
                c.shutdownOutput(); // close_notify, half-close
                byte[] back = new byte[message.length];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertArrayEquals(message, back, "everything sent before close_notify is echoed");
                assertEquals(-1, c.getInputStream().read(), "then the server closes (close_notify)");
                TlsFixtures.Echo server = Await.get(made, "server stream");
                Await.get(server.endOfInput, "onEndOfInput for the client's close_notify");
                Await.get(server.closed, "the server to close");
                assertTrue(server.errors.isEmpty(), "a clean end is no error: " + server.errors);
            }
        }
    }

    /** A FIN without close_notify after the handshake is a truncation: onTlsError says so, onEndOfInput does not come. */
    @BackendTest
    void endWithoutCloseNotifyIsReportedAsTruncation(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, SERVER);
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket(raw, "localhost", port, false);
                c.setSoTimeout(20_000);
                c.startHandshake();
                c.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
                c.getOutputStream().flush();
                assertEquals('a', c.getInputStream().read());
                raw.shutdownOutput(); // under TLS: a FIN, no close_notify
                TlsFixtures.Echo server = Await.get(made, "server stream");
                Await.get(server.closed, "the server to close");
                assertEquals(1, server.errors.size(), "one TLS error: " + server.errors);
                assertTrue(server.errors.peek().getMessage().contains("close_notify"), "a truncation: " + server.errors.peek());
                assertFalse(server.endOfInput.isDone(), "a truncated end is not a clean end of input");
            }
        }
    }

    /**
     * shutdownOutput() on TLS 1.2 and 1.3: close_notify after the queue (the peer reads a clean
     * end), and reading goes on as on a plain stream, for a peer that goes on sending: OpenSSL
     * does, on both versions. The JDK does on TLS 1.3; on TLS 1.2 it answers our close_notify with
     * its own and shuts its output (RFC 5246 7.2.1), which is a clean end of input here. Every
     * output chunk comes back.
     */
    @BackendTest
    void halfCloseByThisSide(String backend) throws Exception {
        for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
            for (String peer : List.of("python", "jdk")) {
                String what = protocol + " to " + peer;
                try (LoopThread loop = new LoopThread(backend)) {
                    CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
                    ByteArrayOutputStream heard = new ByteArrayOutputStream();
                    int port = TlsFixtures.serve(loop, made, () -> new TlsFixtures.Echo() {
                        @Override protected void onConnect() {
                            write("all I say\n");
                            shutdownOutput();
                        }
                        @Override protected void onRead(byte[] data) { heard.writeBytes(data); }
                    }, SERVER.protocols(protocol));
                    int chunks = ChunksOutstanding.now(loop);
                    boolean peerSpeaks = peer.equals("python") || protocol.equals("TLSv1.3");
                    if (peer.equals("python")) {
                        assertEquals("all I say\n|close_notify|closed", PythonHalfClosePeer.run(port, protocol, "after-yours"), what);
                    } else {
                        try (SSLSocket c = TlsFixtures.jdkClient(port, protocol)) {
                            InputStream in = c.getInputStream();
                            assertEquals("all I say\n", new String(in.readNBytes(10), StandardCharsets.UTF_8), what);
                            assertEquals(-1, in.read(), "close_notify after the queued line: " + what);
                            byte[] more = "still listening?".getBytes(StandardCharsets.UTF_8);
                            if (peerSpeaks) {
                                c.getOutputStream().write(more);
                                c.getOutputStream().flush();
                                c.shutdownOutput();
                            } else {
                                assertThrows(java.io.IOException.class, () -> c.getOutputStream().write(more),
                                        "the JDK's TLS 1.2 output ends with our close_notify");
                            }
                            TlsFixtures.Echo server = Await.get(made, "server stream");
                            Await.get(server.closed, "the server to close once both sides are done: " + what);
                        }
                    }
                    TlsFixtures.Echo server = Await.get(made, "server stream");
                    Await.get(server.closed, "the server to close once both sides are done: " + what);
                    assertEquals(peerSpeaks ? "still listening?" : "", loop.call(() -> heard.toString(StandardCharsets.UTF_8)), what);
                    assertTrue(server.endOfInput.isDone() && server.errors.isEmpty(), "a clean end: " + what + " " + server.errors);
                    ChunksOutstanding.assertBackTo(loop, chunks, 1, "a half-close by this side, " + what);
                }
            }
        }
    }

    /**
     * The peer half-closes (its question, close_notify and FIN; from Python in one send, so that
     * the answer is staged when the close_notify is unwrapped). On TLS 1.3 the stream stays
     * half-open as a plain one: onEndOfInput writes more, then closes. On TLS 1.2 the peer's
     * close_notify ends our output too: what was written before it still goes out, then our
     * close_notify; writing in onEndOfInput throws and says why. Every output chunk comes back.
     */
    @BackendTest
    void halfCloseByThePeer(String backend) throws Exception {
        for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
            for (String peer : List.of("python", "jdk")) {
                String what = protocol + " from " + peer;
                try (LoopThread loop = new LoopThread(backend)) {
                    CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
                    CompletableFuture<String> atEnd = new CompletableFuture<>();
                    int port = TlsFixtures.serve(loop, made, () -> new TlsFixtures.Echo() {
                        @Override protected void onRead(byte[] data) { write("answer to " + new String(data, StandardCharsets.UTF_8)); }
                        @Override protected void onEndOfInput() {
                            endOfInput.complete(null);
                            String state = "writable " + isWritable() + ", output shut " + isOutputShutdown();
                            try {
                                write(" and more");
                                atEnd.complete(state + ", wrote");
                            } catch (IllegalStateException e) {
                                atEnd.complete(state + ", " + e.getMessage());
                            }
                            close();
                        }
                    }, SERVER.protocols(protocol));
                    int chunks = ChunksOutstanding.now(loop);
                    String answer;
                    if (peer.equals("python")) {
                        answer = PythonHalfClosePeer.run(port, protocol, "first");
                    } else {
                        try (SSLSocket c = TlsFixtures.jdkClient(port, protocol)) {
                            c.getOutputStream().write("question".getBytes(StandardCharsets.UTF_8));
                            c.getOutputStream().flush();
                            c.shutdownOutput(); // close_notify and the FIN
                            answer = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + "|close_notify";
                        }
                    }
                    TlsFixtures.Echo server = Await.get(made, "server stream");
                    Await.get(server.closed, "the server to close: " + what);
                    String end = Await.get(atEnd, "onEndOfInput: " + what);
                    if (protocol.equals("TLSv1.3")) {
                        assertEquals("answer to question and more|close_notify", answer, what);
                        assertEquals("writable true, output shut false, wrote", end, what);
                    } else {
                        assertEquals("answer to question|close_notify", answer, "the answer staged before the close_notify is sent: " + what);
                        assertTrue(end.startsWith("writable false, output shut true, ") && end.contains("RFC 5246 7.2.1")
                                && end.contains("nothing more can be written"), what + ": " + end);
                    }
                    assertTrue(server.errors.isEmpty(), "a clean end: " + what + " " + server.errors);
                    ChunksOutstanding.assertBackTo(loop, chunks, 1, "a half-close by the peer, " + what);
                }
            }
        }
    }

    /** A Pants client's close() reaches a Pants server as a clean end of input. */
    @BackendTest
    void pantsToPantsCloseNotify(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, SERVER);
            TlsProbe probe = new TlsProbe(loop.engine, "bye");
            loop.run(() -> probe.tls(TlsFixtures.clientContext()).connect("localhost", port));
            Await.get(probe.connected, "connect");
            loop.run(probe::close); // "bye" and close_notify
            TlsFixtures.Echo server = Await.get(made, "server stream");
            Await.get(server.endOfInput, "the server's onEndOfInput");
            Await.get(server.closed, "the server to close");
            assertTrue(server.errors.isEmpty(), "clean: " + server.errors);
        }
    }

    /** A client that connects and says nothing is closed after the handshake timeout. */
    @BackendTest
    void stalledHandshakeTimesOut(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, SERVER.handshakeTimeout(Duration.ofMillis(300)));
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                raw.setSoTimeout(20_000);
                raw.getOutputStream().write(new byte[] {22, 3, 1}); // the first bytes of a hello, and no more
                TlsFixtures.Echo server = Await.get(made, "server stream");
                Await.get(server.closed, "the server to give up on the handshake");
                SSLException e = server.errors.peek();
                assertInstanceOf(SSLHandshakeException.class, e);
                assertTrue(e.getMessage().contains("no TLS handshake within 300 ms"), e.getMessage());
                while (raw.getInputStream().read() >= 0) { /* an alert, maybe; then the end */ }
            }
        }
    }

    @BackendTest
    void plainHttpToTheTlsPortIsClosedWithOneDebugLine(String backend) throws Exception {
        closedWithOneDebugLine(backend, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @BackendTest
    void garbageIsClosedWithOneDebugLine(String backend) throws Exception {
        closedWithOneDebugLine(backend, TestData.bytes(0, 5000));
    }

    /** A hello that looks like TLS but is damaged inside: the engine's complaint, once. */
    @BackendTest
    void damagedHelloIsClosedWithOneDebugLine(String backend) throws Exception {
        byte[] hello = new byte[5 + 60];
        hello[0] = 22;
        hello[1] = 3;
        hello[2] = 1;
        hello[4] = 60;
        hello[5] = 1; // ClientHello, with a body of zeros and lengths that don't add up
        closedWithOneDebugLine(backend, hello);
    }

    /** A well-formed TLS 1.0 ClientHello (no supported_versions): a version the JDK no longer speaks. */
    @BackendTest
    void unsupportedProtocolVersionIsClosedWithOneDebugLine(String backend) throws Exception {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(new byte[] {3, 1}); // client_version TLS 1.0
        body.writeBytes(TestData.bytes(0, 32)); // random
        body.writeBytes(new byte[] {0, 0, 2, 0, 0x2f, 1, 0}); // no session id; TLS_RSA_WITH_AES_128_CBC_SHA; no compression
        byte[] b = body.toByteArray();
        java.io.ByteArrayOutputStream hello = new java.io.ByteArrayOutputStream();
        hello.writeBytes(new byte[] {22, 3, 1, 0, (byte) (b.length + 4), 1, 0, 0, (byte) b.length});
        hello.writeBytes(b);
        String line = closedWithOneDebugLine(backend, hello.toByteArray());
        assertTrue(line.contains("TLSv1") || line.contains("protocol"), "says why: " + line);
    }

    private String closedWithOneDebugLine(String backend, byte[] input) throws Exception {
        Logger pants = Logger.getLogger("io.pants");
        Level before = pants.getLevel();
        pants.setLevel(Level.FINE);
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, SERVER);
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                raw.setSoTimeout(20_000);
                raw.getOutputStream().write(input);
                InputStream in = raw.getInputStream();
                try {
                    while (in.read() >= 0) { /* an alert, then the end */ }
                } catch (java.net.SocketException reset) {
                    // the server closed with our input unread: a reset is an end too
                }
                TlsFixtures.Echo server = Await.get(made, "server stream");
                Await.get(server.closed, "the server to close the connection");
                assertFalse(server.connectedAfterHandshake.isDone(), "no onConnect");
            }
            loop.run(() -> { }); // a turn after the close: anything it logs is in
            List<LogRecord> tls = log.matching(r -> r.getMessage() != null && r.getMessage().contains("TLS"));
            assertEquals(1, tls.size(), "one line about it: " + log.describe());
            assertEquals(Level.FINE, tls.get(0).getLevel(), "at debug level");
            assertTrue(log.matching(r -> r.getLevel().intValue() > Level.FINE.intValue() && !r.getMessage().contains("poller")).isEmpty(),
                    "nothing louder: " + log.describe());
            return tls.get(0).getMessage();
        } finally {
            pants.setLevel(before);
        }
    }
}
