// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A stream's queued output: bytes copied into pooled {@link Chunk}s, and {@link FileRegion}s,
 * in the order they were written. Backends take from the head ({@link #gather},
 * {@link #headFile}) and report progress ({@link #consume}, {@link #consumeFile}).
 */
public final class OutboundQueue {
    private final ChunkPool pool;
    private final ArrayDeque<Object> items = new ArrayDeque<>(4);
    private long bytes;
    private long sent;

    public OutboundQueue(ChunkPool pool) {
        this.pool = pool;
    }

    /** Bytes queued, files included. */
    public long bytes() { return bytes; }

    public boolean isEmpty() { return items.isEmpty(); }

    /** Bytes taken from the queue (written) since it was made: whether a flush made progress. */
    public long sent() { return sent; }

    /** Copies {@code len} bytes of {@code src} into the queue. */
    public void add(byte[] src, int off, int len) {
        bytes += len;
        while (len > 0) {
            Chunk c = writableTail(len);
            int n = Math.min(len, c.buffer.capacity() - c.writeIndex);
            c.buffer.put(c.writeIndex, src, off, n);
            c.writeIndex += n;
            off += n;
            len -= n;
        }
    }

    /** Copies the remaining bytes of {@code src} into the queue, advancing its position. */
    public void add(ByteBuffer src) {
        int len = src.remaining();
        bytes += len;
        while (len > 0) {
            Chunk c = writableTail(len);
            int n = Math.min(len, c.buffer.capacity() - c.writeIndex);
            c.buffer.put(c.writeIndex, src, src.position(), n);
            src.position(src.position() + n);
            c.writeIndex += n;
            len -= n;
        }
    }

    public void add(FileRegion region) {
        bytes += region.remaining();
        items.addLast(region);
    }

    /** The chunk to copy into: the tail if it has room, else a new one for {@code wanted} more bytes. */
    private Chunk writableTail(int wanted) {
        Object last = items.peekLast();
        Chunk c = last instanceof Chunk t && t.writeIndex < t.buffer.capacity() ? t : null;
        if (c == null) {
            // a small write to an idle stream gets a small chunk; a stream that writes more
            // than that in a turn gets large ones, so that its writev needs few of them
            c = items.isEmpty() && wanted <= pool.smallChunkSize() ? pool.takeSmall() : pool.take();
            items.addLast(c);
        }
        // absolute puts are checked against the limit, which a backend may have narrowed
        c.buffer.clear();
        return c;
    }

    /** The file region at the head of the queue, or null if the head is bytes (or nothing). */
    public FileRegion headFile() {
        return items.peekFirst() instanceof FileRegion r ? r : null;
    }

    /**
     * Puts up to {@code max} chunks from the head into {@code into}, stopping at the first file
     * region; returns how many. The chunks stay queued until {@link #consume}d.
     */
    public int gather(Chunk[] into, int max) {
        int n = 0;
        for (Object o : items) {
            if (n == max || !(o instanceof Chunk c)) break;
            into[n++] = c;
        }
        return n;
    }

    /** Removes {@code n} written bytes from the chunks at the head. */
    public void consume(long n) {
        bytes -= n;
        sent += n;
        while (n > 0) {
            Chunk c = (Chunk) items.peekFirst();
            int take = (int) Math.min(n, c.readable());
            c.readIndex += take;
            n -= take;
            if (c.readIndex == c.writeIndex) {
                items.pollFirst();
                pool.give(c);
            }
        }
    }

    /** Records {@code n} bytes sent from the head file region, dropping it when done. */
    public void consumeFile(long n) {
        FileRegion r = (FileRegion) items.peekFirst();
        r.advance(n);
        bytes -= n;
        sent += n;
        if (r.remaining() == 0) {
            items.pollFirst();
            r.close();
        }
    }

    /** Drops everything queued, returning chunks to the pool and closing file regions. */
    public void clear() {
        Object o;
        while ((o = items.pollFirst()) != null) {
            if (o instanceof Chunk c) pool.give(c);
            else ((FileRegion) o).close();
        }
        bytes = 0;
    }
}
