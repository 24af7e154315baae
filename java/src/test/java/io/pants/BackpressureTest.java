// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large transfers against slow peers: a writer that respects {@code isWritable()}/{@code onDrain()}
 * keeps its queue near the high water mark, a reader that pauses slows the sender down through
 * TCP flow control, and no byte is lost or reordered either way.
 */
@ExtendWith(NoDescriptorLeaks.class)
class BackpressureTest {
    private static final int MB = 1024 * 1024;
    private static final long LARGE = 50L * MB;

    /**
     * Writes {@code total} bytes of {@link TestData} in {@code chunk}-sized writes while
     * {@link #isWritable()}, continues in {@link #onDrain()}, and closes when all is queued.
     * Records what the test asserts: the largest queue, drains, and any broken water-mark rule.
     */
    static final class Producer extends Stream {
        final CompletableFuture<Producer> closed = new CompletableFuture<>();
        final List<String> violations = new ArrayList<>();
        private final long total;
        private final int chunk;
        private final int low, high;
        long sent, maxQueued;
        int drains;

        Producer(long total, int chunk, int low, int high) {
            this.total = total;
            this.chunk = chunk;
            this.low = low;
            this.high = high;
        }

        @Override
        protected void onConnect() {
            if (low != DEFAULT_LOW_WATER_MARK || high != DEFAULT_HIGH_WATER_MARK) waterMarks(low, high);
            produce();
        }

        @Override
        protected void onDrain() {
            drains++;
            if (queuedBytes() > low) violations.add("onDrain with " + queuedBytes() + " bytes queued, above the low water mark " + low);
            if (!isWritable()) violations.add("onDrain while not writable");
            produce();
        }

        private void produce() {
            while (isWritable() && sent < total) {
                int n = (int) Math.min(chunk, total - sent);
                write(TestData.bytes(sent, n));
                sent += n;
                long q = queuedBytes();
                maxQueued = Math.max(maxQueued, q);
                if (q > high && isWritable()) violations.add("still writable with " + q + " bytes queued, above the high water mark " + high);
            }
            if (sent == total) close();
        }

        @Override
        protected void onClose() { closed.complete(this); }
    }

    @BackendTest
    void fiftyMegabytesToASlowReaderKeepTheQueueAtTheHighWaterMark(String backend) throws Exception {
        int chunk = 16 * 1024;
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Producer> made = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                Producer p = new Producer(LARGE, chunk, Stream.DEFAULT_LOW_WATER_MARK, Stream.DEFAULT_HIGH_WATER_MARK);
                made.complete(p);
                return p;
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                Producer p = Await.get(made, "the server to accept");
                // not reading until the kernel buffers are full makes backpressure certain
                awaitKernelFull(loop, p);
                // then read in small bursts, checking each one before reading on
                TestData.Checker got = TestData.readToEnd(c.getInputStream(), new TestData.Checker(), 64 * 1024);
                assertEquals(LARGE, got.count(), "bytes received before end of stream");
                assertEquals("ok", got.verdict(), "content received");
                Await.get(p.closed, "the server stream to close after sending everything");
                loop.run(() -> {
                    assertEquals(List.of(), p.violations, "water-mark rules broken");
                    assertTrue(p.drains >= 1, "onDrain was never called");
                    assertTrue(p.maxQueued <= Stream.DEFAULT_HIGH_WATER_MARK + chunk,
                            "queue grew to " + p.maxQueued + " bytes, above the high water mark plus one write");
                });
            }
        }
    }

    /**
     * The client is a stream on a second engine that reads 1 MB, pauses, and waits for the test to
     * resume it; the server keeps custom water marks (4 KiB / 16 KiB) with 1000-byte writes.
     */
    @BackendTest
    void customWaterMarksAreHonouredAgainstAPausingStreamClient(String backend) throws Exception {
        int low = 4096, high = 16384, chunk = 1000;
        long total = 16L * MB; // well beyond what the kernel buffers while the client is paused
        try (LoopThread serverLoop = new LoopThread(backend); LoopThread clientLoop = new LoopThread(backend)) {
            CompletableFuture<Producer> made = new CompletableFuture<>();
            int port = serverLoop.call(() -> new Server(serverLoop.engine, () -> {
                Producer p = new Producer(total, chunk, low, high);
                made.complete(p);
                return p;
            }).listen("127.0.0.1", 0).port());
            PausingReader client = clientLoop.call(() -> {
                PausingReader r = new PausingReader(clientLoop.engine, MB);
                r.connect("127.0.0.1", port);
                return r;
            });
            Producer p = Await.get(made, "the server to accept");
            awaitKernelFull(serverLoop, p);
            // resume, wait for the next pause (or the end), and again; bounded by the data size
            for (int resumes = 0; ; resumes++) {
                assertTrue(resumes <= total / MB + 1, "more pauses than megabytes sent");
                clientLoop.run(client::resumeReading);
                if (Await.take(client.events, "the client to pause again or finish") == PausingReader.CLOSED) break;
            }
            TestData.Checker got = Await.get(client.done, "the client to receive everything and the end of stream");
            assertEquals(total, got.count(), "bytes the client received");
            assertEquals("ok", got.verdict(), "content the client received");
            Await.get(p.closed, "the server stream to close");
            serverLoop.run(() -> {
                assertEquals(List.of(), p.violations, "water-mark rules broken");
                assertTrue(p.drains >= 1, "onDrain was never called");
                assertTrue(p.maxQueued <= high + chunk, "queue grew to " + p.maxQueued + " bytes, above " + high + " + one write");
            });
        }
    }

    /**
     * Waits until the kernel takes no more of the producer's output: a flush that leaves the queue
     * above the low water mark (no onDrain) was a partial write. The queue filling up to the high
     * water mark alone proves nothing, the producer does that on every round.
     */
    private static void awaitKernelFull(LoopThread loop, Producer p) throws Exception {
        for (int probe = 0; ; probe++) {
            assertTrue(probe < 100_000, "the kernel kept taking output from a peer that does not read");
            boolean full = loop.call(() -> {
                if (p.isWritable()) return false;
                int drains = p.drains;
                p.flush();
                return p.drains == drains && !p.isWritable();
            });
            if (full) return;
        }
    }

    /** Pauses on connect and after every {@code step} bytes; the test resumes it. */
    static final class PausingReader extends Stream {
        static final long CLOSED = -1;
        /** Bytes received at each pause, then {@link #CLOSED}. */
        final BlockingQueue<Long> events = new LinkedBlockingQueue<>();
        final CompletableFuture<TestData.Checker> done = new CompletableFuture<>();
        private final TestData.Checker checker = new TestData.Checker();
        private final long step;
        private long nextPause;
        int readsWhilePaused;

        PausingReader(Engine engine, long step) {
            super(engine);
            this.step = step;
            this.nextPause = step;
        }

        @Override
        protected void onConnect() { pauseReading(); }

        @Override
        protected void onRead(byte[] data) {
            if (isReadingPaused()) readsWhilePaused++;
            checker.accept(data);
            if (checker.count() >= nextPause) {
                nextPause += step;
                pauseReading();
                events.add(checker.count());
            }
        }

        @Override
        protected void onClose() {
            if (readsWhilePaused > 0) done.completeExceptionally(new AssertionError(readsWhilePaused + " onRead calls while paused"));
            else done.complete(checker);
            events.add(CLOSED);
        }
    }

    /**
     * 50 MB from a JDK client to a server stream whose processing (done here, on the test thread,
     * standing in for a worker pool) falls behind: it pauses reading above 1 MB of unprocessed
     * input and resumes below 256 KiB.
     */
    @BackendTest
    void fiftyMegabytesToAServerThatPausesWhileItFallsBehind(String backend) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Consumer> made = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                Consumer c = new Consumer();
                made.complete(c);
                return c;
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                Future<?> sending = writer.submit(() -> {
                    OutputStream out = c.getOutputStream();
                    for (long pos = 0; pos < LARGE; pos += 64 * 1024) out.write(TestData.bytes(pos, (int) Math.min(64 * 1024, LARGE - pos)));
                    c.shutdownOutput();
                    return null;
                });
                Consumer consumer = Await.get(made, "the server to accept");
                // processing starts only once the stream has paused: falling behind is certain
                Await.get(consumer.firstPause, "the server stream to pause reading");
                TestData.Checker checker = new TestData.Checker();
                while (checker.count() < LARGE) {
                    byte[] piece = Await.take(consumer.unprocessed, "more input (after " + checker.count() + " bytes)");
                    checker.accept(piece);
                    loop.engine.execute(() -> consumer.processed(piece.length));
                }
                Await.get(sending, "the client to send everything");
                assertEquals("ok", checker.verdict(), "content the server received");
                Await.get(consumer.closed, "the server stream to close at the end of the input");
                assertTrue(consumer.unprocessed.isEmpty(), "input after the 50 MB: " + consumer.unprocessed.size() + " more pieces");
                loop.run(() -> {
                    assertEquals(0, consumer.readsWhilePaused, "onRead calls while paused");
                    assertTrue(consumer.pauses >= 1, "never paused");
                    assertEquals(consumer.pauses, consumer.resumes, "every pause must be followed by a resume");
                });
                assertEquals(-1, c.getInputStream().read(), "the server closes after the end of the input");
            }
        } finally {
            writer.shutdownNow();
        }
    }

    /** Hands input to a slower processor; pauses above 1 MB outstanding, resumes below 256 KiB. */
    static final class Consumer extends Stream {
        static final long PAUSE_ABOVE = MB, RESUME_BELOW = 256 * 1024;
        final BlockingQueue<byte[]> unprocessed = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> firstPause = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        long outstanding;
        int pauses, resumes, readsWhilePaused;

        @Override
        protected void onRead(byte[] data) {
            if (isReadingPaused()) readsWhilePaused++;
            outstanding += data.length;
            unprocessed.add(data);
            if (outstanding > PAUSE_ABOVE && !isReadingPaused()) {
                pauseReading();
                pauses++;
                firstPause.complete(null);
            }
        }

        /** The processor finished {@code n} bytes (runs on the loop thread). */
        void processed(int n) {
            outstanding -= n;
            if (isReadingPaused() && outstanding < RESUME_BELOW && isConnected()) {
                resumes++;
                resumeReading();
            }
        }

        @Override
        protected void onClose() { closed.complete(null); }
    }

    /** onWrite comes once each time the queue has been written out completely, and not before. */
    @BackendTest
    void onWriteIsCalledEachTimeTheQueueEmpties(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            BlockingQueue<Long> writes = new LinkedBlockingQueue<>();
            CompletableFuture<Stream> made = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                Stream s = new Stream() {
                    @Override
                    protected void onConnect() {
                        write(TestData.bytes(0, 4 * MB)); // far beyond what one write() call sends
                    }

                    @Override
                    protected void onWrite() { writes.add(queuedBytes()); }
                };
                made.complete(s);
                return s;
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                Stream s = Await.get(made, "the server to accept");
                byte[] first = new byte[4 * MB];
                new DataInputStream(c.getInputStream()).readFully(first);
                assertEquals(0L, Await.take(writes, "onWrite after 4 MB"), "bytes queued during onWrite");
                loop.run(() -> s.write("x").write("yz"));
                byte[] second = new byte[3];
                new DataInputStream(c.getInputStream()).readFully(second);
                assertEquals(0L, Await.take(writes, "onWrite after the second write"), "bytes queued during onWrite");
                loop.run(s::close);
                assertEquals(-1, c.getInputStream().read(), "end of stream after close");
                assertEquals(List.of(), new ArrayList<>(writes), "onWrite calls beyond one per emptied queue");
                assertEquals("ok", check(first), "content of the 4 MB");
            }
        }
    }

    private static String check(byte[] data) {
        TestData.Checker c = new TestData.Checker();
        c.accept(data);
        return c.verdict();
    }

}
