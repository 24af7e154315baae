// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Queued output: which chunk sizes writes land in, gathering and consuming in order. */
class OutboundQueueTest {
    private final ChunkPool pool = new ChunkPool(4096, 256, 1 << 20);
    private final OutboundQueue queue = new OutboundQueue(pool);

    @Test
    void aSmallWriteToAnEmptyQueueGoesIntoASmallChunk() {
        queue.add(bytes(64, 1), 0, 64);
        Chunk[] gathered = new Chunk[8];
        assertEquals(1, queue.gather(gathered, 8));
        assertEquals(256, gathered[0].buffer().capacity());
        assertEquals(64, gathered[0].readable());
    }

    @Test
    void aLargeWriteAndWhatFollowsASmallChunkGoIntoLargeChunks() {
        queue.add(bytes(300, 1), 0, 300);
        Chunk[] gathered = new Chunk[8];
        assertEquals(1, queue.gather(gathered, 8));
        assertEquals(4096, gathered[0].buffer().capacity(), "300 bytes do not fit a small chunk");

        OutboundQueue other = new OutboundQueue(pool);
        other.add(bytes(200, 1), 0, 200);
        other.add(bytes(200, 2), 0, 200);
        assertEquals(2, other.gather(gathered, 8));
        assertEquals(256, gathered[0].buffer().capacity());
        assertEquals(256, gathered[0].readable(), "the small chunk is filled before another is taken");
        assertEquals(4096, gathered[1].buffer().capacity());
        assertEquals(144, gathered[1].readable());
    }

    @Test
    void bytesComeOutInOrderAcrossChunksAndChunksReturnToThePool() {
        byte[] first = bytes(100, 7), second = bytes(10_000, 9);
        queue.add(first, 0, first.length);
        queue.add(ByteBuffer.wrap(second));
        assertEquals(10_100, queue.bytes());

        ByteBuffer out = ByteBuffer.allocate(10_100);
        Chunk[] gathered = new Chunk[8];
        while (!queue.isEmpty()) {
            int k = queue.gather(gathered, 8);
            // consume part of what was gathered, as a short write does
            Chunk head = gathered[0];
            int n = Math.min(head.readable(), 1000);
            ByteBuffer b = head.readableBuffer();
            b.limit(b.position() + n);
            out.put(b);
            queue.consume(n);
            assertTrue(k >= 1);
        }
        byte[] expected = new byte[10_100];
        System.arraycopy(first, 0, expected, 0, 100);
        System.arraycopy(second, 0, expected, 100, 10_000);
        assertArrayEquals(expected, out.array());
        assertEquals(0, queue.bytes());
        assertEquals(4, pool.pooled(), "one small and three large chunks, all back in the pool");
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed * 31 + i);
        return b;
    }
}
