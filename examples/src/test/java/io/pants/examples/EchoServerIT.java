package io.pants.examples;

import com.sun.jna.Platform;
import io.pants.Pollers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
