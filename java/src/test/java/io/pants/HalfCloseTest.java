// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Stream#shutdownOutput()}: the peer gets its end of stream after everything queued, the
 * stream goes on reading, writes afterwards throw, and the stream closes once both directions
 * are done.
 */
@ExtendWith(NoDescriptorLeaks.class)
class HalfCloseTest {
    private static final int MB = 1024 * 1024;

    /** A server stream that writes 4 MB and half-closes on connect; records what it reads. */
    @BackendTest
    void theEndOfStreamFollowsWhatIsQueuedAndTheStreamGoesOnReading(String backend) throws Exception {
        int size = 4 * MB; // more than one write takes: the FIN must wait for the queue
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Recorder> made = new CompletableFuture<>();
            int port = loop.serve(made, () -> new Recorder() {
                @Override
                protected void onConnect() {
                    super.onConnect();
                    write(TestData.bytes(0, size));
                    shutdownOutput();
                    events.add("output shut down " + isOutputShutdown() + ", writable " + isWritable());
                }
            });
            try (Socket c = EchoTest.connect(port)) {
                Recorder r = Await.get(made, "the server to accept");
                TestData.Checker got = TestData.readToEnd(c.getInputStream(), new TestData.Checker(), 64 * 1024);
                assertEquals(size, got.count(), "bytes before the end of stream");
                assertEquals("ok", got.verdict(), "content before the end of stream");
                loop.run(() -> assertTrue(r.isConnected(), "the stream closed when its output was shut down: " + r));
                // it still reads
                byte[] later = "still listening?".getBytes(StandardCharsets.UTF_8);
                c.getOutputStream().write(later);
                c.shutdownOutput();
                List<String> events = Await.get(r.closed, "the stream to close at the client's end of stream");
                assertEquals(List.of("connect", "output shut down true, writable false", "read " + later.length, "close"), events);
                loop.run(() -> assertArrayEquals(later, r.received, "what the stream read after shutting its output down"));
            }
        }
    }

    @BackendTest
    void writingAfterShutdownOutputThrowsAndSaysWhy(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Recorder> made = new CompletableFuture<>();
            int port = loop.serve(made, Recorder::new);
            try (Socket c = EchoTest.connect(port)) {
                Recorder r = Await.get(made, "the server to accept");
                loop.run(() -> {
                    r.write("before");
                    r.shutdownOutput();
                    r.shutdownOutput(); // again: nothing more to do
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.write("after"));
                    assertTrue(e.getMessage().contains("shut down with shutdownOutput()") && e.getMessage().contains("nothing more can be written"),
                            "the message must say why: " + e.getMessage());
                    assertThrows(IllegalStateException.class, () -> r.write(new byte[1], 0, 1));
                    assertThrows(IllegalStateException.class, () -> r.write(java.nio.ByteBuffer.wrap(new byte[1])));
                });
                InputStream in = c.getInputStream();
                assertArrayEquals("before".getBytes(StandardCharsets.UTF_8), in.readAllBytes(), "what came before the end of stream");
                // close() after shutdownOutput() closes
                loop.run(r::close);
                Await.get(r.closed, "the stream to close");
                loop.run(() -> assertTrue(r.isClosed(), "closed"));
            }
        }
    }

    /**
     * The peer's end of stream comes first and the stream stays half-open to answer; its
     * shutdownOutput() after the answer ends both directions, so it closes.
     */
    @BackendTest
    void shutdownOutputAfterTheEndOfInputClosesOnceTheAnswerIsOut(String backend) throws Exception {
        int size = 2 * MB;
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Recorder> made = new CompletableFuture<>();
            int port = loop.serve(made, () -> new Recorder() {
                @Override
                protected void onEndOfInput() {
                    events.add("end of input");
                    write(TestData.bytes(0, size));
                    shutdownOutput(); // instead of close(): both directions are done
                }
            });
            try (Socket c = EchoTest.connect(port)) {
                c.getOutputStream().write("question".getBytes(StandardCharsets.UTF_8));
                c.shutdownOutput();
                Recorder r = Await.get(made, "the server to accept");
                TestData.Checker got = TestData.readToEnd(c.getInputStream(), new TestData.Checker(), 64 * 1024);
                assertEquals(size, got.count(), "bytes of the answer");
                assertEquals("ok", got.verdict(), "content of the answer");
                assertEquals(List.of("connect", "read 8", "end of input", "close"), Await.get(r.closed, "the stream to close"));
            }
        }
    }

    /**
     * A client stream half-closes while still connecting, with its request queued: the echo
     * server gets the request and its end of stream, answers and closes; the client reads the
     * answer and closes at the server's end of stream. Both are streams, on two engines.
     */
    @BackendTest
    void aConnectingClientThatHalfClosesGetsItsAnswerAndCloses(String backend) throws Exception {
        int size = 3 * MB;
        try (LoopThread serverLoop = new LoopThread(backend); LoopThread clientLoop = new LoopThread(backend)) {
            int port = serverLoop.call(() -> new Server(serverLoop.engine, EchoTest.Echo::new).listen("127.0.0.1", 0).port());
            Recorder client = clientLoop.call(() -> {
                Recorder r = new Recorder(clientLoop.engine);
                r.connect("127.0.0.1", port);
                r.write(TestData.bytes(0, size));
                r.shutdownOutput();
                assertTrue(r.isOutputShutdown(), "isOutputShutdown() right after shutdownOutput()");
                assertFalse(r.isWritable(), "writable after shutdownOutput()");
                return r;
            });
            List<String> events = Await.get(client.closed, "the client to close at the server's end of stream");
            assertEquals("connect", events.get(0), "first event");
            assertEquals("close", events.get(events.size() - 1), "last event");
            clientLoop.run(() -> assertTestData(size, client.received, "echoed"));
        }
    }

    /**
     * Both directions end while the user has paused reading: our end of stream is out, the
     * peer's comes after input the pause holds back. epoll reports the hang-up whatever the
     * interest, and the stream reads the rest to stop hearing of it; it must not close then (that
     * would drop the input), but deliver everything once resumed, then onEndOfInput, then close.
     */
    @BackendTest
    void inputHeldBackByAPauseIsDeliveredAfterBothDirectionsEnded(String backend) throws Exception {
        int size = 64 * 1024; // within the kernel buffers: the client's write completes while the server is paused
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Recorder> made = new CompletableFuture<>();
            int port = loop.serve(made, () -> new Recorder() {
                @Override
                protected void onConnect() {
                    super.onConnect();
                    pauseReading();
                    shutdownOutput();
                }

                @Override
                protected void onEndOfInput() {
                    events.add("end of input");
                    super.onEndOfInput();
                }
            });
            try (Socket c = EchoTest.connect(port)) {
                Recorder r = Await.get(made, "the server to accept");
                assertEquals(-1, c.getInputStream().read(), "the server's end of stream");
                c.getOutputStream().write(TestData.bytes(0, size));
                c.shutdownOutput();
                if (backend.startsWith("epoll")) {
                    // the hang-up comes whatever the interest (other pollers report nothing without it)
                    long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
                    while (!loop.call(() -> r.endOfStreamRead() || r.isClosed())) {
                        assertTrue(System.nanoTime() < deadline, "the hang-up was not seen within " + LoopThread.WAIT);
                    }
                    for (int i = 0; i < 3; i++) loop.run(() -> { }); // turns on which the hang-up is reported again
                    loop.run(() -> assertTrue(r.isConnected(), "the stream closed at the hang-up, dropping the input a pause held back"));
                }
                loop.run(() -> assertEquals(List.of("connect"), r.events, "callbacks while paused"));
                loop.run(r::resumeReading);
                List<String> events = Await.get(r.closed, "the stream to close after delivering its input");
                assertEquals("end of input", events.get(events.size() - 2), "callback before close: " + events);
                loop.run(() -> assertTestData(size, r.received, "delivered after resuming"));
            }
        }
    }

    @BackendTest
    void shutdownOutputBeforeConnectingSaysToConnectFirst(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            loop.run(() -> {
                Recorder r = new Recorder(loop.engine);
                IllegalStateException e = assertThrows(IllegalStateException.class, r::shutdownOutput);
                assertTrue(e.getMessage().contains("connect() it first"), e.getMessage());
            });
        }
    }

    /** Closing streams have their output shut as part of closing: shutdownOutput() does nothing there. */
    @BackendTest
    void shutdownOutputOnAClosedStreamDoesNothing(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Recorder> made = new CompletableFuture<>();
            int port = loop.serve(made, Recorder::new);
            try (Socket c = EchoTest.connect(port)) {
                Recorder r = Await.get(made, "the server to accept");
                loop.run(() -> {
                    r.close();
                    r.shutdownOutput();
                    assertEquals(1, r.closes.get(), "onClose calls");
                });
                assertEquals(-1, new DataInputStream(c.getInputStream()).read(), "end of stream");
            }
        }
    }

    /** That {@code data} is the first {@code size} bytes of {@link TestData}. */
    private static void assertTestData(int size, byte[] data, String what) {
        TestData.Checker got = new TestData.Checker();
        got.accept(data);
        assertEquals(size, got.count(), "bytes " + what);
        assertEquals("ok", got.verdict(), "content " + what);
    }
}
