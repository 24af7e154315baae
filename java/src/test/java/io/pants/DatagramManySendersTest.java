// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many senders, on one engine, to one receiver, on another. Each sender numbers its datagrams
 * and sends the next only when the receiver has acknowledged the last (stop and wait), so no
 * more than one datagram per sender is ever in flight: the receiver's socket buffer can't
 * overflow, nothing is dropped, and each sender's datagrams can only arrive in order. The
 * receiver checks every datagram against the next number it expects from that sender, and
 * that the sender's address stays the same; the senders check every acknowledgement.
 * Half the senders are connected to the receiver, half address each datagram.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DatagramManySendersTest {
    private static final int SENDERS = 16, ROUNDS = 250;

    /** Header of every datagram: sender id, sequence number; then a body whose size and bytes follow from both. */
    static byte[] datagram(int sender, int seq) {
        int size = 8 + (seq % 3 == 0 ? 0 : seq % 3 == 1 ? 500 : 1400);
        ByteBuffer b = ByteBuffer.allocate(size).putInt(sender).putInt(seq);
        while (b.hasRemaining()) b.put((byte) (sender * 7 + seq + b.position()));
        return b.array();
    }

    /** Checks each sender's sequence and acknowledges every datagram with its header. */
    static class Receiver extends Datagram {
        final int[] expected = new int[SENDERS];
        final Map<Integer, SocketAddress> addresses = new HashMap<>();
        final List<String> problems = new CopyOnWriteArrayList<>();
        int received;

        Receiver(Engine engine) { super(engine); }

        @Override
        protected void onRead(byte[] data, SocketAddress sender) {
            received++;
            if (data.length < 8) {
                problems.add("a datagram of " + data.length + " bytes from " + sender);
                return;
            }
            ByteBuffer b = ByteBuffer.wrap(data);
            int id = b.getInt(), seq = b.getInt();
            if (id < 0 || id >= SENDERS) {
                problems.add("unknown sender id " + id + " from " + sender);
                return;
            }
            SocketAddress known = addresses.putIfAbsent(id, sender);
            if (known != null && !known.equals(sender)) problems.add("sender " + id + " came from " + known + ", now from " + sender);
            if (seq != expected[id]) problems.add("sender " + id + ": expected datagram " + expected[id] + ", got " + seq);
            else if (!Arrays.equals(data, datagram(id, seq))) problems.add("sender " + id + ": datagram " + seq + " has the wrong bytes");
            expected[id] = seq + 1;
            write(Arrays.copyOf(data, 8), sender);
        }
    }

    /** Sends its numbered datagrams one at a time, each after the last one's acknowledgement. */
    static class Sender extends Datagram {
        final int id;
        final SocketAddress receiver;
        final boolean connected;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        int seq;

        Sender(Engine engine, int id, SocketAddress receiver, boolean connected) {
            super(engine);
            this.id = id;
            this.receiver = receiver;
            this.connected = connected;
        }

        void start() {
            if (connected) connect(receiver);
            else listen("127.0.0.1", 0);
            send();
        }

        private void send() {
            if (connected) write(datagram(id, seq));
            else write(datagram(id, seq), receiver);
        }

        @Override
        protected void onRead(byte[] data, SocketAddress sender) {
            ByteBuffer b = ByteBuffer.wrap(data);
            if (data.length != 8 || b.getInt() != id || b.getInt() != seq || !sender.equals(receiver)) {
                done.completeExceptionally(new AssertionError("sender " + id + " waiting for the ack of " + seq
                        + " got " + Arrays.toString(data) + " from " + sender));
                return;
            }
            if (++seq == ROUNDS) done.complete(seq);
            else send();
        }
    }

    @BackendTest
    void everySendersDatagramsArriveOnceAndInOrder(String backend) throws Exception {
        try (LoopThread receiving = new LoopThread(backend); LoopThread sending = new LoopThread(backend)) {
            Receiver receiver = new Receiver(receiving.engine);
            SocketAddress address = receiving.call(() -> receiver.listen("127.0.0.1", 0).localAddress());
            List<Sender> senders = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) senders.add(new Sender(sending.engine, i, address, i % 2 == 0));
            sending.run(() -> senders.forEach(Sender::start));

            for (Sender s : senders) {
                assertEquals(ROUNDS, s.done.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS),
                        "sender " + s.id + " (" + (s.connected ? "connected" : "unconnected") + ") finished");
            }
            List<String> problems = receiving.call(() -> new ArrayList<>(receiver.problems));
            assertTrue(problems.isEmpty(), "the receiver saw: " + problems);
            assertEquals(SENDERS * ROUNDS, (int) receiving.call(() -> receiver.received), "datagrams received");
            int[] expected = receiving.call(() -> receiver.expected.clone());
            for (int i = 0; i < SENDERS; i++) assertEquals(ROUNDS, expected[i], "datagrams from sender " + i);
        }
    }
}
