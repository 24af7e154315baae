// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The TCP proxy example in front of the echo example, both run as
 * {@code java -jar pants-examples.jar ...}: 20 MB from a client that half-closes after sending
 * come back whole, through backpressure both ways, and the end of stream follows them.
 */
class TcpProxyIT {
    private static final long SIZE = 20L * 1024 * 1024;

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void twentyMegabytesFromAClientThatHalfClosesComeBackWhole(String backend) throws Exception {
        try (ExampleProcess echo = ExampleProcess.start(backend, "echo", "0", "127.0.0.1")) {
            int echoPort = echo.awaitListening("echo server", backend);
            try (ExampleProcess proxy = ExampleProcess.start(backend, "tcp-proxy", "0", "127.0.0.1", String.valueOf(echoPort), "127.0.0.1")) {
                int port = proxy.awaitListening("tcp proxy", backend);
                try (Socket c = EchoServerIT.connect(port)) {
                    CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                        try {
                            OutputStream out = c.getOutputStream();
                            byte[] piece = new byte[64 * 1024];
                            for (long pos = 0; pos < SIZE; pos += piece.length) {
                                int n = (int) Math.min(piece.length, SIZE - pos);
                                for (int i = 0; i < n; i++) piece[i] = EchoServerIT.at(pos + i);
                                out.write(piece, 0, n);
                            }
                            c.shutdownOutput(); // "that was all": the echo's answer must still come back whole
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    });
                    long received = 0, firstWrong = -1;
                    InputStream in = c.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        for (int i = 0; i < n; i++) {
                            if (firstWrong < 0 && buf[i] != EchoServerIT.at(received + i)) firstWrong = received + i;
                        }
                        received += n;
                    }
                    sent.get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    assertEquals(SIZE, received, "bytes back through the proxy before its end of stream; proxy: "
                            + proxy.diagnostics() + "; echo: " + echo.diagnostics());
                    assertEquals(-1, firstWrong, "offset of the first wrong byte");
                }
            }
        }
    }
}
