// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A burst of datagrams written at once: the send queue's water marks turn {@code isWritable()}
 * off and {@code onDrain()} on, as for streams, and every datagram arrives, in order.
 *
 * <p>UDP over loopback never makes a sender wait (the kernel hands the datagram to the receiver
 * at once, or drops it), so the UDP burst is sized to fit the receiver's socket buffer even if
 * it read nothing meanwhile: nothing can be dropped. Unix domain datagram sockets do make the
 * sender wait when the receiver's queue is full: that test holds the receiver's engine back
 * until the sender's socket has refused more, so the queue really waits for WRITE readiness.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DatagramBackpressureTest {
    private static final int SIZE = 1000;

    static byte[] datagram(int seq) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).putInt(seq);
        while (b.hasRemaining()) b.put((byte) (seq + b.position()));
        return b.array();
    }

    @BackendTest
    void aUdpBurstGoesOverTheHighWaterMarkThenDrains(String backend) throws Exception {
        int count = 40;
        try (LoopThread receiving = new LoopThread(backend); LoopThread sending = new LoopThread(backend)) {
            RecordingDatagram receiver = new RecordingDatagram(receiving.engine);
            // 40 datagrams of 1000 bytes take about 100 KiB of socket buffer: far less than this
            SocketAddress to = receiving.call(() -> receiver.option(StandardSocketOptions.SO_RCVBUF, 256 * 1024)
                    .listen("127.0.0.1", 0).localAddress());
            RecordingDatagram sender = new RecordingDatagram(sending.engine);
            sending.run(() -> sender.waterMarks(4 * SIZE, 16 * SIZE).listen("127.0.0.1", 0));

            for (int burst = 0; burst < 3; burst++) {
                int first = burst * count;
                int[] queued = sending.call(() -> {
                    assertTrue(sender.isWritable(), "writable before the burst");
                    for (int i = 0; i < count; i++) sender.write(datagram(first + i), to);
                    return new int[] {sender.queuedDatagrams(), (int) sender.queuedBytes(), sender.isWritable() ? 1 : 0};
                });
                assertEquals(count, queued[0], "datagrams queued by the burst");
                assertEquals(count * SIZE, queued[1], "bytes queued by the burst");
                assertEquals(0, queued[2], "the burst is over the high water mark: not writable");
                sender.awaitDrain("the burst was sent");
                assertTrue(sending.call(sender::isWritable), "writable again after onDrain");
                for (int i = 0; i < count; i++) {
                    assertArrayEquals(datagram(first + i), receiver.next("datagram " + (first + i)).data(), "datagram " + (first + i));
                }
            }
            assertEquals(0L, (long) sending.call(sender::queuedBytes));
            assertTrue(sender.errors.isEmpty() && receiver.errors.isEmpty(), "errors: " + sender.errors + receiver.errors);
        }
    }

    @BackendTest
    void aUnixDatagramSenderWaitsForItsReceiver(String backend) throws Exception {
        assumeTrue(!backend.equals("nio"), "java.nio has no Unix domain datagram sockets (UnixDatagramTest checks the error)");
        int count = 300;
        Path dir = Files.createTempDirectory("pants-dgram");
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("receiver.sock"));
        try (LoopThread sending = new LoopThread(backend)) {
            // the receiver's engine doesn't run yet: its socket takes a few datagrams, then refuses
            Engine receivingEngine = new Engine(backend);
            RecordingDatagram receiver = new RecordingDatagram(receivingEngine);
            receiver.listen(path);
            RecordingDatagram sender = new RecordingDatagram(sending.engine);
            int[] after = sending.call(() -> {
                sender.waterMarks(8 * SIZE, 32 * SIZE).connect(path);
                for (int i = 0; i < count; i++) sender.write(datagram(i));
                sender.flush();
                return new int[] {sender.queuedDatagrams(), sender.isWritable() ? 1 : 0};
            });
            assertTrue(after[0] > 0 && after[0] < count, "the socket took some datagrams and refused the rest: " + after[0] + " still queued");
            assertEquals(0, after[1], "not writable while the receiver doesn't read");
            assertTrue(sender.drains.isEmpty(), "no onDrain while the receiver doesn't read");

            receiveAll(receivingEngine, receiver, sending, sender, count);
            sender.awaitDrain("the receiver read everything");
        } finally {
            deleteDirectory(dir);
        }
    }

    /**
     * An unconnected Unix datagram socket sending to a receiver that doesn't read: Linux reports
     * the sender writable all along (its own buffer is empty), so waiting for writability would
     * spin. The sender retries on a timer instead: a handful of loop turns while it waits, and
     * every datagram arrives once the receiver reads.
     */
    @BackendTest
    void anUnconnectedUnixSenderWaitsWithoutSpinning(String backend) throws Exception {
        assumeTrue(!backend.equals("nio"), "java.nio has no Unix domain datagram sockets (UnixDatagramTest checks the error)");
        int count = 300;
        Path dir = Files.createTempDirectory("pants-dgram");
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("receiver.sock"));
        try (LoopThread sending = new LoopThread(backend)) {
            Engine receivingEngine = new Engine(backend);
            RecordingDatagram receiver = new RecordingDatagram(receivingEngine);
            receiver.listen(path);
            RecordingDatagram sender = new RecordingDatagram(sending.engine);
            CompletableFuture<Long> turnsWhileStuck = new CompletableFuture<>();
            int queued = sending.call(() -> {
                sender.listen(UnixDomainSocketAddress.of(dir.resolve("sender.sock")));
                for (int i = 0; i < count; i++) sender.write(datagram(i), path);
                sender.flush();
                long turnsBefore = sending.engine.turns();
                // a window of the loop's own time, in which nothing but the stuck sender happens
                sending.engine.defer(Duration.ofMillis(300), () -> turnsWhileStuck.complete(sending.engine.turns() - turnsBefore));
                return sender.queuedDatagrams();
            });
            assertTrue(queued > 0 && queued < count, "the receiver took some datagrams and refused the rest: " + queued + " still queued");
            long turns = turnsWhileStuck.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(turns < 100, "the loop turned " + turns + " times in 300 ms with nothing to do but wait for the receiver");

            receiveAll(receivingEngine, receiver, sending, sender, count);
        } finally {
            deleteDirectory(dir);
        }
    }

    /**
     * Runs the receiver's engine until datagrams 0 to count - 1 have arrived, in order; then the
     * sender has nothing queued, and neither side saw an error.
     */
    private static void receiveAll(Engine receivingEngine, RecordingDatagram receiver, LoopThread sending,
                                   RecordingDatagram sender, int count) throws Exception {
        try (LoopThread receiving = new LoopThread(receivingEngine)) {
            for (int i = 0; i < count; i++) {
                assertArrayEquals(datagram(i), receiver.next("datagram " + i).data(), "datagram " + i);
            }
            assertEquals(0, (int) sending.call(sender::queuedDatagrams));
            assertTrue(sender.errors.isEmpty() && receiver.errors.isEmpty(), "errors: " + sender.errors + receiver.errors);
        }
    }

    private static void deleteDirectory(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.delete(f);
        }
        Files.delete(dir);
    }
}
