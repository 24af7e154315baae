// SPDX-License-Identifier: Apache-2.0
package io.pants;

import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Socket options on streams and servers, read back from the system with getsockopt. */
@ExtendWith(NoDescriptorLeaks.class)
class SocketOptionsTest {

    /** Reads the options back in onConnect, on the loop, and reports them. */
    static final class Reader extends Stream {
        final CompletableFuture<Map<String, Object>> read;

        Reader(CompletableFuture<Map<String, Object>> read) { this.read = read; }

        @Override
        protected void onConnect() {
            try {
                Map<String, Object> m = new LinkedHashMap<>();
                for (SocketOption<?> o : new SocketOption<?>[] {StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
                        StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_LINGER,
                        ExtendedSocketOptions.TCP_KEEPIDLE, ExtendedSocketOptions.TCP_KEEPINTERVAL, ExtendedSocketOptions.TCP_KEEPCOUNT}) {
                    m.put(o.name(), option(o));
                }
                read.complete(m);
            } catch (Throwable e) {
                read.completeExceptionally(e);
            }
        }
    }

    @BackendTest
    void acceptedStreamsGetTheServersOptions(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Map<String, Object>> defaults = new CompletableFuture<>(), set = new CompletableFuture<>();
            int plain = loop.call(() -> new Server(loop.engine, () -> new Reader(defaults)).listen("127.0.0.1", 0).port());
            int tuned = loop.call(() -> new Server(loop.engine, () -> new Reader(set))
                    .option(StandardSocketOptions.SO_KEEPALIVE, true)
                    .option(StandardSocketOptions.SO_RCVBUF, 96 * 1024)
                    .option(StandardSocketOptions.SO_SNDBUF, 80 * 1024)
                    .option(StandardSocketOptions.SO_LINGER, 7)
                    .option(ExtendedSocketOptions.TCP_KEEPIDLE, 42)
                    .option(ExtendedSocketOptions.TCP_KEEPINTERVAL, 9)
                    .option(ExtendedSocketOptions.TCP_KEEPCOUNT, 4)
                    .listen("127.0.0.1", 0).port());
            try (Socket a = EchoTest.connect(plain); Socket b = EchoTest.connect(tuned)) {
                Map<String, Object> d = Await.get(defaults, "the default options");
                assertEquals(true, d.get("TCP_NODELAY"), "TCP_NODELAY is on by default: " + d);
                assertEquals(false, d.get("SO_KEEPALIVE"), d.toString());
                assertEquals(-1, d.get("SO_LINGER"), "no linger by default: " + d);

                Map<String, Object> s = Await.get(set, "the options set by the server");
                assertEquals(true, s.get("TCP_NODELAY"), s.toString());
                assertEquals(true, s.get("SO_KEEPALIVE"), s.toString());
                // Linux reports twice what was asked for (its bookkeeping overhead); others report it as set
                assertTrue((Integer) s.get("SO_RCVBUF") >= 96 * 1024, "SO_RCVBUF: " + s);
                assertTrue((Integer) s.get("SO_SNDBUF") >= 80 * 1024, "SO_SNDBUF: " + s);
                assertEquals(7, s.get("SO_LINGER"), s.toString());
                assertEquals(42, s.get("TCP_KEEPIDLE"), s.toString());
                assertEquals(9, s.get("TCP_KEEPINTERVAL"), s.toString());
                assertEquals(4, s.get("TCP_KEEPCOUNT"), s.toString());
            }
        }
    }

    @BackendTest
    void aConnectingStreamSetsItsOptionsBeforeAndAfterConnecting(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, EchoTest.Echo::new).listen("127.0.0.1", 0).port());
            CompletableFuture<String> read = new CompletableFuture<>();
            loop.run(() -> new Stream(loop.engine) {
                @Override
                protected void onConnect() {
                    try {
                        boolean noDelay = option(StandardSocketOptions.TCP_NODELAY);
                        int idle = option(ExtendedSocketOptions.TCP_KEEPIDLE);
                        option(StandardSocketOptions.TCP_NODELAY, true); // and once open
                        read.complete(noDelay + " " + option(StandardSocketOptions.SO_KEEPALIVE) + " " + idle + " "
                                + option(StandardSocketOptions.TCP_NODELAY));
                    } catch (Throwable e) {
                        read.completeExceptionally(e);
                    }
                    close();
                }
            }.option(StandardSocketOptions.TCP_NODELAY, false)
             .option(StandardSocketOptions.SO_KEEPALIVE, true)
             .option(ExtendedSocketOptions.TCP_KEEPIDLE, 30)
             .connect("127.0.0.1", port));
            assertEquals("false true 30 true", Await.get(read, "the client's options"));
        }
    }

    @BackendTest
    void listeningSocketsGetTheirOptionsBeforeBinding(String backend) throws Exception {
        try (Engine engine = new Engine(backend)) {
            io.pants.spi.PollerSocket listener = engine.poller().listen(new java.net.InetSocketAddress("127.0.0.1", 0), 16,
                    Map.of(StandardSocketOptions.SO_REUSEPORT, true, StandardSocketOptions.SO_RCVBUF, 128 * 1024));
            try {
                assertEquals(true, listener.getOption(StandardSocketOptions.SO_REUSEPORT));
                assertTrue(listener.getOption(StandardSocketOptions.SO_RCVBUF) >= 128 * 1024, "SO_RCVBUF of the listener");
                // a second socket may bind the same port only because both have SO_REUSEPORT
                int port = ((java.net.InetSocketAddress) listener.localAddress()).getPort();
                io.pants.spi.PollerSocket twin = engine.poller().listen(new java.net.InetSocketAddress("127.0.0.1", port), 16,
                        Map.of(StandardSocketOptions.SO_REUSEPORT, true));
                twin.close();
                assertThrows(java.io.IOException.class,
                        () -> engine.poller().listen(new java.net.InetSocketAddress("127.0.0.1", port), 16, Map.of()).close(),
                        "without SO_REUSEPORT the port is taken");
            } finally {
                listener.close();
            }
        }
    }

    @BackendTest
    void misuseAndOptionsABackendCantSetSayWhat(String backend) throws Exception {
        Path dir = Files.createTempDirectory("pants-opt");
        Path file = dir.resolve("o.sock");
        try (LoopThread loop = new LoopThread(backend)) {
            assertThrows(IllegalArgumentException.class,
                    () -> new Server(loop.engine, EchoTest.Echo::new).option(StandardSocketOptions.IP_TOS, 4), "not a stream option");
            assertThrows(IllegalArgumentException.class,
                    () -> new Server(loop.engine, EchoTest.Echo::new).option(StandardSocketOptions.SO_RCVBUF, -1), "negative");
            CompletableFuture<String> failure = new CompletableFuture<>();
            loop.run(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() {
                    try {
                        option(ExtendedSocketOptions.TCP_KEEPIDLE, 5); // a TCP option on a Unix domain socket
                        failure.complete("no exception");
                    } catch (RuntimeException e) {
                        failure.complete(e.getMessage());
                    }
                    close();
                }
            }).listen(UnixDomainSocketAddress.of(file)));
            try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(file))) {
                String message = Await.get(failure, "the refused option");
                assertTrue(message.contains(backend), "the message names the backend " + backend + ": " + message);
                assertTrue(message.contains("TCP_KEEPIDLE"), message);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }
}
