// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** close() flushes, abort() drops, onClose comes exactly once whatever ends a stream. */
@ExtendWith(NoDescriptorLeaks.class)
class CloseTest {
    private static final int MB = 1024 * 1024;

    /** A server whose streams are Recorders that run {@code onConnect} extra code; made streams are collected. */
    private static int serve(LoopThread loop, List<Recorder> made, Consumer<Recorder> onConnect) throws Exception {
        return loop.call(() -> new Server(loop.engine, () -> {
            Recorder r = new Recorder() {
                @Override
                protected void onConnect() {
                    super.onConnect();
                    onConnect.accept(this);
                }
            };
            add(made, r);
            return r;
        }).listen("127.0.0.1", 0).port());
    }

    private static void add(List<Recorder> made, Recorder r) {
        synchronized (made) {
            made.add(r);
            made.notifyAll();
        }
    }

    private static Recorder first(List<Recorder> made) throws InterruptedException {
        return awaitMade(made, 1).get(0);
    }

    /** Reads to end of stream; a reset counts as the end. Returns the bytes read. */
    private static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buf)) > 0) total += n;
        } catch (SocketException reset) {
            // "Connection reset": an abort may end the connection that way
        }
        return total;
    }

    @BackendTest
    void closeSendsWhatIsQueuedThenEndOfStream(String backend) throws Exception {
        int size = 8 * MB; // far more than one write() hands to the kernel
        List<String> duringClose = new ArrayList<>();
        List<Recorder> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = serve(loop, made, s -> {
                s.write(TestData.bytes(0, size));
                s.close();
                duringClose.add("queued " + s.queuedBytes() + ", isClosed " + s.isClosed() + ", isConnected " + s.isConnected());
            });
            try (Socket c = EchoTest.connect(port)) {
                byte[] got = new byte[size];
                DataInputStream in = new DataInputStream(c.getInputStream());
                in.readFully(got);
                assertEquals(-1, in.read(), "end of stream after the queued data");
                assertArrayEquals(TestData.bytes(0, size), got, "what was queued before close()");
                Recorder s = first(made);
                Await.get(s.closed, "onClose");
            }
        }
        assertEquals(List.of("queued " + size + ", isClosed true, isConnected false"), duringClose,
                "right after close(), nothing is sent yet and the stream counts as closed");
        assertEquals(1, first(made).closes.get(), "onClose calls");
    }

    @BackendTest
    void abortAndCloseWithoutFlushDropWhatIsQueued(String backend) throws Exception {
        for (boolean useAbort : new boolean[] {true, false}) {
            String how = useAbort ? "abort()" : "close(false)";
            List<Recorder> made = new ArrayList<>();
            try (LoopThread loop = new LoopThread(backend)) {
                int port = serve(loop, made, s -> {
                    s.write(TestData.bytes(0, 8 * MB));
                    if (useAbort) s.abort();
                    else s.close(false);
                });
                try (Socket c = EchoTest.connect(port)) {
                    // queued in the same callback, so none of it reached the kernel
                    assertEquals(0, drain(c.getInputStream()), "bytes received after " + how);
                    Await.get(first(made).closed, "onClose after " + how);
                }
            }
            assertEquals(1, first(made).closes.get(), "onClose calls after " + how);
        }
    }

    @BackendTest
    void abortAfterAPartialFlushDropsTheRest(String backend) throws Exception {
        int size = 32 * MB; // more than the kernel takes while the client does not read
        long[] flushed = new long[1];
        List<Recorder> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = serve(loop, made, s -> {
                s.write(TestData.bytes(0, size));
                s.flush();
                flushed[0] = size - s.queuedBytes();
                s.abort();
            });
            try (Socket c = EchoTest.connect(port)) {
                Await.get(first(made).closed, "onClose");
                long got = drain(c.getInputStream());
                assertTrue(flushed[0] < size, "flush() sent all " + size + " bytes; nothing left to drop");
                assertTrue(got <= flushed[0], "received " + got + " bytes, more than the " + flushed[0] + " sent before abort()");
            }
        }
    }

    // ---------------------------------------------------------------- onClose exactly once, every path

    @BackendTest
    void onCloseOnceWhenThePeerCloses(String backend) throws Exception {
        List<Recorder> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = serve(loop, made, s -> { });
            try (Socket c = EchoTest.connect(port)) {
                c.getOutputStream().write(new byte[10]);
            }
            Await.get(first(made).closed, "onClose after the peer closed");
        }
        Recorder s = first(made);
        assertEquals(1, s.closes.get(), "onClose calls");
        assertEquals(List.of("connect", "read 10", "close"), s.events);
    }

    @BackendTest
    void onCloseOnceWhenWeCloseOrAbortAndAgain(String backend) throws Exception {
        for (String how : List.of("close", "abort", "close(false)")) {
            List<Recorder> made = new ArrayList<>();
            try (LoopThread loop = new LoopThread(backend)) {
                int port = serve(loop, made, s -> {
                    switch (how) {
                        case "close" -> s.close();
                        case "abort" -> s.abort();
                        default -> s.close(false);
                    }
                    // closing again, any way, changes nothing
                    s.close();
                    s.abort();
                    s.close(false);
                });
                try (Socket c = EchoTest.connect(port)) {
                    assertEquals(0, drain(c.getInputStream()), "bytes from a stream that only closed");
                }
                Await.get(first(made).closed, "onClose after " + how);
            }
            Recorder s = first(made);
            assertEquals(1, s.closes.get(), "onClose calls after " + how + " and closing again");
            assertEquals(List.of("connect", "close"), s.events, "after " + how);
        }
    }

    @BackendTest
    void onCloseOnceForEveryStreamWhenTheEngineCloses(String backend) throws Exception {
        List<Recorder> made = new ArrayList<>();
        Recorder client;
        try (Socket jdk = new Socket()) {
            try (LoopThread loop = new LoopThread(backend)) {
                int port = serve(loop, made, s -> { });
                client = loop.call(() -> {
                    Recorder r = new Recorder(loop.engine);
                    r.connect("127.0.0.1", port);
                    return r;
                });
                Await.get(client.connected, "the client stream to connect");
                jdk.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                jdk.setSoTimeout((int) LoopThread.WAIT.toMillis());
                for (Recorder r : awaitMade(made, 2)) Await.get(r.connected, "the server to accept");
                // LoopThread.close() closes the engine with three streams open: the client
                // stream, and the two the server accepted (from it and from the JDK socket)
            }
            assertEquals(-1, jdk.getInputStream().read(), "the JDK client's end of stream");
        }
        assertEquals(1, client.closes.get(), "onClose calls of the client stream");
        assertEquals(List.of("connect", "close"), client.events, "client stream");
        assertEquals(2, made.size(), "streams accepted");
        for (Recorder s : made) {
            assertEquals(1, s.closes.get(), "onClose calls of " + s);
            assertEquals(List.of("connect", "close"), s.events, "accepted stream " + s);
        }
    }

    @BackendTest
    void onCloseOnceForEveryConnectionWhenTheServerCloses(String backend) throws Exception {
        List<Recorder> made = new ArrayList<>();
        List<Socket> clients = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Server> server = new CompletableFuture<>();
            int port = loop.call(() -> {
                Server s = new Server(loop.engine, () -> {
                    Recorder r = new Recorder();
                    add(made, r);
                    return r;
                }).listen("127.0.0.1", 0);
                server.complete(s);
                return s.port();
            });
            try {
                for (int i = 0; i < 3; i++) clients.add(EchoTest.connect(port));
                for (Recorder r : awaitMade(made, 3)) Await.get(r.connected, "the server to accept");
                loop.run(() -> {
                    for (Recorder r : made) r.write("bye " + made.indexOf(r)); // close() sends it first
                    server.getNow(null).close();
                });
                for (int i = 0; i < 3; i++) {
                    Recorder r = made.get(i);
                    byte[] bye = ("bye " + i).getBytes(StandardCharsets.UTF_8);
                    byte[] got = new byte[bye.length];
                    DataInputStream in = new DataInputStream(clients.get(i).getInputStream());
                    in.readFully(got);
                    assertArrayEquals(bye, got, "what client " + i + " got before the server closed");
                    assertEquals(-1, in.read(), "end of stream for client " + i);
                    Await.get(r.closed, "onClose of connection " + i);
                }
                assertEquals(0, (int) loop.call(() -> server.getNow(null).connections().size()), "connections after close()");
                // the listener is gone too: nothing listens on the port any more
                assertThrows(ConnectException.class, () -> EchoTest.connect(port).close(), "connecting to a closed server");
            } finally {
                for (Socket c : clients) c.close();
            }
        }
        for (Recorder r : made) assertEquals(1, r.closes.get(), "onClose calls of " + r);
    }

    @BackendTest
    void onCloseOnceAfterAFailedConnect(String backend) throws Exception {
        Recorder client;
        try (LoopThread loop = new LoopThread(backend); SocketChannel bound = ConnectTest.boundButNotListening()) {
            int port = ((InetSocketAddress) bound.getLocalAddress()).getPort();
            client = loop.call(() -> {
                Recorder r = new Recorder(loop.engine);
                r.connect("127.0.0.1", port);
                return r;
            });
            Await.get(client.closed, "onClose after the connect failed");
        }
        assertEquals(1, client.closes.get(), "onClose calls");
        assertEquals(List.of("connectError ConnectException", "close"), client.events);
    }

    // ---------------------------------------------------------------- closed streams refuse writes

    @BackendTest
    void writingToAClosedStreamThrowsSayingItIsClosed(String backend, @TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[10]);
        List<Recorder> made = new ArrayList<>();
        List<String> inOnClose = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, () -> {
                Recorder r = new Recorder() {
                    @Override
                    protected void onClose() {
                        super.onClose();
                        try {
                            write("late");
                            inOnClose.add("write() in onClose did not throw");
                        } catch (IllegalStateException e) {
                            inOnClose.add(e.getMessage());
                        }
                    }
                };
                add(made, r);
                return r;
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                Recorder s = awaitMade(made, 1).get(0);
                Await.get(s.connected, "the server to accept");
                List<String> messages = loop.call(() -> {
                    s.close();
                    List<String> m = new ArrayList<>();
                    for (Runnable attempt : List.<Runnable>of(
                            () -> s.write(new byte[1]),
                            () -> s.write(new byte[4], 1, 2),
                            () -> s.write("text"),
                            () -> s.write(ByteBuffer.allocate(3)),
                            () -> s.writeFile(file, 0, 10),
                            () -> {
                                try {
                                    s.writeFile(file);
                                } catch (IOException e) {
                                    throw new RuntimeException(e);
                                }
                            })) {
                        m.add(assertThrows(IllegalStateException.class, attempt::run).getMessage());
                    }
                    return m;
                });
                for (String m : messages) assertTrue(m.contains("closed"), "the message should say the stream is closed: " + m);
                assertEquals(-1, c.getInputStream().read(), "nothing was sent after close()");
            }
        }
        assertEquals(1, inOnClose.size(), "onClose calls");
        assertTrue(inOnClose.get(0).contains("closed"), "write() in onClose: " + inOnClose.get(0));
    }

    // ---------------------------------------------------------------- the peer ends its side

    @BackendTest
    void dataBeforeThePeersEndOfStreamIsDeliveredThenTheStreamCloses(String backend) throws Exception {
        int size = 3 * MB;
        List<Recorder> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = serve(loop, made, s -> { });
            try (Socket c = EchoTest.connect(port)) {
                c.getOutputStream().write(TestData.bytes(0, size));
            }
            List<String> events = Await.get(awaitMade(made, 1).get(0).closed, "onClose after the peer's end of stream");
            assertEquals("close", events.get(events.size() - 1), "the last event");
        }
        Recorder s = made.get(0);
        assertArrayEquals(TestData.bytes(0, size), s.received, "what onRead delivered before onClose");
        assertEquals(1, s.closes.get(), "onClose calls");
    }

    @BackendTest
    void aLastLineWithoutNewlineIsDeliveredAtEndOfStream(String backend) throws Exception {
        List<String> lines = new ArrayList<>();
        CompletableFuture<List<String>> closed = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() { readDelimiter("\n"); }

                @Override
                protected void onRead(byte[] line) { lines.add(new String(line, StandardCharsets.UTF_8)); }

                @Override
                protected void onClose() { closed.complete(List.copyOf(lines)); }
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                c.getOutputStream().write("one\ntwo\nthree".getBytes(StandardCharsets.UTF_8));
                c.shutdownOutput();
                assertEquals(-1, c.getInputStream().read(), "the server closes after the end of its input");
            }
            assertEquals(List.of("one", "two", "three"), Await.get(closed, "onClose"));
        }
    }

    /** The client half-closes right after its request; the answer, queued at once, arrives whole. */
    @BackendTest
    void aPeerThatHalfClosesGetsTheWholeQueuedAnswer(String backend) throws Exception {
        int size = 16 * MB; // the kernel takes only part of it before the client reads
        CompletableFuture<Long> answering = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() { readDelimiter("\n"); }

                @Override
                protected void onRead(byte[] request) {
                    write(TestData.bytes(0, size));
                    flush();
                    answering.complete(queuedBytes());
                }
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                c.getOutputStream().write("GET\n".getBytes(StandardCharsets.UTF_8));
                long stillQueued = Await.get(answering, "the server to start answering");
                assertTrue(stillQueued > 0, "the whole answer went out at once; the half-close would come after it");
                c.shutdownOutput();
                TestData.Checker got = TestData.readToEnd(c.getInputStream(), new TestData.Checker(), 64 * 1024);
                assertEquals(size, got.count(), "bytes of the answer received before end of stream");
                assertEquals("ok", got.verdict(), "the answer");
            }
        }
    }

    /**
     * The client half-closes right after its request; the server streams its answer with
     * backpressure (writing more in onDrain), so most of it is not even queued when the end of
     * the client's input arrives: the server stays half-open by overriding onEndOfInput.
     */
    @BackendTest
    void aPeerThatHalfClosesGetsTheWholeStreamedAnswer(String backend) throws Exception {
        long size = 16L * MB;
        CompletableFuture<Void> answering = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                long sent;

                @Override
                protected void onConnect() { readDelimiter("\n"); }

                @Override
                protected void onRead(byte[] request) {
                    produce();
                    answering.complete(null);
                }

                @Override
                protected void onDrain() { produce(); }

                @Override
                protected void onEndOfInput() { } // stay half-open: the answer is still being streamed

                private void produce() {
                    while (isWritable() && sent < size) {
                        write(TestData.bytes(sent, 16 * 1024));
                        sent += 16 * 1024;
                    }
                    if (sent == size) close();
                }
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                c.getOutputStream().write("GET\n".getBytes(StandardCharsets.UTF_8));
                Await.get(answering, "the server to start answering");
                c.shutdownOutput();
                TestData.Checker got = TestData.readToEnd(c.getInputStream(), new TestData.Checker(), 64 * 1024);
                assertEquals(size, got.count(), "bytes of the answer received before end of stream");
                assertEquals("ok", got.verdict(), "the answer");
            }
        }
    }

    /** Waits until the server has made {@code n} streams (each counts down as it is made). */
    private static List<Recorder> awaitMade(List<Recorder> made, int n) throws InterruptedException {
        long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
        while (true) {
            synchronized (made) {
                if (made.size() >= n) return new ArrayList<>(made);
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("the server made " + made.size() + " of " + n + " streams");
                made.wait(Math.max(1, left / 1_000_000));
            }
        }
    }
}
