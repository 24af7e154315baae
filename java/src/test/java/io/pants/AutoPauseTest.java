// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream stops reading by itself while its send queue is over the high water mark
 * ({@link Stream#autoPause(boolean)}): the README's one-line echo holds a client that sends
 * without reading in bounded memory, a pause of the user's outlives the automatic one, and
 * turning it off (per stream or per server) gives the old unbounded queue back.
 */
@ExtendWith(NoDescriptorLeaks.class)
class AutoPauseTest {
    private static final int MB = 1024 * 1024;
    /** What the automatic pause allows: the high water mark, plus a read or two already taken. */
    private static final long BOUND = 4L * Stream.DEFAULT_HIGH_WATER_MARK;

    /** The README's echo, recording the largest queue it ever had (right after each write) and what it read. */
    static final class Echo extends Stream {
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        long maxQueued, received;

        @Override
        protected void onRead(byte[] data) {
            received += data.length;
            write(data);
            maxQueued = Math.max(maxQueued, queuedBytes());
        }

        @Override
        protected void onClose() { closed.complete(null); }
    }

    /**
     * A client sends 50 MB and reads nothing until the server has stopped reading (old code: until
     * it has sent everything, the server queueing what the kernel can't hold), then reads it all
     * back slowly, a small piece at a time. The echo's queue never exceeds a few times the high
     * water mark, and every byte comes back in order.
     */
    @BackendTest
    void theReadmeEchoHoldsFiftyMegabytesFromAClientThatDoesNotReadInBoundedMemory(String backend) throws Exception {
        long total = 50L * MB;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Echo> made = new CompletableFuture<>();
            int port = loop.serve(made, Echo::new);
            try (Socket c = EchoTest.connect(port)) {
                Future<?> sending = send(writer, c, total, true);
                Echo echo = Await.get(made, "the server to accept");
                awaitStoppedOrSent(loop, echo, sending);
                // read back in 4 KiB pieces, looking at the server every 256 KiB: a slow reader
                TestData.Checker got = new TestData.Checker();
                InputStream in = c.getInputStream();
                byte[] buf = new byte[4096];
                long nextLook = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.accept(buf, 0, n);
                    if (got.count() >= nextLook) {
                        nextLook += 256 * 1024;
                        long queued = loop.call(echo::queuedBytes);
                        assertTrue(queued <= BOUND, "the echo queued " + queued + " bytes after " + got.count() + " were read back");
                    }
                }
                Await.get(sending, "the client to send everything");
                assertEquals(total, got.count(), "bytes echoed before the end of stream");
                assertEquals("ok", got.verdict(), "content echoed");
                Await.get(echo.closed, "the echo to close at the end of the input");
                long max = loop.call(() -> echo.maxQueued);
                assertTrue(max <= BOUND, "the echo's send queue grew to " + max + " bytes, above " + BOUND
                        + " (4 x the high water mark): it went on reading while the client did not read");
            }
        } finally {
            writer.shutdownNow();
        }
    }

    /**
     * Waits until the stream has stopped reading by itself, or (old code) the client has sent
     * everything; polls the loop, bounded by {@link LoopThread#WAIT}.
     */
    private static void awaitStoppedOrSent(LoopThread loop, Stream s, Future<?> sending) throws Exception {
        long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
        while (!loop.call(s::readingStopped)) {
            assertTrue(System.nanoTime() < deadline, "the stream neither stopped reading nor took everything within " + LoopThread.WAIT);
            try {
                sending.get(10, TimeUnit.MILLISECONDS);
                return; // everything was sent: the server took it all
            } catch (TimeoutException stillSending) {
                // look again
            }
        }
    }

    /**
     * Runs {@code whileStopped} on the loop in the same task that sees the automatic pause, and
     * returns what it returns. Between two loop tasks the pause may end by itself: the kernel's
     * buffers grow (TCP autotuning) and take more of the queue, which on io_uring arrives as a
     * send completion. So the pause is looked for again until a task finds it in effect.
     */
    private static long pauseWhileStopped(LoopThread loop, Stream s, Future<?> sending, Callable<Long> whileStopped) throws Exception {
        long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
        while (true) {
            awaitStoppedOrSent(loop, s, sending);
            Long got = loop.call(() -> s.readingStopped() ? whileStopped.call() : null);
            if (got != null) return got;
            assertTrue(System.nanoTime() < deadline, "the stream's automatic pause never held for a loop task within " + LoopThread.WAIT);
        }
    }

    /**
     * The user pauses while the automatic pause is in effect: the queue draining doesn't resume
     * reading, nor does resumeReading() while the queue is still full; the user's resume, once the
     * queue is drained, does. Nothing is lost.
     */
    @BackendTest
    void aPauseOfTheUsersOutlivesTheAutomaticOne(String backend) throws Exception {
        long total = 32L * MB; // more than the kernel buffers hold, so that the server's queue fills
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Echo> made = new CompletableFuture<>();
            int port = loop.serve(made, Echo::new);
            try (Socket c = EchoTest.connect(port)) {
                Future<?> sending = send(writer, c, total, true);
                Echo echo = Await.get(made, "the server to accept");
                long received = pauseWhileStopped(loop, echo, sending, () -> {
                    assertFalse(echo.isWritable(), "stopped reading while writable");
                    assertFalse(echo.isReadingPaused(), "the automatic pause shows as the user's");
                    echo.pauseReading();
                    echo.resumeReading(); // the user's resume: the automatic pause still holds
                    assertTrue(echo.readingStopped(), "resumeReading() ended the automatic pause with the queue still full");
                    echo.pauseReading();
                    return echo.received;
                });
                // take everything the echo read so far: its queue drains completely
                TestData.Checker got = new TestData.Checker();
                DataInputStream in = new DataInputStream(c.getInputStream());
                byte[] first = new byte[(int) received];
                in.readFully(first);
                got.accept(first);
                // the queue is written out (the client has it all): the automatic pause is over, the user's is not
                loop.run(() -> {
                    assertEquals(0, echo.queuedBytes(), "bytes still queued after the client read all that was echoed");
                    assertTrue(echo.isWritable(), "not writable with an empty queue");
                    assertTrue(echo.readingStopped(), "reading resumed when the queue drained, though the user had paused");
                });
                // a few loop turns later it still doesn't read
                for (int i = 0; i < 3; i++) Await.get(loop.engine.submit(() -> null), "a loop turn");
                loop.run(() -> assertEquals(received, echo.received, "the stream read while paused by the user"));
                loop.run(echo::resumeReading);
                TestData.readToEnd(in, got, 64 * 1024);
                Await.get(sending, "the client to send everything");
                assertEquals(total, got.count(), "bytes echoed");
                assertEquals("ok", got.verdict(), "content echoed");
                Await.get(echo.closed, "the echo to close at the end of the input");
            }
        } finally {
            writer.shutdownNow();
        }
    }

    /**
     * A client stream on another engine sends 50 MB to the echo, writing while it is writable and
     * going on in onDrain, and reads the echo as it comes. Its queue is over the high water mark
     * most of the time, through its own writing and not its reading: if that stopped its reading,
     * the echo's output would back up, the echo would stop reading, and neither queue could drain.
     */
    @BackendTest
    void aClientThatSendsFromOnDrainKeepsReadingWhileItsQueueIsFull(String backend) throws Exception {
        long total = 50L * MB;
        try (LoopThread serverLoop = new LoopThread(backend); LoopThread clientLoop = new LoopThread(backend)) {
            CompletableFuture<Echo> made = new CompletableFuture<>();
            int port = serverLoop.serve(made, Echo::new);
            CompletableFuture<TestData.Checker> done = new CompletableFuture<>();
            clientLoop.run(() -> new Stream(clientLoop.engine) {
                final TestData.Checker got = new TestData.Checker();
                long sent;

                @Override protected void onConnect() { produce(); }
                @Override protected void onDrain() { produce(); }

                private void produce() {
                    while (isWritable() && sent < total) {
                        int n = (int) Math.min(16 * 1024, total - sent);
                        write(TestData.bytes(sent, n));
                        sent += n;
                    }
                    if (sent == total) shutdownOutput();
                }

                @Override protected void onRead(byte[] data) { got.accept(data); }
                @Override protected void onClose() { done.complete(got); }
            }.connect("127.0.0.1", port));
            TestData.Checker got = Await.get(done, "the client to get all 50 MB back and the end of stream");
            assertEquals(total, got.count(), "bytes echoed");
            assertEquals("ok", got.verdict(), "content echoed");
            Echo echo = Await.get(made, "the server to accept");
            long max = serverLoop.call(() -> echo.maxQueued);
            assertTrue(max <= BOUND, "the echo's send queue grew to " + max + " bytes, above " + BOUND);
        }
    }

    /** autoPause(false) on the stream: it reads all the client sends and queues it (the caller's business). */
    @BackendTest
    void aStreamThatTurnsItOffQueuesWhatItReads(String backend) throws Exception {
        assertQueuesWithoutPausing(backend, server -> { }, () -> {
            Echo e = new Echo();
            e.autoPause(false);
            return e;
        });
    }

    /** Server.autoPause(false): the streams it accepts read all the client sends. */
    @BackendTest
    void aServerThatTurnsItOffAcceptsStreamsThatQueueWhatTheyRead(String backend) throws Exception {
        assertQueuesWithoutPausing(backend, server -> server.autoPause(false), Echo::new);
    }

    /**
     * 16 MB to an echo that does not pause, from a client that reads nothing (with a small receive
     * buffer): the server reads all of it, so most of it waits in its queue.
     */
    private static void assertQueuesWithoutPausing(String backend, Consumer<Server> configure,
                                                   Supplier<Echo> factory) throws Exception {
        long total = 16L * MB;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Echo> made = new CompletableFuture<>();
            int port = loop.call(() -> {
                Server server = new Server(loop.engine, () -> {
                    Echo e = factory.get();
                    made.complete(e);
                    return e;
                });
                configure.accept(server); // before listening: it applies to the streams accepted from then on
                return server.listen("127.0.0.1", 0).port();
            });
            try (Socket c = new Socket()) {
                c.setReceiveBufferSize(64 * 1024);
                c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                c.setSoTimeout((int) LoopThread.WAIT.toMillis());
                Future<?> sending = send(writer, c, total, false);
                Echo echo = Await.get(made, "the server to accept");
                long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
                while (loop.call(() -> echo.received) < total) {
                    assertTrue(System.nanoTime() < deadline, "the echo did not read all " + total + " bytes within " + LoopThread.WAIT);
                    Await.get(loop.engine.submit(() -> null), "a loop turn");
                }
                loop.run(() -> {
                    assertFalse(echo.autoPause(), "autoPause() after turning it off");
                    assertTrue(echo.queuedBytes() > 4 * MB, "only " + echo.queuedBytes() + " bytes queued: the echo did not read freely");
                    echo.abort();
                });
                Await.get(sending, "the client to send everything");
            }
        } finally {
            writer.shutdownNow();
        }
    }

    /** Sends the first {@code total} bytes of {@link TestData} on {@code writer}, then half-closes if asked. */
    private static Future<?> send(ExecutorService writer, Socket c, long total, boolean halfClose) {
        return writer.submit(() -> {
            OutputStream out = c.getOutputStream();
            for (long pos = 0; pos < total; pos += 64 * 1024) out.write(TestData.bytes(pos, (int) Math.min(64 * 1024, total - pos)));
            if (halfClose) c.shutdownOutput();
            return null;
        });
    }
}
