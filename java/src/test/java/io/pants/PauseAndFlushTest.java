// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pauseReading()}/{@code resumeReading()} and {@code flush()}. */
@ExtendWith(NoDescriptorLeaks.class)
class PauseAndFlushTest {
    private static final int MB = 1024 * 1024;

    /** Pauses at its first onRead; checks all input against {@link TestData}. */
    static final class PausesAtFirstRead extends Stream {
        final CompletableFuture<Long> paused = new CompletableFuture<>();
        final CompletableFuture<TestData.Checker> closed = new CompletableFuture<>();
        final TestData.Checker checker = new TestData.Checker();
        int reads, readsWhilePaused;

        @Override
        protected void onRead(byte[] data) {
            reads++;
            if (isReadingPaused()) readsWhilePaused++;
            checker.accept(data);
            if (!paused.isDone()) {
                pauseReading();
                paused.complete(checker.count());
            }
        }

        @Override
        protected void onClose() { closed.complete(checker); }
    }

    @BackendTest
    void pausedStreamGetsNoInputUntilResumedThenEverythingInOrder(String backend) throws Exception {
        long total = 32L * MB;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<PausesAtFirstRead> made = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                PausesAtFirstRead s = new PausesAtFirstRead();
                made.complete(s);
                return s;
            }).listen("127.0.0.1", 0).port());
            try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                c.write(ByteBuffer.wrap(TestData.bytes(0, 1000)));
                PausesAtFirstRead s = Await.get(made, "the server to accept");
                Await.get(s.paused, "the first onRead");

                // Fill the connection while the server is paused. When a non-blocking write takes
                // nothing, the server's receive buffer is full: its input is there to be read.
                c.configureBlocking(false);
                long written = 1000;
                while (written < total) {
                    int n = c.write(ByteBuffer.wrap(TestData.bytes(written, (int) Math.min(64 * 1024, total - written))));
                    if (n == 0) break;
                    written += n;
                }
                assertTrue(written < total, "the kernel took all " + total + " bytes without the server reading");
                // Two loop turns: the first one's wait reports the socket readable (it has been
                // since before the first call), so a stream that still read would have had
                // onRead by the time the second call runs.
                int readsAtPause = loop.call(() -> s.reads);
                assertEquals(readsAtPause, (int) loop.call(() -> s.reads), "onRead calls while paused");
                assertEquals(1, readsAtPause, "onRead calls before the pause");
                assertTrue(loop.call(s::isReadingPaused), "isReadingPaused()");

                loop.run(s::resumeReading);
                long from = written;
                c.configureBlocking(true);
                Future<?> rest = writer.submit(() -> {
                    for (long pos = from; pos < total; pos += 64 * 1024) {
                        ByteBuffer b = ByteBuffer.wrap(TestData.bytes(pos, (int) Math.min(64 * 1024, total - pos)));
                        while (b.hasRemaining()) c.write(b);
                    }
                    c.shutdownOutput();
                    return null;
                });
                TestData.Checker got = Await.get(s.closed, "the server stream to read everything and close at end of stream");
                Await.get(rest, "the client to send the rest");
                assertEquals(total, got.count(), "bytes delivered");
                assertEquals("ok", got.verdict(), "order and content of what was delivered");
                assertEquals(0, s.readsWhilePaused, "onRead calls while isReadingPaused()");
            }
        } finally {
            writer.shutdownNow();
        }
    }

    @BackendTest
    void flushSendsBeforeTheCallbackReturns(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Stream> made = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                Stream s = new Stream() { };
                made.complete(s);
                return s;
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                c.setSoTimeout(5_000); // below LoopThread.WAIT: the read below runs inside a loop callback
                Stream s = Await.get(made, "the server to accept");
                DataInputStream in = new DataInputStream(c.getInputStream());
                String outcome = loop.call(() -> {
                    s.write("now");
                    long before = s.queuedBytes();
                    s.flush();
                    long after = s.queuedBytes();
                    // The loop is held in this callback: without flush() the bytes would go out
                    // only at the end of the turn, and this read would time out.
                    byte[] got = new byte[3];
                    try {
                        in.readFully(got);
                    } catch (SocketTimeoutException e) {
                        return "nothing arrived while the loop was still in the callback";
                    }
                    return "queued " + before + " then " + after + ", received " + new String(got, StandardCharsets.UTF_8);
                });
                assertEquals("queued 3 then 0, received now", outcome);
            }
        }
    }

    /** A flush the kernel takes only part of leaves the rest queued, and it is sent later. */
    @BackendTest
    void partialFlushKeepsTheRestQueuedAndSendsItLater(String backend) throws Exception {
        int size = 32 * MB; // more than the kernel buffers while the client does not read
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Stream> made = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                Stream s = new Stream() { };
                made.complete(s);
                return s;
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                Stream s = Await.get(made, "the server to accept");
                long[] queued = loop.call(() -> {
                    s.write(TestData.bytes(0, size));
                    long before = s.queuedBytes();
                    s.flush();
                    return new long[] {before, s.queuedBytes()};
                });
                assertEquals(size, queued[0], "queued before flush()");
                assertTrue(queued[1] < size, "flush() sent nothing");
                assertTrue(queued[1] > 0, "the kernel took all " + size + " bytes at once");
                byte[] got = new byte[size];
                new DataInputStream(c.getInputStream()).readFully(got);
                assertArrayEquals(TestData.bytes(0, size), got, "what the client received");
                assertEquals(0L, (long) loop.call(s::queuedBytes), "queued after everything arrived");
            }
        }
    }
}
