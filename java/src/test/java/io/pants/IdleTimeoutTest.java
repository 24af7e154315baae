// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Stream#idleTimeout}: real loopback connections on an engine with a {@link FakeClock},
 * driven turn by turn on the test thread. The clock stands still while the test waits for I/O
 * and moves only by hand, so when a timeout fires is exact: not before its setting, and within
 * {@link Deadline#RESOLUTION_NANOS} after it.
 */
@ExtendWith(NoDescriptorLeaks.class)
class IdleTimeoutTest {
    private static final long START = 7_000_000_000L;
    private static final long RESOLUTION = Deadline.RESOLUTION_NANOS;
    private static final Duration ONE_SECOND = Duration.ofSeconds(1);

    private final FakeClock clock = new FakeClock(START);

    private Engine engine(String backend) {
        return Engine.builder().poller(backend).clock(clock).build();
    }

    private static long ms(long millis) { return millis * 1_000_000; }

    /** Moves the clock to {@code START + nanos} and runs a turn there. */
    private void turnAt(Engine e, long nanos) {
        clock.set(START, Duration.ofNanos(nanos));
        e.poll(Duration.ZERO);
    }

    /** Runs turns (the clock standing still) until {@code done}; fails after {@link LoopThread#WAIT}. */
    private static void turnUntil(Engine e, BooleanSupplier done, String what) {
        long end = System.nanoTime() + LoopThread.WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for " + what);
            e.poll(Duration.ofMillis(5));
        }
    }

    private static Socket client(Server server) throws IOException {
        Socket c = new Socket();
        c.connect(new InetSocketAddress("127.0.0.1", server.port()), (int) LoopThread.WAIT.toMillis());
        c.setSoTimeout((int) LoopThread.WAIT.toMillis());
        return c;
    }

    /** A server on loopback whose streams are Recorders with an idle timeout of a second. */
    private static Server idleServer(Engine e) {
        return new Server(e, Recorder::new).idleTimeout(ONE_SECOND).listen("127.0.0.1", 0);
    }

    private static Recorder accepted(Engine e, Server server) {
        turnUntil(e, () -> server.connections().size() == 1, "the server to accept the client");
        return (Recorder) server.connections().iterator().next();
    }

    @BackendTest
    void anIdleStreamIsClosedOnTime(String backend) throws Exception {
        try (Engine e = engine(backend)) {
            Server server = idleServer(e);
            try (Socket c = client(server)) {
                Recorder r = accepted(e, server);
                assertEquals(ONE_SECOND, r.idleTimeout(), "the server's setting");
                turnAt(e, ms(1000) - 1);
                assertTrue(r.isConnected(), "closed before its idle timeout");
                turnAt(e, ms(1000) + RESOLUTION);
                assertEquals(1, r.closes.get(), "closed within " + RESOLUTION + " ns of its idle timeout");
                assertEquals(-1, c.getInputStream().read(), "the client sees the close");
            }
        }
    }

    @BackendTest
    void readingAndWritingPushTheTimeoutBack(String backend) throws Exception {
        try (Engine e = engine(backend)) {
            Server server = idleServer(e);
            try (Socket c = client(server)) {
                Recorder r = accepted(e, server);
                clock.set(START, Duration.ofMillis(600));
                c.getOutputStream().write('x');
                turnUntil(e, () -> r.received.length == 1, "the byte the client sent");
                turnAt(e, ms(1000) + RESOLUTION);
                assertTrue(r.isConnected(), "a read at 600 ms moved the timeout to 1600 ms");

                clock.set(START, Duration.ofMillis(1500));
                r.write("y");
                e.poll(Duration.ZERO); // sends it
                assertEquals('y', c.getInputStream().read());
                turnAt(e, ms(1600) + RESOLUTION);
                assertTrue(r.isConnected(), "a write at 1500 ms moved the timeout to 2500 ms");
                turnAt(e, ms(2500) - 1);
                assertTrue(r.isConnected());
                turnAt(e, ms(2500) + RESOLUTION);
                assertEquals(1, r.closes.get(), "closed 1 s after the last write");
                assertEquals(-1, c.getInputStream().read());
            }
        }
    }

    /**
     * Output queued in the turn the timeout comes due in, before the deadlines run (by a timer
     * here), is activity, though it is sent only at the end of the turn: the peer gets the idle
     * timeout from then to take it.
     */
    @BackendTest
    void outputQueuedAsTheTimeoutComesDueCountsAsActivity(String backend) throws Exception {
        try (Engine e = engine(backend)) {
            Server server = idleServer(e);
            try (Socket c = client(server)) {
                Recorder r = accepted(e, server);
                e.defer(ONE_SECOND, () -> r.write("late"));
                turnAt(e, ms(1000) + RESOLUTION);
                assertTrue(r.isConnected(), "closed although it had just queued output");
                assertEquals("late", new String(c.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
                turnAt(e, ms(2000) + 2 * RESOLUTION);
                assertEquals(1, r.closes.get(), "closed 1 s after the write");
            }
        }
    }

    @BackendTest
    void offByDefaultAndAStreamMayTurnOffItsServersTimeout(String backend) throws Exception {
        try (Engine e = engine(backend)) {
            Server plain = new Server(e, Recorder::new).listen("127.0.0.1", 0);
            Server timing = new Server(e, () -> {
                Recorder r = new Recorder();
                r.idleTimeout(Duration.ZERO);
                return r;
            }).idleTimeout(ONE_SECOND).listen("127.0.0.1", 0);
            assertEquals(Duration.ZERO, plain.idleTimeout());
            try (Socket a = client(plain); Socket b = client(timing)) {
                Recorder ra = accepted(e, plain);
                Recorder rb = accepted(e, timing);
                assertEquals(Duration.ZERO, ra.idleTimeout());
                turnAt(e, ms(3_600_000));
                assertTrue(ra.isConnected(), "no idle timeout unless one is set");
                assertTrue(rb.isConnected(), "the stream's own setting (off) wins over its server's");
            }
            plain.close();
            timing.close();
            e.poll(Duration.ZERO);
        }
    }

    /** onTimeout may keep the stream: here a connecting client pings, and is called again one timeout later. */
    @BackendTest
    void onTimeoutCanKeepTheStreamOpen(String backend) throws Exception {
        int[] timeouts = {0};
        try (Engine e = engine(backend); ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            Recorder pinger = new Recorder(e) {
                @Override
                protected void onTimeout() {
                    timeouts[0]++;
                    write("ping\n");
                }
            };
            pinger.idleTimeout(ONE_SECOND).connect(listener.getLocalSocketAddress());
            try (Socket peer = listener.accept()) {
                peer.setSoTimeout((int) LoopThread.WAIT.toMillis());
                turnUntil(e, pinger::isConnected, "the connect");
                turnAt(e, ms(1000) - 1);
                assertEquals(0, timeouts[0]);
                turnAt(e, ms(1000) + RESOLUTION);
                assertEquals(1, timeouts[0]);
                byte[] ping = peer.getInputStream().readNBytes(5);
                assertEquals("ping\n", new String(ping, StandardCharsets.US_ASCII));
                turnAt(e, ms(2000) + 2 * RESOLUTION);
                assertEquals(2, timeouts[0], "one more timeout after the ping");
                assertTrue(pinger.isConnected());
            }
        }
    }

    /** A stream closing with output its peer takes nothing of is aborted after the idle timeout instead of waiting forever. */
    @BackendTest
    void aClosingStreamWhosePeerTakesNothingIsAborted(String backend) throws Exception {
        try (Engine e = engine(backend)) {
            Server server = idleServer(e);
            try (Socket c = client(server)) {
                c.setReceiveBufferSize(4096);
                Recorder r = accepted(e, server);
                r.write(new byte[32 << 20]); // more than loopback's buffers hold
                r.close();
                for (int i = 0; i < 20; i++) e.poll(Duration.ofMillis(5)); // fills the buffers; the rest waits
                assertTrue(r.isClosed() && r.closes.get() == 0, "still closing, with output queued");
                turnAt(e, ms(1000) + RESOLUTION);
                assertEquals(1, r.closes.get(), "aborted one idle timeout after its output stopped moving");
                assertEquals(0, r.queuedBytes(), "what was queued is dropped");
            }
        }
    }

    @BackendTest
    void aNegativeTimeoutIsRefused(String backend) {
        try (Engine e = engine(backend)) {
            Server server = new Server(e, Recorder::new);
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> server.idleTimeout(Duration.ofSeconds(-1)));
            assertTrue(x.getMessage().contains("ZERO"), x.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Recorder(e).idleTimeout(Duration.ofMillis(-1)));
            assertFalse(server.isListening());
        }
    }
}
