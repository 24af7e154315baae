// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server on a group of loops: connections spread over the loops, each stream's callbacks on
 * its own loop's thread, echo with many clients, connects from callbacks, stopListening and
 * shutdown. Each test runs both ways of spreading connections: the backend's choice (here a
 * listening socket per loop with SO_REUSEPORT, where the kernel balances) and the handover from
 * one accepting loop that macOS and Windows use.
 */
@ExtendWith(NoDescriptorLeaks.class)
class ServerGroupTest {
    private static final boolean[] HAND_OFF = {false, true};

    /** Echoes, counts itself per loop, and records any callback that runs off its own loop's thread. */
    static final class Pinned extends Stream {
        final AtomicIntegerArray perLoop;
        final Queue<String> offLoop;
        final CountDownLatch connected;

        Pinned(AtomicIntegerArray perLoop, Queue<String> offLoop, CountDownLatch connected) {
            this.perLoop = perLoop;
            this.offLoop = offLoop;
            this.connected = connected;
        }

        private void check(String callback) {
            Engine e = engine();
            if (!e.inLoopThread() || Engine.current() != e || !Thread.currentThread().getName().equals("pants-loop-" + e.loopIndex())) {
                offLoop.add(callback + " of a stream of loop " + e.loopIndex() + " ran on " + Thread.currentThread().getName());
            }
        }

        @Override
        protected void onConnect() {
            check("onConnect");
            perLoop.incrementAndGet(engine().loopIndex());
            connected.countDown();
        }

        @Override
        protected void onRead(byte[] data) {
            check("onRead");
            write(data);
        }

        @Override
        protected void onClose() { check("onClose"); }
    }

    private static Server pinnedServer(EngineGroup g, boolean handOff, AtomicIntegerArray perLoop, Queue<String> offLoop,
                                       CountDownLatch connected) {
        Server s = new Server(g, () -> new Pinned(perLoop, offLoop, connected));
        if (handOff) s.handOff(true);
        return s;
    }

    @BackendTest
    void connectionsSpreadOverEveryLoop(String backend) throws Exception {
        int loops = 4, clients = 400;
        for (boolean handOff : HAND_OFF) {
            try (GroupThreads group = new GroupThreads(loops, backend)) {
                AtomicIntegerArray perLoop = new AtomicIntegerArray(loops);
                Queue<String> offLoop = new ConcurrentLinkedQueue<>();
                CountDownLatch connected = new CountDownLatch(clients);
                Server server = pinnedServer(group.group, handOff, perLoop, offLoop, connected).listen("127.0.0.1", 0);
                group.start();
                List<Socket> open = new ArrayList<>();
                try {
                    for (int i = 0; i < clients; i++) open.add(EchoTest.connect(server.port()));
                    Await.await(connected, clients + " connections accepted");
                    int[] counts = new int[loops];
                    for (int i = 0; i < loops; i++) counts[i] = perLoop.get(i);
                    String where = (handOff ? "handed over" : "accepted on each loop") + ": " + Arrays.toString(counts);
                    for (int i = 0; i < loops; i++) {
                        assertTrue(counts[i] > 0, "loop " + i + " got no connection, " + where);
                        assertTrue(counts[i] <= 2 * clients / loops, "loop " + i + " got more than twice its share, " + where);
                    }
                    assertEquals(clients, server.stats().connectionsOpen());
                    assertEquals(clients, server.stats().accepted());
                    // each loop's connections() is its own share
                    for (int i = 0; i < loops; i++) {
                        int loop = i;
                        assertEquals(counts[i], (int) group.call(i, () -> server.connections().size()), "connections() on loop " + loop);
                    }
                    assertThrows(IllegalStateException.class, server::connections, "connections() off the loops of a running group");
                } finally {
                    for (Socket s : open) s.close();
                }
                assertTrue(offLoop.isEmpty(), () -> "callbacks off their loop: " + offLoop);
                server.close();
            }
        }
    }

    @BackendTest
    void echoWithFourLoopsAndTwoHundredConcurrentClients(String backend) throws Exception {
        int loops = 4, clients = 200;
        for (boolean handOff : HAND_OFF) {
            ExecutorService pool = Executors.newFixedThreadPool(20);
            try (GroupThreads group = new GroupThreads(loops, backend)) {
                AtomicIntegerArray perLoop = new AtomicIntegerArray(loops);
                Queue<String> offLoop = new ConcurrentLinkedQueue<>();
                CountDownLatch connected = new CountDownLatch(clients);
                Server server = pinnedServer(group.group, handOff, perLoop, offLoop, connected).listen("127.0.0.1", 0);
                group.start();
                List<Socket> open = new ArrayList<>();
                try {
                    for (int i = 0; i < clients; i++) open.add(EchoTest.connect(server.port()));
                    Await.await(connected, "all clients connected"); // all 200 open at once
                    List<Future<?>> done = new ArrayList<>();
                    for (int i = 0; i < clients; i++) {
                        Socket c = open.get(i);
                        int client = i;
                        done.add(pool.submit(() -> {
                            for (int round = 0; round < 5; round++) {
                                byte[] message = TestData.bytes(client * 7 + round, 1000 + client * 10);
                                assertArrayEquals(message, EchoTest.exchange(c, message), "client " + client + ", round " + round);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : done) Await.get(f, "a client's exchanges");
                } finally {
                    for (Socket s : open) s.close();
                }
                assertTrue(offLoop.isEmpty(), () -> "callbacks off their loop: " + offLoop);
                server.close();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @BackendTest
    void aStreamConnectingFromACallbackLandsOnTheCallersLoop(String backend) throws Exception {
        try (GroupThreads group = new GroupThreads(3, backend)) {
            Server target = new Server(group.group, EchoTest.Echo::new).listen("127.0.0.1", 0);
            int port = target.port();
            Queue<String> wrong = new ConcurrentLinkedQueue<>();
            CountDownLatch relayed = new CountDownLatch(30);
            // each accepted stream connects a client from its onConnect, without naming an engine
            Server front = new Server(group.group, () -> new Stream() {
                @Override
                protected void onConnect() {
                    Engine mine = engine();
                    Stream client = new Stream() {
                        @Override
                        protected void onConnect() {
                            if (engine() != mine || !mine.inLoopThread()) wrong.add("client on loop " + engine().loopIndex() + ", caller on " + mine.loopIndex());
                            relayed.countDown();
                            close();
                        }
                    };
                    client.connect("127.0.0.1", port);
                    if (client.engine() != mine) wrong.add("connect() put the client on " + client.engine());
                }
            }).listen("127.0.0.1", 0);
            group.start();
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) open.add(EchoTest.connect(front.port()));
                Await.await(relayed, "the clients connected from callbacks");
            } finally {
                for (Socket s : open) s.close();
            }
            assertTrue(wrong.isEmpty(), () -> wrong.toString());
            front.close();
            target.close();
        }
    }

    @BackendTest
    void stopListeningOnAGroupRefusesNewConnectionsAndServesTheOpenOnes(String backend) throws Exception {
        for (boolean handOff : HAND_OFF) {
            try (GroupThreads group = new GroupThreads(4, backend)) {
                AtomicIntegerArray perLoop = new AtomicIntegerArray(4);
                Queue<String> offLoop = new ConcurrentLinkedQueue<>();
                CountDownLatch connected = new CountDownLatch(40);
                Server server = pinnedServer(group.group, handOff, perLoop, offLoop, connected).listen("127.0.0.1", 0);
                int port = server.port();
                group.start();
                List<Socket> open = new ArrayList<>();
                try {
                    for (int i = 0; i < 40; i++) open.add(EchoTest.connect(port));
                    Await.await(connected, "40 connections");
                    server.stopListening(); // off the loops: returns once every loop closed its listener
                    assertFalse(server.isListening());
                    try (Socket refused = new Socket()) {
                        assertThrows(ConnectException.class, () -> refused.connect(new InetSocketAddress("127.0.0.1", port), 5000),
                                "a new connection after stopListening()");
                    }
                    byte[] after = "after".getBytes(StandardCharsets.UTF_8);
                    for (Socket s : open) assertArrayEquals(after, EchoTest.exchange(s, after), "an open connection is served as before");
                    assertEquals(40, server.stats().connectionsOpen());
                } finally {
                    for (Socket s : open) s.close();
                }
                server.close();
            }
        }
    }

    @BackendTest
    void listenOnARunningGroupFromAnotherThreadButNotFromOneOfItsLoops(String backend) throws Exception {
        for (boolean handOff : HAND_OFF) {
            try (GroupThreads group = new GroupThreads(3, backend).start()) {
                AtomicIntegerArray perLoop = new AtomicIntegerArray(3);
                Queue<String> offLoop = new ConcurrentLinkedQueue<>();
                CountDownLatch connected = new CountDownLatch(60);
                Server server = pinnedServer(group.group, handOff, perLoop, offLoop, connected);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> group.call(1, () -> server.listen("127.0.0.1", 0)), "listen() from one of the loops");
                assertTrue(e.getMessage().contains("listen before the group starts, or from another thread"), e.getMessage());
                server.listen("127.0.0.1", 0); // each loop opens its listener on its own thread
                List<Socket> open = new ArrayList<>();
                try {
                    for (int i = 0; i < 60; i++) open.add(EchoTest.connect(server.port()));
                    Await.await(connected, "60 connections");
                    for (int i = 0; i < 3; i++) assertTrue(perLoop.get(i) > 0, "loop " + i + " got none: " + perLoop);
                } finally {
                    for (Socket s : open) s.close();
                }
                assertTrue(offLoop.isEmpty(), () -> offLoop.toString());
                server.close();
            }
        }
    }

    @BackendTest
    void aUnixSocketServerOnAGroupHandsConnectionsOver(String backend) throws Exception {
        Path dir = Files.createTempDirectory("pants-group");
        Path file = dir.resolve("g.sock");
        try (GroupThreads group = new GroupThreads(2, backend)) {
            AtomicIntegerArray perLoop = new AtomicIntegerArray(2);
            Queue<String> offLoop = new ConcurrentLinkedQueue<>();
            CountDownLatch connected = new CountDownLatch(10);
            Server server = pinnedServer(group.group, false, perLoop, offLoop, connected).listen(UnixDomainSocketAddress.of(file));
            group.start();
            List<java.nio.channels.SocketChannel> open = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) open.add(java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(file)));
                Await.await(connected, "10 Unix connections");
                assertEquals(5, perLoop.get(0), "round robin from the accepting loop");
                assertEquals(5, perLoop.get(1));
            } finally {
                for (java.nio.channels.SocketChannel c : open) c.close();
            }
            assertTrue(offLoop.isEmpty(), () -> offLoop.toString());
            server.close();
            assertFalse(Files.exists(file), "the socket file goes with the server");
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    @BackendTest
    void shutdownOnAGroupLetsStreamsFinishAndForceClosesAtTheDeadline(String backend) throws Exception {
        try (GroupThreads group = new GroupThreads(3, backend)) {
            CountDownLatch connected = new CountDownLatch(6);
            CountDownLatch closed = new CountDownLatch(6);
            // a stream that ends itself when told "bye"; others stay until the deadline
            Server server = new Server(group.group, () -> new Stream() {
                @Override
                protected void onConnect() { connected.countDown(); }

                @Override
                protected void onRead(byte[] data) {
                    if (new String(data, StandardCharsets.UTF_8).startsWith("bye")) {
                        write("done".getBytes(StandardCharsets.UTF_8));
                        close();
                    } else {
                        write(data);
                    }
                }

                @Override
                protected void onClose() { closed.countDown(); }
            }).listen("127.0.0.1", 0);
            int port = server.port();
            group.start();
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) open.add(EchoTest.connect(port));
                Await.await(connected, "6 connections");
                CompletableFuture<Void> done = server.shutdown(java.time.Duration.ofMillis(500));
                assertSame(done, server.shutdown(java.time.Duration.ofSeconds(1)), "a second call returns the first future");
                // new connections are refused at once, on every loop
                Refusals.awaitRefused(port);
                // three streams finish their exchange and close themselves
                for (int i = 0; i < 3; i++) {
                    Socket s = open.get(i);
                    s.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
                    byte[] back = new byte[4];
                    new DataInputStream(s.getInputStream()).readFully(back);
                    assertEquals("done", new String(back, StandardCharsets.UTF_8), "an in-flight exchange finishes");
                    assertEquals(-1, s.getInputStream().read(), "then the stream closes");
                }
                assertFalse(done.isDone(), "three streams are still open: the shutdown waits for its deadline");
                // the other three are closed at the deadline
                Await.get(done, "the shutdown completing at its deadline");
                Await.await(closed, "every stream closed");
                for (int i = 3; i < 6; i++) assertEnded(open.get(i));
                assertTrue(server.isClosed());
                assertEquals(0, server.stats().connectionsOpen());
            } finally {
                for (Socket s : open) s.close();
            }
        }
    }


    /** The peer closed the socket: end of stream, or a reset for a stream aborted with data unread. */
    static void assertEnded(Socket s) throws IOException {
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(20));
        try {
            assertEquals(-1, s.getInputStream().read(), "the server closed the connection");
        } catch (java.net.SocketException reset) {
            // aborted: as good as closed
        }
    }
}
