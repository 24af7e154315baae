// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.DatagramConstants;
import io.pants.posix.GatherTable;
import io.pants.posix.Iovec;
import io.pants.posix.TurnMemory;
import io.pants.spi.Chunk;
import io.pants.spi.OutboundQueue;

import java.nio.ByteBuffer;

/**
 * Where the sendmsg operations of a turn keep their {@code struct msghdr} and iovecs, pointing
 * into the streams' queued chunks: native memory allocated once and reused every turn. The
 * kernel copies a msghdr and its iovecs when the operation is submitted
 * (IORING_FEAT_SUBMIT_STABLE), so a turn's records may be overwritten once the turn submitted
 * them; the bytes they point to stay queued until the send completes. Loop thread only.
 */
final class MessageArena implements AutoCloseable {
    /** Chunks per send, at most: the rest goes with the send that follows its completion. */
    static final int IOV_PER_SEND = 64;
    private static final int SIZE = 256 * 1024;

    private final DatagramConstants layout;
    private final Iovec iov;
    private final int msghdrSize;
    private final Memory memory = new Memory(SIZE);
    private final long base = Pointer.nativeValue(memory);
    private final ByteBuffer view = TurnMemory.view(memory);
    private final Chunk[] gathered = new Chunk[IOV_PER_SEND];
    private int used, gatheredCount;

    MessageArena(DatagramConstants layout, Iovec iov) {
        this.layout = layout;
        this.iov = iov;
        // struct mmsghdr is a msghdr followed by msg_len
        this.msghdrSize = layout.mmsgLenOffset - layout.mmsgHdrOffset;
    }

    /** Whether a send of the most chunks may not fit: submit the turn's operations and {@link #reset} first. */
    boolean isFull() { return used + msghdrSize + IOV_PER_SEND * iov.size + 8 > SIZE; }

    /**
     * Gathers the chunks at the head of {@code q} (up to {@link #IOV_PER_SEND}, stopping at a
     * file region) for the send that follows: their count, 0 when there is nothing to send.
     * One chunk goes as a plain send ({@link #firstAddress}, {@link #firstLength}), which
     * spares the kernel importing a msghdr and an iovec; more as a sendmsg ({@link #message}).
     */
    int gather(OutboundQueue q) {
        gatheredCount = q.gather(gathered, IOV_PER_SEND);
        return gatheredCount;
    }

    /** The first gathered chunk's readable bytes: their address. */
    long firstAddress() { return GatherTable.chunkAddress(gathered[0]) + gathered[0].readIndex(); }

    /** The first gathered chunk's readable bytes: how many. */
    int firstLength() { return gathered[0].readable(); }

    /** A msghdr for the chunks {@link #gather} gathered: its address, valid until {@link #reset}. */
    long message() {
        int n = gatheredCount;
        used = (used + 7) & ~7;
        int hdr = used;
        int iovs = hdr + msghdrSize;
        for (int i = 0; i < msghdrSize; i += 4) view.putInt(hdr + i, 0);
        for (int j = 0; j < n; j++) {
            Chunk c = gathered[j];
            int at = iovs + j * iov.size;
            view.putLong(at + iov.baseOffset, GatherTable.chunkAddress(c) + c.readIndex());
            view.putLong(at + iov.lenOffset, c.readable());
        }
        view.putLong(hdr + layout.iovOffset, base + iovs);
        if (layout.iovLenSize == 8) view.putLong(hdr + layout.iovLenOffset, n);
        else view.putInt(hdr + layout.iovLenOffset, n);
        used = iovs + n * iov.size;
        return base + hdr;
    }

    /** Drops the references {@link #gather} took, so that the chunks may be recycled. */
    void release() {
        for (int j = 0; j < gatheredCount; j++) gathered[j] = null;
        gatheredCount = 0;
    }

    /** After a turn submitted its operations: the records may be written over. */
    void reset() { used = 0; }

    @Override
    public void close() { memory.close(); }
}
