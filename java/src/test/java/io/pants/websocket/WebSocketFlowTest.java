// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backpressure through the connection's water marks, pausing, and the ping keep-alive. */
@ExtendWith(NoDescriptorLeaks.class)
class WebSocketFlowTest {
    /** Sends 64 KiB messages while the connection takes them; counts them; records onDrain. */
    static final class Flood extends Recorder {
        int sent;

        void flood() {
            byte[] chunk = new byte[64 * 1024];
            while (isWritable()) {
                send(chunk);
                sent++;
            }
        }

        @Override protected void onDrain() { events.add("drain"); }
    }

    @BackendTest
    void sendingStopsAtTheHighWaterMarkAndDrainSaysWhenToGoOn(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, Flood::new); RawWs c = RawWs.open(s.port, "/ws")) {
            Flood server = s.next();
            assertEquals("open", server.next("open"));
            long[] state = s.loop.call(() -> {
                server.flood();
                return new long[] {server.sent, server.isWritable() ? 1 : 0, server.queuedBytes()};
            });
            int sent = (int) state[0];
            assertEquals(0, state[1], "not writable once the flood stopped");
            assertTrue(state[2] > 64 * 1024, "more than the high water mark waits: " + state[2]);
            for (int i = 0; i < sent; i++) assertEquals(64 * 1024, c.read().payload().length);
            assertEquals("drain", server.next("onDrain once the client read it all"));
            assertTrue(s.loop.call(server::isWritable));
        }
    }

    @BackendTest
    void pausedReadingHoldsMessagesUntilResumed(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> {
            Recorder r = new Recorder() {
                @Override protected void onText(String text) {
                    super.onText(text);
                    pauseReading(); // one message at a time, until the test resumes
                }
            };
            return r;
        }); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            // both in one write: the second waits in the reader's buffer while paused
            byte[] one = RawWs.frame(true, 0, 1, Recorder.utf8("one"), true), two = RawWs.frame(true, 0, 1, Recorder.utf8("two"), true);
            byte[] both = java.util.Arrays.copyOf(one, one.length + two.length);
            System.arraycopy(two, 0, both, one.length, two.length);
            c.sendRaw(both);
            assertEquals("text:one", server.next("the first message"));
            // a round trip through the loop: had "two" been handed over, it would be queued by now
            s.loop.run(() -> { });
            assertTrue(server.events.isEmpty(), "nothing while paused: " + server.events);
            s.loop.run(server::resumeReading);
            assertEquals("text:two", server.next("the second message, after resuming"));
        }
    }

    @BackendTest
    void aQuietPeerIsPingedAndDroppedWhenItStopsAnswering(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder().pingInterval(Duration.ofMillis(100))); RawWs c = RawWs.open(s.port, "/ws")) {
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            RawWs.Frame ping = c.read();
            assertEquals(0x9, ping.opcode());
            c.send(0xA, ping.payload());
            assertEquals("pong:", server.next("the answer"));
            assertEquals(0x9, c.read().opcode(), "an answering peer stays, and is pinged again");
            // no answer this time
            c.assertEndOfStream();
            assertTrue(server.next("close").startsWith("close:1006:"), "dropped without a close handshake");
        }
    }
}
