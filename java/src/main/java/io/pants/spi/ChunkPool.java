package io.pants.spi;

import java.util.ArrayDeque;

/**
 * Recycles output {@link Chunk}s so that steady-state writing allocates no native memory.
 * One pool per engine, used from its loop thread only, so it needs no locking. Chunks beyond
 * {@code maxPooled} are left to the garbage collector.
 */
public final class ChunkPool {
    private final int chunkSize;
    private final int maxPooled;
    private final ArrayDeque<Chunk> free = new ArrayDeque<>();

    public ChunkPool(int chunkSize, int maxPooled) {
        if (chunkSize < 256) throw new IllegalArgumentException("chunkSize must be at least 256, got " + chunkSize);
        this.chunkSize = chunkSize;
        this.maxPooled = maxPooled;
    }

    public int chunkSize() { return chunkSize; }

    public Chunk take() {
        Chunk c = free.pollLast();
        return c != null ? c : new Chunk(chunkSize);
    }

    public void give(Chunk c) {
        c.readIndex = 0;
        c.writeIndex = 0;
        if (free.size() < maxPooled) free.addLast(c);
    }

    /** Chunks currently pooled, for tests and diagnostics. */
    public int pooled() { return free.size(); }
}
