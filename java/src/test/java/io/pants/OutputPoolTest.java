// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's pool of output memory grows with a burst and is handed back after it, also by an
 * engine that has nothing else to do: its wait is cut short for the trims. On a {@link FakeClock},
 * so that "a second later" is the test's to say.
 */
@ExtendWith(NoDescriptorLeaks.class)
class OutputPoolTest {
    private static final int STREAMS = 20;
    private static final long START = 1_000_000_000_000L;

    /** Greets every client with 64 bytes: one small output chunk per stream, all in one turn or few. */
    static class Greeter extends Stream {
        @Override
        protected void onConnect() { write(new byte[64]); }
    }

    @BackendTest
    void anIdleEngineHandsBackTheMemoryOfABurst(String backend) throws Exception {
        FakeClock clock = new FakeClock(START);
        List<Socket> clients = new ArrayList<>();
        try (Engine engine = Engine.builder().poller(backend).clock(clock).build()) {
            Server server = new Server(engine, Greeter::new).listen("127.0.0.1", 0);
            for (int i = 0; i < STREAMS; i++) clients.add(new Socket("127.0.0.1", server.port()));
            long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
            while (server.connections().size() < STREAMS || engine.chunks.pooledBytes() < STREAMS * 64L) {
                assertTrue(System.nanoTime() < deadline, "the greetings were not all sent: " + server.connections().size()
                        + " connections, " + engine.chunks.pooledBytes() + " bytes pooled");
                engine.poll(Duration.ofMillis(10));
            }
            for (Socket c : clients) {
                c.setSoTimeout((int) LoopThread.WAIT.toMillis());
                assertEquals(64, c.getInputStream().readNBytes(64).length, "a greeting");
            }
            long pooled = engine.chunks.pooledBytes();

            // nothing more happens; no timers: without the pool the engine would sleep for as long as it is let
            clock.advance(Duration.ofSeconds(2));
            assertTimeoutPreemptively(LoopThread.WAIT, () -> engine.poll(Duration.ofDays(1)),
                    "the first trim after the burst did not wake the engine");
            assertEquals(pooled, engine.chunks.pooledBytes(), "the first trim only notes what the next second leaves untaken");
            clock.advance(Duration.ofSeconds(2));
            assertTimeoutPreemptively(LoopThread.WAIT, () -> engine.poll(Duration.ofDays(1)),
                    "the second trim did not wake the engine");
            assertEquals(0, engine.chunks.pooledBytes(), "the pool kept memory that nobody took for a second");
        } finally {
            for (Socket c : clients) c.close();
        }
    }

    @Test
    void theBuilderRefusesSizesThePoolCannotUse() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> Engine.builder().outputChunkSize(100));
        assertTrue(small.getMessage().contains("at least 256"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Engine.builder().smallOutputChunkSize(10));
        assertThrows(IllegalArgumentException.class, () -> Engine.builder().pooledOutputBytes(-1));
        // a small size above the chunk size is capped to it, not refused: the two are set independently
        try (Engine e = Engine.builder().poller("nio").outputChunkSize(512).smallOutputChunkSize(4096).build()) {
            assertEquals(512, e.chunks.smallChunkSize());
        }
    }
}
