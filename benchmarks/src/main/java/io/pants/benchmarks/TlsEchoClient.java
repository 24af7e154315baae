// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import org.HdrHistogram.Histogram;

import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The closed-loop echo load over TLS: as {@link EchoClient} (each connection sends a numbered
 * message, waits for all of it, checks it, records the round trip), but on the JDK's
 * {@link SSLSocket}, a thread per connection. Connections handshake once, when opened; the
 * measured runs reuse them. The threads cost the load generator more than one selector would,
 * equally for every server under test.
 */
final class TlsEchoClient implements AutoCloseable {
    private final int messageSize;
    private final List<SSLSocket> sockets = new ArrayList<>();
    private final ExecutorService threads;

    TlsEchoClient(int port, int count, int messageSize) throws IOException, GeneralSecurityException {
        if (messageSize < 16) throw new IllegalArgumentException("messages carry 16 bytes of numbering");
        this.messageSize = messageSize;
        this.threads = Executors.newFixedThreadPool(count, r -> {
            Thread t = new Thread(r, "tls-echo-client");
            t.setDaemon(true);
            return t;
        });
        try {
            var factory = BenchmarkCertificate.trustingClient().getSocketFactory();
            for (int i = 0; i < count; i++) {
                SSLSocket s = (SSLSocket) factory.createSocket("127.0.0.1", port);
                s.setTcpNoDelay(true);
                s.startHandshake();
                sockets.add(s);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs every connection's loop for {@code duration}; a read waits at most {@code stallLimit}. */
    EchoClient.Result run(Duration duration, Duration stallLimit) throws IOException, InterruptedException {
        long start = System.nanoTime(), deadline = start + duration.toNanos();
        List<Future<Histogram>> running = new ArrayList<>();
        for (int i = 0; i < sockets.size(); i++) {
            int id = i;
            running.add(threads.submit(() -> loop(id, sockets.get(id), deadline, stallLimit)));
        }
        Histogram all = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        for (Future<Histogram> f : running) {
            try {
                all.add(f.get(duration.plus(stallLimit).plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS));
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("a TLS echo connection did not finish its run", e);
            }
        }
        return new EchoClient.Result(all.getTotalCount(), System.nanoTime() - start, all);
    }

    private Histogram loop(int id, SSLSocket socket, long deadline, Duration stallLimit) throws IOException {
        Histogram latencies = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        socket.setSoTimeout((int) stallLimit.toMillis());
        OutputStream out = socket.getOutputStream();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] sent = new byte[messageSize], received = new byte[messageSize];
        long sequence = 0;
        for (long now = System.nanoTime(); now < deadline; ) {
            ByteBuffer.wrap(sent).putLong(id).putLong(++sequence);
            Arrays.fill(sent, 16, sent.length, (byte) (id + sequence));
            out.write(sent);
            out.flush();
            in.readFully(received);
            if (!Arrays.equals(sent, received)) {
                throw new IOException("connection " + id + ", message " + sequence + ": the reply differs from what was sent");
            }
            long back = System.nanoTime();
            latencies.recordValue(Math.min(back - now, latencies.getHighestTrackableValue()));
            now = back;
        }
        return latencies;
    }

    @Override
    public void close() throws IOException {
        for (SSLSocket s : sockets) s.close();
        threads.shutdownNow();
    }
}
