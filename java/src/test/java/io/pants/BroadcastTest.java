// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A chat server: a line from one client goes to every stream in {@link Server#connections()}. */
@ExtendWith(NoDescriptorLeaks.class)
class BroadcastTest {
    private static final int CLIENTS = 10, LEAVING = 4;

    /**
     * Relays every line to all connections, the sender included; reports arrivals and departures.
     * A client that says "I am slow" is marked so (and told "marked"): the next broadcast drops it.
     */
    static final class Chat extends Stream {
        private final CountDownLatch joined, left;
        boolean slow;

        Chat(CountDownLatch joined, CountDownLatch left) {
            this.joined = joined;
            this.left = left;
        }

        @Override
        protected void onConnect() {
            readDelimiter("\n");
            joined.countDown();
        }

        @Override
        protected void onRead(byte[] line) {
            if (new String(line, StandardCharsets.UTF_8).equals("I am slow")) {
                slow = true;
                write("marked\n");
                return;
            }
            // typed: the server makes Chats, and the loop may close the ones it meets
            for (Chat peer : server().connections(Chat.class)) {
                if (peer.slow) peer.abort();
                else peer.write(line).write("\n");
            }
        }

        @Override
        protected void onClose() { left.countDown(); }
    }

    @BackendTest
    void everyConnectionGetsEveryMessageAndLeaversAreDropped(String backend) throws Exception {
        CountDownLatch joined = new CountDownLatch(CLIENTS);
        CountDownLatch left = new CountDownLatch(LEAVING);
        List<Chat> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> new Server(loop.engine, () -> {
                Chat c = new Chat(joined, left);
                made.add(c);
                return c;
            }).listen("127.0.0.1", 0));
            int port = loop.call(server::port);
            List<Socket> clients = new ArrayList<>();
            List<BufferedReader> readers = new ArrayList<>();
            try {
                connect(port, CLIENTS, clients, readers);
                Await.await(joined, "the server to accept every client");
                assertEquals(CLIENTS, (int) loop.call(() -> server.connections().size()), "connections() after everyone joined");
                assertEquals(new HashSet<>(made), loop.call(() -> new HashSet<>(server.connections())), "connections() vs the streams accepted");
                assertThrows(UnsupportedOperationException.class,
                        () -> loop.run(() -> server.connections().clear()), "connections() is a read-only view");

                // senders in turn; every client, the sender included, must get each line once, in order
                for (int sender : new int[] {0, 3, CLIENTS - 1}) {
                    String line = "message from client " + sender;
                    send(clients.get(sender), line);
                    for (int i = 0; i < CLIENTS; i++) assertEquals(line, readers.get(i).readLine(), "what client " + i + " received");
                }

                for (int i = 0; i < LEAVING; i++) clients.get(i).close();
                Await.await(left, "the server to notice " + LEAVING + " clients leaving");
                Set<Stream> remaining = loop.call(() -> new HashSet<>(server.connections()));
                assertEquals(CLIENTS - LEAVING, remaining.size(), "connections() after " + LEAVING + " clients left");
                for (Chat c : made) {
                    assertEquals(!loop.call(c::isClosed), remaining.contains(c), "connections() must hold exactly the open streams: " + c);
                }

                // the remaining clients still get the broadcast (and nothing fails writing to the leavers)
                String line = "after the departures";
                send(clients.get(LEAVING), line);
                for (int i = LEAVING; i < CLIENTS; i++) assertEquals(line, readers.get(i).readLine(), "what client " + i + " received");
            } finally {
                for (Socket c : clients) c.close();
            }
        }
    }

    /**
     * The chat pattern: a broadcast that drops the slow clients it meets while it iterates
     * {@code connections()}. Two of them, so that one is dropped before the iteration ends
     * (whatever the order), which a {@code HashSet} answered with a
     * {@code ConcurrentModificationException} at the next stream, cutting the broadcast short.
     */
    @BackendTest
    void aBroadcastMayCloseStreamsWhileIteratingTheConnections(String backend) throws Exception {
        int clients = 6;
        List<Integer> slow = List.of(1, 4);
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            CountDownLatch joined = new CountDownLatch(clients);
            Server server = loop.call(() -> new Server(loop.engine, () -> new Chat(joined, new CountDownLatch(0))).listen("127.0.0.1", 0));
            int port = loop.call(server::port);
            List<Socket> sockets = new ArrayList<>();
            List<BufferedReader> readers = new ArrayList<>();
            try {
                connect(port, clients, sockets, readers);
                for (int i : slow) {
                    send(sockets.get(i), "I am slow");
                    assertEquals("marked", readers.get(i).readLine(), "client " + i + " marked slow");
                }
                Await.await(joined, "the server to accept every client");

                send(sockets.get(0), "hello");
                for (int i = 0; i < clients; i++) {
                    if (slow.contains(i)) assertNull(readers.get(i).readLine(), "slow client " + i + " was dropped");
                    else assertEquals("hello", readers.get(i).readLine(), "what client " + i + " received");
                }
                List<Boolean> left = loop.call(() -> {
                    List<Boolean> slowFlags = new ArrayList<>();
                    for (Chat c : server.connections(Chat.class)) slowFlags.add(c.slow);
                    return slowFlags;
                });
                assertEquals(List.of(false, false, false, false), left, "connections() after the broadcast: the four others");
                assertEquals(List.of(), log.matching(r -> r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()),
                        "no callback failed");
            } finally {
                for (Socket c : sockets) c.close();
            }
        }
    }

    /** connections(type) of a server whose factory makes several kinds says so at the stream that is not one. */
    @BackendTest
    void connectionsOfATypeNamesAStreamOfAnother(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CountDownLatch joined = new CountDownLatch(2);
            boolean[] chat = {true};
            Server server = loop.call(() -> new Server(loop.engine, () -> (chat[0] = !chat[0]) ? new Chat(joined, new CountDownLatch(0)) : new Stream() {
                @Override
                protected void onConnect() { joined.countDown(); }
            }).listen("127.0.0.1", 0));
            int port = loop.call(server::port);
            try (Socket a = EchoTest.connect(port); Socket b = EchoTest.connect(port)) {
                Await.await(joined, "the server to accept both clients");
                ClassCastException e = assertThrows(ClassCastException.class, () -> loop.run(() -> {
                    for (Chat c : server.connections(Chat.class)) c.slow = false;
                }));
                assertTrue(e.getMessage().contains("connections(" + Chat.class.getName() + ")")
                        && e.getMessage().contains("iterate connections()"), e.getMessage());
                assertEquals(2, (int) loop.call(() -> server.connections(Chat.class).size()));
            }
        }
    }

    /** Connects {@code n} clients, each with a reader of its lines, adding them to the lists (to close even if this fails). */
    private static void connect(int port, int n, List<Socket> sockets, List<BufferedReader> readers) throws java.io.IOException {
        for (int i = 0; i < n; i++) {
            Socket c = EchoTest.connect(port);
            sockets.add(c);
            readers.add(reader(c));
        }
    }

    private static BufferedReader reader(Socket c) throws java.io.IOException {
        return new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void send(Socket c, String line) throws java.io.IOException {
        c.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A client leaves while the server still has output queued for it: its stream is closing,
     * sending that output, and no longer connected. A broadcast must reach everyone else.
     */
    @BackendTest
    void aClosingStreamDoesNotSpoilTheBroadcastToTheOthers(String backend) throws Exception {
        int farewell = 32 * 1024 * 1024; // more than the kernel takes from a client that doesn't read
        CountDownLatch joined = new CountDownLatch(3);
        CompletableFuture<Stream> leaving = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() {
                    readDelimiter("\n");
                    joined.countDown();
                }

                @Override
                protected void onRead(byte[] line) {
                    if (new String(line, StandardCharsets.UTF_8).equals("bye")) {
                        write(new byte[farewell]);
                        close(); // sends the farewell first: closing, for as long as the client doesn't read
                        leaving.complete(this);
                        return;
                    }
                    for (Stream s : server().connections()) s.write(line).write("\n");
                }
            }).listen("127.0.0.1", 0));
            int port = loop.call(server::port);
            try (Socket a = EchoTest.connect(port); Socket b = EchoTest.connect(port); Socket leaver = EchoTest.connect(port)) {
                Await.await(joined, "the server to accept every client");
                send(leaver, "bye");
                Stream closing = Await.get(leaving, "the server to see the leaver's bye");
                assertEquals("closed true, connected false, queued " + true, loop.call(() -> "closed " + closing.isClosed()
                        + ", connected " + closing.isConnected() + ", queued " + (closing.queuedBytes() > 0)), "the leaver's stream");

                send(a, "still here");
                for (Socket c : List.of(a, b)) {
                    BufferedReader in = reader(c);
                    assertEquals("still here", in.readLine(), "the broadcast while another stream was closing");
                }
                assertEquals(2, (int) loop.call(() -> server.connections().size()), "connections() while one stream is closing");
            }
        }
    }
}
