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
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A chat server: a line from one client goes to every stream in {@link Server#connections()}. */
@ExtendWith(NoDescriptorLeaks.class)
class BroadcastTest {
    private static final int CLIENTS = 10, LEAVING = 4;

    /** Relays every line to all connections, the sender included; reports arrivals and departures. */
    static final class Chat extends Stream {
        private final CountDownLatch joined, left;

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
            for (Stream s : server().connections()) s.write(line).write("\n");
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
                for (int i = 0; i < CLIENTS; i++) {
                    Socket c = EchoTest.connect(port);
                    clients.add(c);
                    readers.add(new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8)));
                }
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
                    BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                    assertEquals("still here", in.readLine(), "the broadcast while another stream was closing");
                }
                assertEquals(2, (int) loop.call(() -> server.connections().size()), "connections() while one stream is closing");
            }
        }
    }
}
