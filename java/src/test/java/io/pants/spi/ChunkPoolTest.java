// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The output chunk pool: two sizes, reuse, the byte cap and trimming of what the load left unused. */
class ChunkPoolTest {
    private final ChunkPool pool = new ChunkPool(16 * 1024, 1024, 64L * 1024 * 1024);

    @Test
    void takesChunksOfEitherSizeAndReusesThem() {
        Chunk large = pool.take();
        Chunk small = pool.takeSmall();
        assertEquals(16 * 1024, large.buffer().capacity());
        assertEquals(1024, small.buffer().capacity());
        large.writeIndex = 10;
        large.readIndex = 3;
        pool.give(large);
        pool.give(small);
        assertEquals(2, pool.pooled());
        assertEquals(17 * 1024, pool.pooledBytes());
        Chunk again = pool.take();
        assertSame(large, again, "a returned large chunk is handed out again");
        assertEquals(0, again.readable(), "a reused chunk starts empty");
        assertSame(small, pool.takeSmall(), "a returned small chunk is handed out again");
        assertEquals(0, pool.pooledBytes());
    }

    @Test
    void keepsEveryChunkABusyTurnNeeded() {
        // a turn that writes to 1000 streams has 1000 chunks out at once; all come back for the next turn
        List<Chunk> out = new ArrayList<>();
        for (int i = 0; i < 1000; i++) out.add(pool.takeSmall());
        out.forEach(pool::give);
        assertEquals(1000, pool.pooled());
        List<Chunk> next = new ArrayList<>();
        for (int i = 0; i < 1000; i++) next.add(pool.takeSmall());
        assertEquals(0, pool.pooled(), "the second turn allocated nothing new");
        assertEquals(new java.util.HashSet<>(out), new java.util.HashSet<>(next));
    }

    @Test
    void trimReleasesOnlyWhatWasNotNeededSinceTheLastTrim() {
        List<Chunk> burst = new ArrayList<>();
        for (int i = 0; i < 100; i++) burst.add(pool.take());
        burst.forEach(pool::give);
        pool.trim(); // starts the first period: nothing was measured yet, nothing goes
        assertEquals(100, pool.pooled());

        // the load now needs 30 at a time
        for (int turn = 0; turn < 5; turn++) {
            List<Chunk> out = new ArrayList<>();
            for (int i = 0; i < 30; i++) out.add(pool.take());
            out.forEach(pool::give);
        }
        pool.trim();
        assertEquals(30, pool.pooled(), "the 70 chunks the last period never took are released");
        assertEquals(30L * 16 * 1024, pool.pooledBytes());

        pool.trim(); // an idle period: everything goes
        assertEquals(0, pool.pooled());
        assertEquals(0, pool.pooledBytes());
    }

    @Test
    void keepsNoMoreThanTheByteCap() {
        ChunkPool capped = new ChunkPool(1024, 256, 2048);
        Chunk a = capped.take(), b = capped.take(), c = capped.takeSmall();
        capped.give(a);
        capped.give(b);
        capped.give(c);
        assertEquals(2048, capped.pooledBytes(), "the third chunk would pass the cap and is dropped");
        assertEquals(2, capped.pooled());
        assertNotSame(c, capped.takeSmall());
    }

    @Test
    void rejectsSizesItCannotWorkWith() {
        assertThrows(IllegalArgumentException.class, () -> new ChunkPool(100, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChunkPool(1024, 2048, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChunkPool(1024, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChunkPool(1024, 256, -1));
    }
}
