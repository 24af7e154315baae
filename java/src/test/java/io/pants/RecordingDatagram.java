// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A datagram socket for tests: what it receives, its errors, its drains and its close go to
 * queues and futures that the test thread waits on, each wait bounded by {@link LoopThread#WAIT}.
 */
public class RecordingDatagram extends Datagram {
    /** One onRead: the piece and who sent it. */
    public record Received(byte[] data, SocketAddress sender) {
        public String text() { return new String(data, StandardCharsets.UTF_8); }
    }

    public final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    public final BlockingQueue<IOException> errors = new LinkedBlockingQueue<>();
    public final BlockingQueue<Boolean> drains = new LinkedBlockingQueue<>();
    public final CompletableFuture<Void> closed = new CompletableFuture<>();
    public final AtomicInteger closes = new AtomicInteger();

    public RecordingDatagram(Engine engine) {
        super(engine);
    }

    @Override
    protected void onRead(byte[] data, SocketAddress sender) { received.add(new Received(data, sender)); }

    @Override
    protected void onError(IOException cause) { errors.add(cause); }

    @Override
    protected void onDrain() { drains.add(true); }

    @Override
    protected void onClose() {
        closes.incrementAndGet();
        closed.complete(null);
    }

    /** The next piece received; fails the test if none comes in time. */
    public Received next(String expecting) throws InterruptedException {
        Received r = received.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) fail(this + " received nothing within " + LoopThread.WAIT + " (expecting " + expecting + "); errors: " + errors);
        return r;
    }

    /** The next error reported; fails the test if none comes in time. */
    public IOException nextError(String expecting) throws InterruptedException {
        IOException e = errors.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) fail(this + " reported no error within " + LoopThread.WAIT + " (expecting " + expecting + ")");
        return e;
    }

    /** Waits for onDrain; fails the test if it doesn't come in time. */
    public void awaitDrain(String why) throws InterruptedException {
        if (drains.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS) == null) {
            fail(this + ": no onDrain within " + LoopThread.WAIT + " (" + why + ")");
        }
    }

    /** Waits for onClose; fails the test if it doesn't come in time. */
    public void awaitClose(String why) throws Exception {
        try {
            closed.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            fail(this + ": no onClose within " + LoopThread.WAIT + " (" + why + ")");
        }
    }
}
