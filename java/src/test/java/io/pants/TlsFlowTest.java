// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Large transfers over TLS: backpressure, water marks in plaintext bytes, files. */
@ExtendWith(NoDescriptorLeaks.class)
class TlsFlowTest {
    private static final int MB = 1024 * 1024;
    private static final TlsConfig SERVER = TlsConfig.of(TlsFixtures.serverContext());

    @TempDir Path dir;

    /**
     * 50 MB to a TLS echo whose client reads slowly: the automatic pause holds the server's queue
     * near its high water mark (plaintext), and the records waiting in the socket's queue to
     * {@link TlsLayer#WRAP_AHEAD} and a record, however much is still to come. Once closed, every
     * output chunk is back in the pool.
     */
    @BackendTest
    void fiftyMegabytesEachWayThroughASlowReader(String backend) throws Exception {
        long size = 50L * MB;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, SERVER);
            int chunksBefore = ChunksOutstanding.now(loop);
            AtomicLong maxQueued = new AtomicLong(), maxRecords = new AtomicLong();
            CompletableFuture<Void> filled = new CompletableFuture<>();
            try (Socket raw = new Socket()) {
                raw.setReceiveBufferSize(32 * 1024);
                raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket(raw, "localhost", port, true);
                c.setSoTimeout(30_000);
                c.startHandshake();
                TlsFixtures.Echo server = Await.get(made, "server stream");
                loop.run(() -> loop.engine.loop(() -> {
                    if (!server.isConnected()) return;
                    maxQueued.accumulateAndGet(server.queuedBytes(), Math::max);
                    if (server.queuedBytes() > Stream.DEFAULT_HIGH_WATER_MARK) filled.complete(null);
                    maxRecords.accumulateAndGet(server.queue().bytes(), Math::max); // the records, ciphertext
                }));
                Future<?> sending = writer.submit(() -> {
                    OutputStream out = c.getOutputStream();
                    for (long pos = 0; pos < size; pos += 64 * 1024) out.write(TestData.bytes(pos, (int) Math.min(64 * 1024, size - pos)));
                    out.flush();
                    c.shutdownOutput(); // close_notify: the server closes after the echo
                    return null;
                });
                // nothing read until the server's queue is over its high water mark: however fast this
                // machine, the automatic pause must hold it there (a paced reader alone may keep up)
                Await.get(filled, "the server's queue to go over its high water mark while the client reads nothing");
                TestData.Checker checker = new TestData.Checker();
                InputStream in = c.getInputStream();
                byte[] buf = new byte[16 * 1024];
                long reads = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    checker.accept(buf, 0, n);
                    if (++reads % 8 == 0) Thread.sleep(1); // pacing, so that the server's queue fills: a slow reader
                }
                Await.get(sending, "the client to send 50 MB");
                assertEquals(size, checker.count(), "bytes echoed");
                assertEquals("ok", checker.verdict());
                Await.get(server.closed, "the server to close after the echo");
            }
            ChunksOutstanding.assertBackTo(loop, chunksBefore, 1, "50 MB echoed through a slow reader and closed");
            long high = Stream.DEFAULT_HIGH_WATER_MARK;
            // one read's plaintext (64 KiB) may arrive on top of a queue at its high mark
            assertTrue(maxQueued.get() <= high + 64 * 1024 + 17 * 1024, "plaintext queued at most: " + maxQueued.get());
            assertTrue(maxRecords.get() <= TlsLayer.WRAP_AHEAD + 17 * 1024, "records queued at most: " + maxRecords.get());
        } finally {
            writer.shutdownNow();
        }
    }

    /** The water marks and queuedBytes() count plaintext; onDrain and onWrite come as on a plain stream. */
    @BackendTest
    void waterMarksCountPlaintext(String backend) throws Exception {
        int size = 200_000;
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<long[]> afterWrite = new CompletableFuture<>();
            CompletableFuture<Long> drained = new CompletableFuture<>();
            CompletableFuture<Long> written = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), () -> new Stream() {
                @Override protected void onConnect() {
                    waterMarks(1000, 50_000);
                    write(TestData.bytes(0, size));
                    afterWrite.complete(new long[] {queuedBytes(), isWritable() ? 1 : 0});
                }
                @Override protected void onDrain() { drained.complete(queuedBytes()); }
                @Override protected void onWrite() { written.complete(queuedBytes()); }
            }, SERVER);
            try (SSLSocket c = TlsFixtures.jdkClient(port)) {
                long[] state = Await.get(afterWrite, "the write");
                assertEquals(size, state[0], "queuedBytes() right after write(): the plaintext");
                assertEquals(0, state[1], "not writable above the high water mark");
                TestData.Checker checker = new TestData.Checker();
                byte[] buf = new byte[8192];
                InputStream in = c.getInputStream();
                while (checker.count() < size) {
                    int n = in.read(buf);
                    if (n < 0) break;
                    checker.accept(buf, 0, n);
                }
                assertEquals("ok", checker.verdict());
                assertTrue(Await.get(drained, "onDrain") <= 1000, "onDrain at the low water mark");
                assertEquals(0, Await.get(written, "onWrite"), "onWrite once all is sent");
            }
        }
    }

    /** bufferLimit counts plaintext: a line over the limit overflows over TLS as over plain TCP. */
    @BackendTest
    void bufferLimitOverTls(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<ReadBufferOverflowException> overflow = new CompletableFuture<>();
            CompletableFuture<String> line = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), () -> new Stream() {
                @Override protected void onConnect() { readDelimiter("\n").bufferLimit(100); }
                @Override protected void onRead(byte[] data) { line.complete(new String(data, java.nio.charset.StandardCharsets.UTF_8)); }
                @Override protected void onOverflowError(ReadBufferOverflowException e) {
                    overflow.complete(e);
                    super.onOverflowError(e);
                }
            }, SERVER);
            try (SSLSocket c = TlsFixtures.jdkClient(port)) {
                c.getOutputStream().write(("a short line\n" + "x".repeat(150)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                c.getOutputStream().flush();
                assertEquals("a short line", Await.get(line, "the short line"));
                assertEquals(100, Await.get(overflow, "the overflow").limit());
                assertEquals(-1, c.getInputStream().read(), "closed after the overflow");
            }
        }
    }

    /** pauseReading() over TLS: nothing is delivered while paused; resuming delivers all, in order. */
    @BackendTest
    void pauseAndResumeOverTls(String backend) throws Exception {
        int size = 300_000;
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Stream> made = new CompletableFuture<>();
            TestData.Checker checker = new TestData.Checker();
            long[] readsWhilePaused = {0};
            CompletableFuture<Void> all = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, () -> new Stream() {
                @Override protected void onConnect() { pauseReading(); }
                @Override protected void onRead(byte[] data) {
                    if (isReadingPaused()) readsWhilePaused[0]++;
                    checker.accept(data);
                    if (checker.count() == size) all.complete(null);
                }
            }, SERVER);
            try (SSLSocket c = TlsFixtures.jdkClient(port)) {
                c.getOutputStream().write(TestData.bytes(0, size));
                c.getOutputStream().flush();
                Stream server = Await.get(made, "server stream");
                assertEquals(0L, loop.call(checker::count), "nothing delivered while paused");
                loop.run(server::resumeReading);
                Await.get(all, "all of it after resumeReading()");
                assertEquals("ok", loop.call(checker::verdict));
                assertEquals(0, loop.call(() -> readsWhilePaused[0]));
            }
        }
    }

    /** writeFile over TLS: read through the engine a record at a time, encrypted, and complete (path and channel). */
    @BackendTest
    void writeFileOverTls(String backend) throws Exception {
        long size = 5L * MB + 123;
        Path file = TestData.file(dir, "data-" + backend, size);
        try (LoopThread loop = new LoopThread(backend);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), () -> new Stream() {
                @Override protected void onConnect() {
                    try {
                        writeFile(file);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    write(new byte[] {'|'});
                    writeFile(channel, 1000, 5000); // a region of an open channel, after bytes
                    close();
                }
            }, SERVER);
            try (SSLSocket c = TlsFixtures.jdkClient(port)) {
                InputStream in = c.getInputStream();
                TestData.Checker whole = new TestData.Checker();
                byte[] buf = new byte[64 * 1024];
                while (whole.count() < size) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, size - whole.count()));
                    if (n < 0) break;
                    whole.accept(buf, 0, n);
                }
                assertEquals(size, whole.count());
                assertEquals("ok", whole.verdict(), "the whole file");
                assertEquals('|', in.read());
                TestData.Checker region = new TestData.Checker(1000);
                region.accept(in.readNBytes(5000));
                assertEquals("ok", region.verdict(), "the region");
                assertEquals(-1, in.read(), "close_notify after the files");
            }
        }
    }
}
