// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import com.sun.jna.Platform;
import io.pants.Pollers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The echo example, run as {@code java -jar pants-examples.jar echo 0 127.0.0.1}. */
class EchoServerIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void echoesWhatEachClientSends(String backend) throws Exception {
        try (ExampleProcess echo = ExampleProcess.start(backend, "echo", "0", "127.0.0.1")) {
            int port = echo.awaitListening("echo server", backend);
            try (Socket first = connect(port); Socket second = connect(port)) {
                // two clients at once, each getting back its own bytes
                byte[] hello = "hello, pants\n".getBytes(StandardCharsets.UTF_8);
                byte[] other = "and hello to the other client".getBytes(StandardCharsets.UTF_8);
                second.getOutputStream().write(other);
                first.getOutputStream().write(hello);
                assertArrayEquals(hello, readExactly(first, hello.length), "first client");
                assertArrayEquals(other, readExactly(second, other.length), "second client");

                // every byte value, and more than one read's worth, written while reading back
                byte[] big = new byte[300_000];
                for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + i / 256);
                CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = first.getOutputStream();
                        for (int off = 0; off < big.length; off += 7_000) out.write(big, off, Math.min(7_000, big.length - off));
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                assertArrayEquals(big, readExactly(first, big.length), "300 kB of binary data");
                written.get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * The README's echo, with its output memory capped far below what the client sends
     * ({@code -XX:MaxDirectMemorySize=16m}; the send queue lives in direct buffers): 50 MB from a
     * client that reads nothing until the echo stops taking more, then reads slowly, in small
     * pieces. An echo that went on reading would queue what the client can't take yet, run out
     * of that memory and die; one that stops reading while its answers back up holds it all in a
     * few times its high water mark.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void holdsFiftyMegabytesFromAClientThatDoesNotReadInBoundedMemory(String backend) throws Exception {
        long total = 50L * 1024 * 1024;
        try (ExampleProcess echo = ExampleProcess.start(backend, List.of("-XX:MaxDirectMemorySize=16m", "-Xmx64m"), "echo", "0", "127.0.0.1")) {
            int port = echo.awaitListening("echo server", backend);
            try (Socket c = connect(port)) {
                AtomicLong sent = new AtomicLong();
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = c.getOutputStream();
                        byte[] piece = new byte[64 * 1024];
                        for (long pos = 0; pos < total; pos += piece.length) {
                            for (int i = 0; i < piece.length; i++) piece[i] = at(pos + i);
                            out.write(piece);
                            sent.addAndGet(piece.length);
                        }
                        c.shutdownOutput();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                // not reading until the sending stalls (the echo stopped taking more) or ends:
                // this only decides when reading starts; what the test checks doesn't depend on it
                long deadline = System.nanoTime() + ExampleProcess.WAIT.toNanos();
                for (long before = -1; sent.get() != before && !sending.isDone(); ) {
                    assertTrue(System.nanoTime() < deadline, "the client kept sending for " + ExampleProcess.WAIT);
                    before = sent.get();
                    try {
                        sending.get(1, TimeUnit.SECONDS);
                    } catch (TimeoutException | ExecutionException stalledOrFailed) {
                        // look at the progress again
                    }
                }
                long received = 0, firstWrong = -1;
                InputStream in = c.getInputStream();
                byte[] buf = new byte[4096];
                int n;
                try {
                    while ((n = in.read(buf)) > 0) {
                        for (int i = 0; i < n; i++) {
                            if (firstWrong < 0 && buf[i] != at(received + i)) firstWrong = received + i;
                        }
                        received += n;
                    }
                } catch (IOException e) {
                    throw new AssertionError("reading the echo failed after " + received + " bytes: " + e + "; echo: " + echo.diagnostics(), e);
                }
                assertEquals(total, received, "bytes echoed before the end of stream; echo: " + echo.diagnostics());
                assertEquals(-1, firstWrong, "offset of the first wrong byte");
                sending.get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Byte {@code i} of the test data: a mix of its position, so that a lost or moved byte shows. */
    static byte at(long i) {
        long z = ((i >>> 3) + 0x632BE59BD9B4E019L) * 0x9E3779B97F4A7C15L;
        z ^= z >>> 29;
        return (byte) (z >>> ((i & 7) * 8));
    }

    /** The shaded jar carries the native shim, and the epoll backend in the example loads it. */
    @Test
    void epollInTheShadedJarUsesTheNativeShim() throws Exception {
        assumeTrue(Pollers.available().contains("epoll"), "no epoll on this machine");
        assumeTrue(shimOnClassPath(), "this build has no native shim (-Dpants.native.skip=true)");
        try (ExampleProcess echo = ExampleProcess.start("epoll", "echo", "0", "127.0.0.1")) {
            echo.awaitListening("echo server", "epoll");
            String log = echo.awaitStderrContaining("Pants uses the epoll poller");
            assertTrue(log.contains("Pants uses the epoll poller (epoll through the native shim"),
                    "the example's epoll poller does not use the shim; its log:\n" + log);
        }
    }

    /** Whether the build put libpants in the pants jar (it does unless -Dpants.native.skip=true). */
    static boolean shimOnClassPath() {
        String lib = Platform.isMac() ? "libpants.dylib" : Platform.isWindows() ? "pants.dll" : "libpants.so";
        return EchoServerIT.class.getClassLoader().getResource(Platform.RESOURCE_PREFIX + "/" + lib) != null;
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), (int) ExampleProcess.WAIT.toMillis());
        s.setSoTimeout((int) ExampleProcess.WAIT.toMillis());
        return s;
    }

    static byte[] readExactly(Socket s, int n) throws IOException {
        byte[] b = new byte[n];
        new DataInputStream(s.getInputStream()).readFully(b);
        return b;
    }
}
