// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The closed-loop echo load: each connection sends one message, waits until all of it came back,
 * checks every byte, records the round trip's latency, and sends the next. One thread, one
 * selector, plain JDK NIO, so that it loads every server the same way.
 *
 * <p>Each message carries its connection's number and its own sequence number, so a server
 * that mixes up connections or replays old data is caught, not counted.
 *
 * <p>A {@link Framing} says what goes on the wire for a message and what must come back: the
 * bytes themselves for the plain echo, a masked frame out and an unmasked one back for
 * WebSocket ({@link WebSocketFraming}), after the connection's handshake.
 */
final class EchoClient implements AutoCloseable {
    /** How a message travels: what a connection sends first, and what it sends and expects back for each message. */
    interface Framing {
        /** The bytes of plain echo: the message itself, both ways. */
        Framing RAW = new Framing() {
            @Override public byte[] wire(byte[] message) { return message; }
            @Override public byte[] reply(byte[] message) { return message; }
        };

        /** Runs on each new connection, still blocking, before the load: a handshake, say. */
        default void open(SocketChannel channel) throws IOException {}

        /** What is sent for {@code message} (a fresh array each time, or the message). */
        byte[] wire(byte[] message);

        /** What must come back for it, exactly. */
        byte[] reply(byte[] message);
    }

    /** The outcome of one {@link #run}. */
    record Result(long roundTrips, long nanos, Histogram latencies) {
        double perSecond() { return roundTrips * 1e9 / nanos; }
    }

    private final int messageSize;
    private final Framing framing;
    private final Selector selector;
    private final List<Connection> connections = new ArrayList<>();

    /** Opens {@code count} connections to 127.0.0.1:port; each connect is bounded by the OS. */
    EchoClient(int port, int count, int messageSize) throws IOException {
        this(port, count, messageSize, Framing.RAW);
    }

    /** Opens {@code count} connections to 127.0.0.1:port, each {@link Framing#open opened} by {@code framing}. */
    EchoClient(int port, int count, int messageSize, Framing framing) throws IOException {
        if (messageSize < 16) throw new IllegalArgumentException("messages carry 16 bytes of numbering");
        this.messageSize = messageSize;
        this.framing = framing;
        this.selector = Selector.open();
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                framing.open(ch);
                ch.configureBlocking(false);
                Connection c = new Connection(i, ch);
                c.key = ch.register(selector, 0, c);
                connections.add(c);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Runs the loop for {@code duration} (bounded: it ends then, in-flight messages are dropped)
     * and returns what it measured. Throws if a reply differs from what was sent, if a connection
     * closes, or if nothing at all comes back for {@code stallLimit}.
     */
    Result run(Duration duration, Duration stallLimit) throws IOException {
        // 3 significant digits up to a minute: any percentile within 0.1%, in a fixed footprint
        Histogram latencies = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        long roundTrips = 0;
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        long lastProgress = start;
        for (Connection c : connections) c.send(start);
        long now = start;
        while (now < deadline) {
            selector.select(Math.max(1, Math.min(100, (deadline - now) / 1_000_000)));
            now = System.nanoTime();
            for (SelectionKey key : selector.selectedKeys()) {
                Connection c = (Connection) key.attachment();
                if (key.isWritable()) c.flush();
                if (key.isReadable() && c.receive()) {
                    latencies.recordValue(Math.min(now - c.sentAt, latencies.getHighestTrackableValue()));
                    roundTrips++;
                    lastProgress = now;
                    c.send(now);
                }
            }
            selector.selectedKeys().clear();
            if (now - lastProgress > stallLimit.toNanos()) {
                throw new IOException("no echo came back for " + stallLimit + " (" + roundTrips + " round trips so far)");
            }
        }
        long nanos = System.nanoTime() - start;
        drain(stallLimit);
        return new Result(roundTrips, nanos, latencies);
    }

    /** Waits for the replies still in flight (checking them, not counting them), so the next run starts clean. */
    private void drain(Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        int inFlight = 0;
        for (Connection c : connections) if (c.inFlight) inFlight++;
        while (inFlight > 0) {
            if (System.nanoTime() > deadline) throw new IOException(inFlight + " echoes did not come back within " + limit);
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                Connection c = (Connection) key.attachment();
                if (key.isWritable()) c.flush();
                if (key.isReadable() && c.receive()) inFlight--;
            }
            selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        for (Connection c : connections) c.channel.close();
        selector.close();
    }

    private final class Connection {
        final int id;
        final SocketChannel channel;
        SelectionKey key;
        final byte[] sent = new byte[messageSize];
        final int replySize = framing.reply(sent).length;
        final ByteBuffer out = ByteBuffer.allocateDirect(framing.wire(sent).length);
        final ByteBuffer in = ByteBuffer.allocateDirect(replySize);
        final byte[] received = new byte[replySize];
        long sequence;
        long sentAt;
        boolean inFlight;

        Connection(int id, SocketChannel channel) {
            this.id = id;
            this.channel = channel;
        }

        void send(long now) throws IOException {
            ByteBuffer.wrap(sent).putLong(id).putLong(++sequence);
            Arrays.fill(sent, 16, sent.length, (byte) (id + sequence));
            out.clear();
            out.put(framing.wire(sent)).flip();
            sentAt = now;
            inFlight = true;
            flush();
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        void flush() throws IOException {
            channel.write(out);
            if (!out.hasRemaining() && key.isValid()) key.interestOps(SelectionKey.OP_READ);
        }

        /** Reads what has come; true once the whole reply is in and checked. */
        boolean receive() throws IOException {
            int n = channel.read(in);
            if (n < 0) throw new IOException("the server closed connection " + id);
            if (!inFlight && in.position() > 0) throw new IOException("connection " + id + " got bytes it did not send");
            if (in.position() < replySize) return false;
            in.flip();
            in.get(received);
            if (in.hasRemaining()) throw new IOException("connection " + id + " got more bytes than it sent");
            in.clear();
            if (!Arrays.equals(framing.reply(sent), received)) {
                throw new IOException("connection " + id + ", message " + sequence + ": the reply differs from what was sent");
            }
            inFlight = false;
            return true;
        }
    }
}
