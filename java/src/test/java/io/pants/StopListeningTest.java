// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Server.stopListening: no new connections, the open ones carry on; the server may listen again. */
@ExtendWith(NoDescriptorLeaks.class)
class StopListeningTest {

    @BackendTest
    void openConnectionsCarryOnWhileNewOnesAreRefused(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> new Server(loop.engine, EchoTest.Echo::new).listen("127.0.0.1", 0));
            int port = loop.call(server::port);
            try (Socket open = EchoTest.connect(port)) {
                byte[] before = "before".getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(before, EchoTest.exchange(open, before));

                loop.run(server::stopListening);
                assertFalse(loop.call(server::isListening));
                try (Socket refused = new Socket()) {
                    assertThrows(ConnectException.class, () -> refused.connect(new InetSocketAddress("127.0.0.1", port), 5000),
                            "a new connection after stopListening()");
                }

                byte[] after = "after".getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(after, EchoTest.exchange(open, after), "the open connection is served as before");
                assertTrue(loop.call(() -> server.connections().size()) == 1, "the open connection is still the server's");

                // listening again, on a new port, serves new clients
                int again = loop.call(() -> server.listen("127.0.0.1", 0).port());
                assertTrue(loop.call(server::isListening));
                try (Socket late = EchoTest.connect(again)) {
                    assertArrayEquals(after, EchoTest.exchange(late, after));
                }
            }
            loop.run(server::close);
        }
    }

    @BackendTest
    void theUnixSocketFileGoesWithTheListener(String backend) throws Exception {
        Path dir = Files.createTempDirectory("pants-stop");
        Path file = dir.resolve("s.sock");
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> new Server(loop.engine, EchoTest.Echo::new).listen(UnixDomainSocketAddress.of(file)));
            assertTrue(Files.exists(file));
            loop.run(server::stopListening);
            assertFalse(Files.exists(file), "the socket file is removed when the server stops listening");
            assertThrows(IllegalStateException.class, server::stopListening, "called off the loop thread while it runs");
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    @BackendTest
    void stoppingListeningLetsListenersPausedForDescriptorsTryAgain(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            Server paused = loop.call(() -> new Server(loop.engine, EchoTest.Echo::new).listen("127.0.0.1", 0));
            Server other = loop.call(() -> new Server(loop.engine, EchoTest.Echo::new).listen("127.0.0.1", 0));
            // what an accept failing with EMFILE does to the engine (the listener itself is not
            // paused, so that its backoff timer can't be what wakes it)
            loop.run(() -> loop.engine.pausedListeners.add(paused.loops()[0].listeners.get(0)));
            CompletableFuture<Boolean> stillPaused = new CompletableFuture<>();
            loop.run(() -> {
                other.stopListening(); // frees the descriptor of its listening socket
                // behind the retry a freed descriptor schedules for the next turn, if it did
                loop.engine.callback(() -> stillPaused.complete(loop.engine.pausedListeners.any()));
            });
            assertFalse(Await.get(stillPaused, "the turn after stopListening()"),
                    "closing a listening socket frees a descriptor: the paused listeners try again at once");
            int port = loop.call(paused::port);
            try (Socket c = EchoTest.connect(port)) {
                byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(hi, EchoTest.exchange(c, hi), "the listener that was paused accepts");
            }
            loop.run(paused::close);
            loop.run(other::close);
        }
    }
}
