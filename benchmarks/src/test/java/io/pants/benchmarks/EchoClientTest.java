// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.Engine;
import io.pants.Pollers;
import io.pants.Server;
import io.pants.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load client itself, against a Pants echo server in this process on every backend: it
 * counts round trips that really happened and refuses replies that differ from what it sent.
 */
class EchoClientTest {
    private static final Duration RUN = Duration.ofMillis(300);
    private static final Duration STALL = Duration.ofSeconds(20);

    static List<String> backends() { return Pollers.available(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void countsCheckedRoundTrips(String backend) throws Exception {
        Counting.seen = 0;
        try (LoopProcess server = new LoopProcess(backend, Counting::new);
             EchoClient client = new EchoClient(server.port, 4, 64)) {
            EchoClient.Result first = client.run(RUN, STALL);
            EchoClient.Result second = client.run(RUN, STALL); // a second run starts clean after the first
            for (EchoClient.Result r : List.of(first, second)) {
                assertTrue(r.roundTrips() > 0, "no round trip in " + RUN + " on " + backend);
                assertEquals(r.roundTrips(), r.latencies().getTotalCount(), "one latency per round trip");
                assertTrue(r.latencies().getValueAtPercentile(50) > 0 && r.latencies().getValueAtPercentile(50) <= r.latencies().getValueAtPercentile(99),
                        "p50 " + r.latencies().getValueAtPercentile(50) + " ns, p99 " + r.latencies().getValueAtPercentile(99) + " ns");
            }
            server.stop();
            // every message the client counted (plus those drained at each run's end) went through the server
            long counted = first.roundTrips() + second.roundTrips();
            assertTrue(Counting.seen >= counted * 64 && Counting.seen <= (counted + 2 * 4) * 64,
                    "the server echoed " + Counting.seen + " bytes for " + counted + " counted round trips");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void countsWebSocketRoundTripsOnThePantsServer(String backend) throws Exception {
        try (LoopProcess server = new LoopProcess(backend, Workload.Protocol.WS_ECHO);
             EchoClient client = new EchoClient(server.port, 4, 64, new WebSocketFraming())) {
            EchoClient.Result r = client.run(RUN, STALL);
            assertTrue(r.roundTrips() > 0, "no WebSocket round trip in " + RUN + " on " + backend);
            assertEquals(r.roundTrips(), r.latencies().getTotalCount());
        }
    }

    @Test
    void webSocketFramesAreMaskedOutAndPlainBack() {
        WebSocketFraming ws = new WebSocketFraming();
        byte[] message = new byte[64];
        for (int i = 0; i < message.length; i++) message[i] = (byte) i;
        byte[] out = ws.wire(message), back = ws.reply(message);
        assertEquals(6 + 64, out.length);
        assertEquals((byte) 0x82, out[0]);
        assertEquals((byte) (0x80 | 64), out[1], "masked, 64 bytes");
        for (int i = 0; i < 64; i++) assertEquals(message[i], (byte) (out[6 + i] ^ out[2 + (i & 3)]));
        assertEquals(2 + 64, back.length);
        assertEquals(64, back[1], "unmasked");
        assertThrows(IllegalArgumentException.class, () -> ws.wire(new byte[126]));
    }

    @Test
    void refusesARepliesThatDiffer() throws Exception {
        try (LoopProcess server = new LoopProcess("nio", Corrupting::new);
             EchoClient client = new EchoClient(server.port, 2, 64)) {
            IOException e = assertThrows(IOException.class, () -> client.run(Duration.ofSeconds(20), STALL));
            assertTrue(e.getMessage().contains("differs"), e.getMessage());
        }
    }

    /** Echoes, counting bytes (read on the test thread after the loop stopped). */
    static final class Counting extends Stream {
        static long seen;
        @Override protected void onRead(byte[] data) {
            seen += data.length;
            write(data);
        }
    }

    /** Echoes, but flips one byte once a few hundred bytes have gone through. */
    static final class Corrupting extends Stream {
        private int total;
        @Override protected void onRead(byte[] data) {
            if (total < 300 && total + data.length >= 300) data[300 - total - 1] ^= 1;
            total += data.length;
            write(data);
        }
    }

    /** An engine with one server on a thread of its own. */
    static final class LoopProcess implements AutoCloseable {
        final Engine engine;
        final Server server;
        final int port;
        final Thread thread;

        /** How the server is made on the engine. */
        interface Listen {
            Server on(Engine engine) throws Exception;
        }

        LoopProcess(String backend, Supplier<? extends Stream> streams) throws Exception {
            this(Engine.builder().poller(backend).build(), e -> new Server(e, streams).listen("127.0.0.1", 0));
        }

        /** The benchmark's own Pants server for {@code protocol}. */
        LoopProcess(String backend, Workload.Protocol protocol) throws Exception {
            this(Engine.builder().poller(backend).build(), e -> PantsServers.listen(e, protocol, 0));
        }

        private LoopProcess(Engine engine, Listen listen) throws Exception {
            this.engine = engine;
            server = listen.on(engine);
            port = server.port();
            thread = new Thread(engine::start, "echo loop");
            thread.start();
        }

        void stop() throws InterruptedException {
            engine.stop();
            thread.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(thread.isAlive(), "the loop did not stop within 20 s");
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            server.close();
            engine.close();
        }
    }
}
