// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The leak check for output memory: the chunks an engine's pool handed out and did not get back
 * ({@code ChunkPool.outstanding()}), read on its loop thread. Once a test's streams are closed
 * the count must be where it was before they opened, whatever ended them.
 */
public final class ChunksOutstanding {
    private ChunksOutstanding() {}

    /** Chunks outstanding on the loop now. */
    public static int now(LoopThread loop) throws Exception {
        return loop.call(() -> loop.engine.chunks.outstanding());
    }

    /**
     * Waits until only {@code channels} channels are open on the loop (its listeners, say: the
     * test's streams have closed), then asserts that the chunks outstanding are back to {@code before}.
     */
    public static void assertBackTo(LoopThread loop, int before, long channels, String what) throws Exception {
        long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
        long open;
        while ((open = nextTurnOpen(loop)) != channels) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for the streams of " + what + " to close: "
                        + open + " channels open, expected " + channels);
            }
        }
        assertEquals(before, now(loop), "output chunks taken and not given back after " + what);
    }

    /** The channels open, read on the loop a few milliseconds on (a timer, not a busy loop). */
    private static long nextTurnOpen(LoopThread loop) throws Exception {
        CompletableFuture<Long> open = new CompletableFuture<>();
        loop.run(() -> loop.engine.defer(Duration.ofMillis(5), () -> open.complete(loop.engine.stats().channelsOpen())));
        return Await.get(open, "a timer on the loop");
    }
}
