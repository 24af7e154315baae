// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.util.ArrayDeque;

/**
 * Recycles output {@link Chunk}s so that steady-state writing allocates no native memory.
 * One pool per engine, used from its loop thread only, so it needs no locking.
 *
 * <p>Two sizes: a queue's first chunk is small when the write that needs it is small (a
 * 64-byte echo or a short HTTP response must not pin 16 KiB while it waits for the end of the
 * turn), later chunks are large. A busy engine has a chunk out for every stream written in
 * the turn, so the pool keeps as many chunks as the load needs; {@link #trim} hands back
 * those that nobody took since the previous trim, so a burst's memory is returned once the
 * burst is over. {@code maxPooledBytes} bounds what the pool keeps in any case; beyond it,
 * chunks are left to the garbage collector.
 *
 * <p>{@link #outstanding()} counts the chunks taken and not given back: with no stream writing,
 * it is back to where it was, so a test (or a diagnostic) can tell that no path of closing or
 * failing loses chunks. A chunk lost that way is no leak of memory (the garbage collector frees
 * it), but memory the pool must allocate again instead of reusing, and a sign of a path that
 * drops queued output without clearing its queue.
 */
public final class ChunkPool {
    private final int chunkSize;
    private final int smallChunkSize;
    private final long maxPooledBytes;
    private final SizeClass small = new SizeClass();
    private final SizeClass large = new SizeClass();
    private long pooledBytes;
    /** Taken and not given back; a plain int: one loop thread takes and gives. */
    private int outstanding;

    /** Free chunks of one size, and the fewest there were since the last trim. */
    private static final class SizeClass {
        final ArrayDeque<Chunk> free = new ArrayDeque<>();
        int lowWater;
    }

    public ChunkPool(int chunkSize, int smallChunkSize, long maxPooledBytes) {
        if (chunkSize < 256) throw new IllegalArgumentException("chunkSize must be at least 256, got " + chunkSize);
        if (smallChunkSize < 64 || smallChunkSize > chunkSize) {
            throw new IllegalArgumentException("smallChunkSize must be between 64 and chunkSize (" + chunkSize + "), got " + smallChunkSize);
        }
        if (maxPooledBytes < 0) throw new IllegalArgumentException("maxPooledBytes must not be negative, got " + maxPooledBytes);
        this.chunkSize = chunkSize;
        this.smallChunkSize = smallChunkSize;
        this.maxPooledBytes = maxPooledBytes;
    }

    public int chunkSize() { return chunkSize; }

    public int smallChunkSize() { return smallChunkSize; }

    /** A chunk of {@link #chunkSize} bytes. */
    public Chunk take() { return take(large, chunkSize); }

    /** A chunk of {@link #smallChunkSize} bytes. */
    public Chunk takeSmall() { return take(small, smallChunkSize); }

    private Chunk take(SizeClass sizeClass, int size) {
        outstanding++;
        Chunk c = sizeClass.free.pollLast();
        if (c == null) return new Chunk(size);
        pooledBytes -= size;
        if (sizeClass.free.size() < sizeClass.lowWater) sizeClass.lowWater = sizeClass.free.size();
        return c;
    }

    /** Takes back a chunk {@link #take}n from this pool (kept, or left to the garbage collector when the pool is full). */
    public void give(Chunk c) {
        outstanding--;
        c.readIndex = 0;
        c.writeIndex = 0;
        int size = c.buffer.capacity();
        if (pooledBytes + size > maxPooledBytes) return;
        (size == chunkSize ? large : small).free.addLast(c);
        pooledBytes += size;
    }

    /**
     * Releases the chunks that stayed in the pool since the previous call: the load did not
     * need them. An engine calls this about once a second.
     */
    public void trim() {
        trim(small, smallChunkSize);
        trim(large, chunkSize);
    }

    private void trim(SizeClass sizeClass, int size) {
        for (int i = sizeClass.lowWater; i > 0; i--) {
            sizeClass.free.pollFirst(); // the least recently used; the garbage collector frees its memory
            pooledBytes -= size;
        }
        sizeClass.lowWater = sizeClass.free.size();
    }

    /** Chunks currently pooled, both sizes, for tests and diagnostics. */
    public int pooled() { return small.free.size() + large.free.size(); }

    /**
     * Chunks taken ({@link #take}, {@link #takeSmall}) and not yet {@link #give}n back: those
     * holding queued output. Negative if a chunk was given back twice.
     */
    public int outstanding() { return outstanding; }

    /** Native memory held by pooled chunks. */
    public long pooledBytes() { return pooledBytes; }
}
