// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import io.pants.Backends;
import io.pants.Engine;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.Server;
import io.pants.Stream;
import com.sun.jna.Function;
import com.sun.jna.Platform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files by path on io_uring: each 64 KiB chunk a read and a send linked in one submission
 * (the kernel starts the send when the read has filled the buffer), or, where the probe finds
 * that a short read would not cancel the send, a read whose completion submits the send. Both
 * ways keep the stream's order (bytes before, regions of several files, bytes after), send
 * what a short read at the end of a file brought before failing the stream, and a stream
 * closed while its chained send waits for room is closed once that send has ended: its
 * descriptor is not given back while the kernel could still start the send on it.
 * (WriteFileTest runs the shared cases on every backend, io_uring's linked way among them.)
 */
@ExtendWith(NoDescriptorLeaks.class)
class UringFileSendTest {
    private static final int CHUNK = 64 * 1024;
    private static final int SIZE = 1_500_000 + 17; // not a multiple of the chunk
    @TempDir
    static Path dir;
    private static Path first, second;

    @BeforeAll
    static void files() throws IOException {
        first = Files.write(dir.resolve("first"), content(1, SIZE));
        second = Files.write(dir.resolve("second"), content(2, SIZE));
    }

    @BeforeEach
    void onlyWhereIoUringWorks() {
        assumeTrue(Backends.ioUringExpected(), "io_uring is not expected to work here (not Linux, no shim, or switched off)");
    }

    /** {@code n} bytes that differ with {@code seed} and along the way, so that a misplaced piece shows. */
    private static byte[] content(int seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed * 101 + i * 13 + (i >> 10));
        return b;
    }

    private static byte[] slice(int seed, int from, int count) {
        byte[] all = content(seed, SIZE);
        byte[] s = new byte[count];
        System.arraycopy(all, from, s, 0, count);
        return s;
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static UringProvider provider(boolean linked) {
        UringProvider p = new UringProvider();
        return linked ? p : p.withoutLinkedFileSends();
    }

    /** What the stream's writes put on the wire, read to the end by a client; the counts taken after. */
    private record Served(byte[] bytes, long chains, long reads) { }

    interface Writes {
        void to(Stream s);
    }

    private static Served serve(UringProvider provider, Writes writes) throws Exception {
        try (LoopThread loop = new LoopThread(new Engine(provider))) {
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() {
                    writes.to(this);
                    close();
                }
            }).listen("127.0.0.1", 0).port());
            byte[] got;
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), (int) LoopThread.WAIT.toMillis());
                c.setSoTimeout((int) LoopThread.WAIT.toMillis());
                got = c.getInputStream().readAllBytes();
            }
            UringStats s = provider.stats();
            return new Served(got, loop.call(() -> s.fileChains), loop.call(() -> s.fileReads));
        }
    }

    private static long chunks(long count) { return (count + CHUNK - 1) / CHUNK; }

    @Test
    void eachChunkIsOneLinkedReadAndSend() throws Exception {
        Served r = serve(provider(true), s -> s.write("head:").writeFile(first, 10, SIZE - 10).write(":tail"));
        assertArrayEquals(concat(ascii("head:"), slice(1, 10, SIZE - 10), ascii(":tail")), r.bytes(), "the bytes, the region, the bytes");
        assertEquals(chunks(SIZE - 10), r.chains(), "chunks that went as a linked read and send (of " + r.reads() + " ring reads)");
        assertEquals(chunks(SIZE - 10), r.reads(), "ring reads of the file");
    }

    @Test
    void withoutTheLinkEachChunkIsAReadThenASend() throws Exception {
        Served r = serve(provider(false), s -> s.write("head:").writeFile(first, 10, SIZE - 10).write(":tail"));
        assertArrayEquals(concat(ascii("head:"), slice(1, 10, SIZE - 10), ascii(":tail")), r.bytes(), "the bytes, the region, the bytes");
        assertEquals(0, r.chains(), "linked reads and sends, where the poller was told not to link");
        assertEquals(chunks(SIZE - 10), r.reads(), "ring reads of the file");
    }

    @ParameterizedTest(name = "linked={0}")
    @ValueSource(booleans = {true, false})
    void regionsOfSeveralFilesKeepTheirOrderWithTheBytes(boolean linked) throws Exception {
        Served r = serve(provider(linked), s -> s
                .write("A")
                .writeFile(first, 0, CHUNK) // exactly one chunk
                .write("B")
                .writeFile(second, 12_345, 700_000)
                .writeFile(first, SIZE - 3, 3) // a region at the very end
                .writeFile(second, 1, 1)
                .write("C"));
        byte[] want = concat(ascii("A"), slice(1, 0, CHUNK), ascii("B"), slice(2, 12_345, 700_000), slice(1, SIZE - 3, 3),
                slice(2, 1, 1), ascii("C"));
        assertEquals(want.length, r.bytes().length, "bytes received");
        assertArrayEquals(want, r.bytes(), "bytes and regions of two files, in the order they were written");
        assertEquals(linked ? chunks(CHUNK) + chunks(700_000) + 2 : 0, r.chains(), "chunks that went as a linked read and send");
    }

    /**
     * The region's last chunk runs past the end of the file: its read comes short, which cancels
     * the send linked to it, and what it read goes out on its own before the next read finds
     * the end and fails the stream. Nothing queued after the region is sent.
     */
    @ParameterizedTest(name = "linked={0}")
    @ValueSource(booleans = {true, false})
    void aShortReadSendsWhatItReadThenFailsTheStream(boolean linked) throws Exception {
        int from = SIZE - CHUNK - 100; // one full chunk, then a chunk the file fills with 100 bytes
        Served r = serve(provider(linked), s -> s.write("HEAD").writeFile(first, from, 2L * CHUNK).write("TAIL"));
        assertArrayEquals(concat(ascii("HEAD"), slice(1, from, CHUNK + 100)), r.bytes(),
                "what the file has of the region, and nothing after it");
        assertEquals(linked ? 1 : 0, r.chains(), "chunks the linked send went out with (the short one's send was cancelled)");
    }

    /**
     * A FIFO with the test holding its write end: a chain's read of it waits for bytes that
     * never come, so the chain is in flight, its send not started, for as long as the test
     * likes (a regular file's read would complete at once).
     */
    private static Path fifo(String name) {
        Path p = dir.resolve(name);
        int rc = Function.getFunction(Platform.C_LIBRARY_NAME, "mkfifo").invokeInt(new Object[] {p.toString(), 0600});
        assertEquals(0, rc, "mkfifo " + p);
        return p;
    }

    /** The stream accepted from {@code port}'s server for a client that connects now. */
    private static Stream connect(Socket c, int port, BlockingQueue<Stream> accepted) throws Exception {
        c.connect(new InetSocketAddress("127.0.0.1", port), (int) LoopThread.WAIT.toMillis());
        c.setSoTimeout((int) LoopThread.WAIT.toMillis());
        Stream s = accepted.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(s, "the connection was never accepted");
        return s;
    }

    /**
     * A stream closed while its chain's read waits: the send linked to it has not started, and
     * would take whatever socket had the descriptor's number when it did. The close is put off;
     * the read and the send are cancelled, and when the send's completion has come the socket
     * closes (the client sees the end, having received nothing of the FIFO's). A stream accepted
     * after it, which may get its token and descriptor number, gets only its own bytes, and
     * writing into the FIFO then reaches nobody.
     */
    @Test
    void aStreamClosedWhileItsChainedReadWaitsIsClosedWhenTheSendHasEnded() throws Exception {
        UringProvider provider = provider(true);
        Path fifo = fifo("waits");
        BlockingQueue<Stream> accepted = new ArrayBlockingQueue<>(4);
        try (FileChannel writer = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE); // O_RDWR: no wait for a reader
             LoopThread loop = new LoopThread(new Engine(provider))) {
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() { accepted.add(this); }
            }).listen("127.0.0.1", 0).port());
            UringStats stats = provider.stats();
            try (Socket first = new Socket()) {
                Stream s = connect(first, port, accepted);
                loop.run(() -> s.write("before").writeFile(fifo, 0, 1000));
                byte[] before = new byte[6];
                new java.io.DataInputStream(first.getInputStream()).readFully(before);
                assertArrayEquals(ascii("before"), before, "the bytes queued before the region");
                loop.until("the chain's read of the FIFO to be in flight", () -> stats.fileChainsInFlight == 1);
                loop.run(s::abort);
                assertEquals(1, (long) loop.call(() -> stats.closesDeferred), "closes put off behind a chained send");
                assertEquals(-1, first.getInputStream().read(), "the closed stream's client reads the end, and nothing of the FIFO's");
            }
            try (Socket next = new Socket()) {
                Stream s = connect(next, port, accepted);
                writer.write(java.nio.ByteBuffer.wrap(content(3, 1000)));
                loop.run(() -> s.write("next").close());
                assertArrayEquals(ascii("next"), next.getInputStream().readAllBytes(), "what the next stream received");
            }
            assertEquals(0, (int) loop.call(() -> stats.fileChainsInFlight), "chains in flight at the end");
        }
    }

    /** The engine closed while a stream's chained read waits: the ring's end cancels both, and no descriptor is left open. */
    @Test
    void anEngineClosedWhileAChainedReadWaitsLeavesNothingOpen() throws Exception {
        UringProvider provider = provider(true);
        Path fifo = fifo("engine-closes");
        BlockingQueue<Stream> accepted = new ArrayBlockingQueue<>(4);
        try (FileChannel writer = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE); Socket c = new Socket()) {
            try (LoopThread loop = new LoopThread(new Engine(provider))) {
                int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                    @Override
                    protected void onConnect() { accepted.add(this); }
                }).listen("127.0.0.1", 0).port());
                Stream s = connect(c, port, accepted);
                loop.run(() -> s.writeFile(fifo, 0, 1000));
                UringStats stats = provider.stats();
                loop.until("the chain's read of the FIFO to be in flight", () -> stats.fileChainsInFlight == 1);
            }
            assertTrue(endsWithin(c.getInputStream()), "the client never saw its connection end after the engine closed");
        }
        // NoDescriptorLeaks checks, after the class, that the socket and the FIFO's descriptor were closed
    }

    /** Reads to the end of stream or a reset; false if the read timed out (SO_TIMEOUT) first. */
    private static boolean endsWithin(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // what the stream sent before its close
            }
            return true;
        } catch (java.net.SocketTimeoutException timeout) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }
}
