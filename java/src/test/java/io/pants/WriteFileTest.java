// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code writeFile}: whole files and regions, by path (sendfile on epoll, transferTo on NIO)
 * and by FileChannel, in order with byte writes, and regions the file cannot fill.
 */
@ExtendWith(NoDescriptorLeaks.class)
class WriteFileTest {
    private static final int SIZE = 3 * 1024 * 1024 + 123; // a few MB, not a multiple of any buffer size

    @TempDir
    static Path dir;
    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = TestData.file(dir, "data.bin", SIZE);
    }

    /** What a stream's writes put on the wire, before end of stream. */
    interface Writes {
        void to(Stream s) throws IOException;
    }

    /** What the client received, and whether the connection ended in a reset rather than a FIN. */
    record Received(byte[] bytes, boolean reset) { }

    /** Serves one connection with {@code writes} then close(); reads it to the end. */
    private static Received serve(String backend, Writes writes) throws Exception {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        CompletableFuture<Void> written = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() {
                    try {
                        writes.to(this);
                        written.complete(null);
                    } catch (Throwable e) { // assertion errors too: the engine would only log them
                        written.completeExceptionally(e);
                    }
                    close();
                }

                @Override
                protected void onClose() { closed.complete(null); }
            }).listen("127.0.0.1", 0).port());
            try (Socket c = EchoTest.connect(port)) {
                Await.get(written, "the server stream to queue its writes");
                Received r = readToEnd(c.getInputStream());
                Await.get(closed, "the server stream to close");
                return r;
            }
        }
    }

    private static Received readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(buf)) > 0) out.write(buf, 0, n);
        } catch (SocketException reset) {
            return new Received(out.toByteArray(), true);
        }
        return new Received(out.toByteArray(), false);
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    private static byte[] region(long offset, int count) { return TestData.bytes(offset, count); }

    private static byte[] concat(byte[]... parts) {
        byte[] all = new byte[0];
        for (byte[] p : parts) all = EchoTest.concat(all, p);
        return all;
    }

    @BackendTest
    void wholeFileByPath(String backend) throws Exception {
        Received r = serve(backend, s -> s.writeFile(file));
        assertArrayEquals(region(0, SIZE), r.bytes(), "the file as received");
    }

    @BackendTest
    void regionByPathWithOffsetAndCount(String backend) throws Exception {
        Received r = serve(backend, s -> s.writeFile(file, 12_345, 2_000_000));
        assertArrayEquals(region(12_345, 2_000_000), r.bytes(), "bytes 12345..2012345 of the file");
    }

    @BackendTest
    void regionOfAFileChannelStaysTheCallersChannel(String backend) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            Received r = serve(backend, s -> s.writeFile(ch, 777, 2_500_000).writeFile(ch, 0, 1000));
            assertArrayEquals(concat(region(777, 2_500_000), region(0, 1000)), r.bytes(), "two regions of the channel, in order");
            assertTrue(ch.isOpen(), "the stream closed a channel it does not own");
            assertEquals(0, ch.position(), "the channel's own position moved");
        }
    }

    @BackendTest
    void bytesAndFilesKeepTheirOrder(String backend) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            Received r = serve(backend, s -> s
                    .write("HEAD")
                    .writeFile(file, 0, SIZE)
                    .write(ascii("between"))
                    .writeFile(file, 5, 0) // nothing
                    .writeFile(file, 1_000_000, 1_500_000)
                    .writeFile(ch, 3, 70_000)
                    .write("TAIL"));
            byte[] expected = concat(ascii("HEAD"), region(0, SIZE), ascii("between"), region(1_000_000, 1_500_000),
                    region(3, 70_000), ascii("TAIL"));
            assertEquals(expected.length, r.bytes().length, "bytes received");
            assertArrayEquals(expected, r.bytes(), "bytes and file regions in the order they were written");
        }
    }

    @BackendTest
    void writeFileOfAMissingPathThrowsAtOnce(String backend) throws Exception {
        Path missing = dir.resolve("missing.bin");
        Received r = serve(backend, s -> {
            s.write("before");
            assertThrows(NoSuchFileException.class, () -> s.writeFile(missing), "writeFile(Path) needs the file's size");
            s.write("after");
        });
        assertArrayEquals(ascii("beforeafter"), r.bytes());
    }

    // ---------------------------------------------------------------- regions the file cannot fill

    /**
     * The region runs past the end of the file: what the file has is sent, then the stream
     * closes with an error instead of waiting for bytes that will never come, and nothing queued
     * after the region is sent.
     */
    @BackendTest
    void regionPastTheEndOfTheFileClosesTheStream(String backend) throws Exception {
        Received r = serve(backend, s -> s.write("HEAD").writeFile(file, SIZE - 100, 1000).write("TAIL"));
        assertIsPrefixCutShort(concat(ascii("HEAD"), region(SIZE - 100, 100)), r);
    }

    @BackendTest
    void regionStartingBeyondTheEndOfTheFileClosesTheStream(String backend) throws Exception {
        Received r = serve(backend, s -> s.write("HEAD").writeFile(file, SIZE + 10, 10).write("TAIL"));
        assertIsPrefixCutShort(ascii("HEAD"), r);
    }

    @BackendTest
    void channelRegionPastTheEndClosesTheStream(String backend) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            Received r = serve(backend, s -> s.write("HEAD").writeFile(ch, SIZE - 100, 1000).write("TAIL"));
            assertIsPrefixCutShort(concat(ascii("HEAD"), region(SIZE - 100, 100)), r);
        }
    }

    @BackendTest
    void regionOfAMissingFileClosesTheStream(String backend) throws Exception {
        Received r = serve(backend, s -> s.write("HEAD").writeFile(dir.resolve("missing.bin"), 0, 10).write("TAIL"));
        assertIsPrefixCutShort(ascii("HEAD"), r);
    }

    /** Received at most {@code available} (and only a prefix of it): nothing past the failed region. */
    private static void assertIsPrefixCutShort(byte[] available, Received r) {
        byte[] got = r.bytes();
        assertTrue(got.length <= available.length, "received " + got.length + " bytes; only " + available.length
                + " could be sent before the failing region: " + new String(Arrays.copyOfRange(got, Math.max(0, got.length - 8), got.length), StandardCharsets.ISO_8859_1));
        assertArrayEquals(Arrays.copyOf(available, got.length), got, "what was received before the stream closed");
    }
}
