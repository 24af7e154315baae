// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import org.HdrHistogram.Histogram;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The closed-loop echo load over TLS: as {@link EchoClient} (one thread, one selector; each
 * connection sends a numbered message, waits for all of it, checks it, records the round trip),
 * with a JDK {@link SSLEngine} per connection. Connections handshake once, when opened (in
 * blocking mode, before any measurement); the measured runs reuse them, so a run measures
 * records, not handshakes.
 */
final class TlsEchoClient implements AutoCloseable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final int messageSize;
    private final Selector selector;
    private final List<Connection> connections = new ArrayList<>();

    TlsEchoClient(int port, int count, int messageSize) throws IOException, GeneralSecurityException {
        if (messageSize < 16) throw new IllegalArgumentException("messages carry 16 bytes of numbering");
        this.messageSize = messageSize;
        this.selector = Selector.open();
        SSLContext tls = BenchmarkCertificate.trustingClient();
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SSLEngine engine = tls.createSSLEngine("127.0.0.1", port);
                engine.setUseClientMode(true);
                Connection c = new Connection(i, ch, engine);
                connections.add(c);
                c.handshake();
                ch.configureBlocking(false);
                c.key = ch.register(selector, 0, c);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs the loop for {@code duration}, as {@link EchoClient#run}. */
    EchoClient.Result run(Duration duration, Duration stallLimit) throws IOException {
        Histogram latencies = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        long roundTrips = 0;
        long start = System.nanoTime(), deadline = start + duration.toNanos(), lastProgress = start;
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
                throw new IOException("no TLS echo came back for " + stallLimit + " (" + roundTrips + " round trips so far)");
            }
        }
        long nanos = System.nanoTime() - start;
        drain(stallLimit);
        return new EchoClient.Result(roundTrips, nanos, latencies);
    }

    /** Waits for the replies still in flight (checked, not counted), so the next run starts clean. */
    private void drain(Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        int inFlight = 0;
        for (Connection c : connections) if (c.inFlight) inFlight++;
        while (inFlight > 0) {
            if (System.nanoTime() > deadline) throw new IOException(inFlight + " TLS echoes did not come back within " + limit);
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
        final SSLEngine engine;
        SelectionKey key;
        final ByteBuffer netOut, netIn, plainIn;
        final byte[] sent = new byte[messageSize];
        final byte[] received = new byte[messageSize];
        int receivedBytes;
        long sequence;
        long sentAt;
        boolean inFlight;

        Connection(int id, SocketChannel channel, SSLEngine engine) {
            this.id = id;
            this.channel = channel;
            this.engine = engine;
            this.netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            this.netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            this.plainIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        }

        /** The handshake, on the still blocking channel; delegated tasks run right here. */
        void handshake() throws IOException {
            engine.beginHandshake();
            while (true) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                switch (hs) {
                    case NEED_TASK -> {
                        for (Runnable t; (t = engine.getDelegatedTask()) != null; ) t.run();
                    }
                    case NEED_WRAP -> {
                        netOut.clear();
                        engine.wrap(EMPTY, netOut);
                        netOut.flip();
                        while (netOut.hasRemaining()) channel.write(netOut);
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        netIn.flip();
                        SSLEngineResult r = engine.unwrap(netIn, plainIn);
                        netIn.compact();
                        if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && channel.read(netIn) < 0) {
                            throw new IOException("connection " + id + " closed during the handshake");
                        }
                    }
                    default -> {
                        plainIn.clear();
                        return; // NOT_HANDSHAKING (or FINISHED): done
                    }
                }
            }
        }

        void send(long now) throws IOException {
            ByteBuffer.wrap(sent).putLong(id).putLong(++sequence);
            Arrays.fill(sent, 16, sent.length, (byte) (id + sequence));
            netOut.clear();
            SSLEngineResult r = engine.wrap(ByteBuffer.wrap(sent), netOut);
            if (r.getStatus() != SSLEngineResult.Status.OK) throw new SSLException("connection " + id + ": wrap " + r.getStatus());
            netOut.flip();
            sentAt = now;
            inFlight = true;
            receivedBytes = 0;
            flush();
            key.interestOps(netOut.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        void flush() throws IOException {
            channel.write(netOut);
            if (!netOut.hasRemaining() && key.isValid()) key.interestOps(SelectionKey.OP_READ);
        }

        /** Reads and decrypts what has come; true once the whole reply is in and checked. */
        boolean receive() throws IOException {
            if (channel.read(netIn) < 0) throw new IOException("the server closed connection " + id);
            netIn.flip();
            try {
                while (netIn.hasRemaining()) {
                    SSLEngineResult r = engine.unwrap(netIn, plainIn);
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) break;
                    if (r.getStatus() != SSLEngineResult.Status.OK) throw new SSLException("connection " + id + ": unwrap " + r.getStatus());
                    if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                        for (Runnable t; (t = engine.getDelegatedTask()) != null; ) t.run(); // a session ticket, say
                    }
                    if (r.bytesProduced() == 0 && r.bytesConsumed() == 0) break;
                }
            } finally {
                netIn.compact();
            }
            plainIn.flip();
            int n = plainIn.remaining();
            if (!inFlight && n > 0) throw new IOException("connection " + id + " got bytes it did not send");
            if (receivedBytes + n > messageSize) throw new IOException("connection " + id + " got more bytes than it sent");
            plainIn.get(received, receivedBytes, n);
            plainIn.clear();
            receivedBytes += n;
            if (receivedBytes < messageSize) return false;
            if (!Arrays.equals(sent, received)) {
                throw new IOException("connection " + id + ", message " + sequence + ": the reply differs from what was sent");
            }
            inFlight = false;
            return true;
        }
    }
}
