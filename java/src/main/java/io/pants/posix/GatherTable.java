// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.spi.Chunk;
import io.pants.spi.OutboundQueue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.pants.posix.ShimAbi.FLUSH_ENTRY_FD;
import static io.pants.posix.ShimAbi.FLUSH_ENTRY_IOVECS;
import static io.pants.posix.ShimAbi.FLUSH_ENTRY_RESULT;
import static io.pants.posix.ShimAbi.FLUSH_ENTRY_SIZE;

/**
 * The table a loop turn's gathering writes are described in, in native memory allocated once:
 * per socket an entry ({@code pants_flush_entry}: the descriptor or handle; first iovec and
 * count; the result, bytes written or -errno, 0 for would-block), and the iovecs (or WSABUFs)
 * pointing into the queues' chunks. The layout the shim's {@code pants_flush} and
 * {@code pants_ws_flush} take; a binding without a batched call reads it entry by entry. Filled
 * by {@link BatchWriter} for the POSIX backends and the iocp one, which differ in the call that runs it.
 */
public final class GatherTable implements AutoCloseable {
    private static final int MAX_ENTRIES = 256;
    /** Chunks written per socket and turn, at most: the rest waits for the next turn. */
    private static final int IOV_PER_SOCKET = 64;
    private static final int MAX_IOVECS = 1024;

    private final Iovec iov;
    private final Memory entries, iovecs;
    private final long entriesAddr, iovecsAddr;
    private final ByteBuffer entriesView, iovecsView;
    private final Chunk[] gathered = new Chunk[IOV_PER_SOCKET];
    private final int[] owner = new int[MAX_ENTRIES];
    private int count, iovCount;

    public GatherTable(Iovec iov) {
        this.iov = iov;
        entries = new Memory((long) MAX_ENTRIES * FLUSH_ENTRY_SIZE);
        iovecs = new Memory((long) MAX_IOVECS * iov.size);
        entriesAddr = Pointer.nativeValue(entries);
        iovecsAddr = Pointer.nativeValue(iovecs);
        entriesView = entries.getByteBuffer(0, entries.size()).order(ByteOrder.nativeOrder());
        iovecsView = iovecs.getByteBuffer(0, iovecs.size()).order(ByteOrder.nativeOrder());
    }

    /** Whether another socket's entry may not fit: run the table and {@link #clear} it first. */
    public boolean isFull() { return count == MAX_ENTRIES || iovCount + IOV_PER_SOCKET > MAX_IOVECS; }

    /** Adds an entry for {@code descriptor} with the chunks at the head of {@code q}, for the batch's entry {@code batchIndex}. */
    public void add(long descriptor, OutboundQueue q, int batchIndex) {
        int n = q.gather(gathered, IOV_PER_SOCKET);
        int first = iovCount;
        for (int j = 0; j < n; j++) {
            Chunk c = gathered[j];
            gathered[j] = null;
            int base = iovCount * iov.size;
            iovecsView.putLong(base + iov.baseOffset, chunkAddress(c) + c.readIndex());
            if (iov.lenSize == 8) iovecsView.putLong(base + iov.lenOffset, c.readable());
            else iovecsView.putInt(base + iov.lenOffset, c.readable());
            iovCount++;
        }
        int entry = count * FLUSH_ENTRY_SIZE;
        entriesView.putLong(entry + FLUSH_ENTRY_FD, descriptor);
        entriesView.putLong(entry + FLUSH_ENTRY_IOVECS, ShimAbi.iovecSpan(first, n));
        entriesView.putLong(entry + FLUSH_ENTRY_RESULT, 0);
        owner[count++] = batchIndex;
    }

    /** The native address of a chunk's buffer, recorded in the chunk the first time. */
    public static long chunkAddress(Chunk c) {
        long a = c.nativeAddress();
        if (a == 0) {
            a = Pointer.nativeValue(Native.getDirectBufferPointer(c.buffer()));
            c.nativeAddress(a);
        }
        return a;
    }

    /** Entries in the table. */
    public int size() { return count; }

    public long entriesAddress() { return entriesAddr; }

    public long iovecsAddress() { return iovecsAddr; }

    /** Entry {@code e}'s descriptor. */
    public long descriptor(int e) { return entriesView.getLong(e * FLUSH_ENTRY_SIZE + FLUSH_ENTRY_FD); }

    /** The address of entry {@code e}'s first iovec. */
    public long iovecsOf(int e) { return iovecsAddr + (long) ShimAbi.spanFirst(span(e)) * iov.size; }

    /** How many iovecs entry {@code e} has. */
    public int iovecCount(int e) { return ShimAbi.spanCount(span(e)); }

    private long span(int e) { return entriesView.getLong(e * FLUSH_ENTRY_SIZE + FLUSH_ENTRY_IOVECS); }

    /** Entry {@code e}'s result: bytes written, 0 for none, or -errno. */
    public long result(int e) { return entriesView.getLong(e * FLUSH_ENTRY_SIZE + FLUSH_ENTRY_RESULT); }

    public void result(int e, long r) { entriesView.putLong(e * FLUSH_ENTRY_SIZE + FLUSH_ENTRY_RESULT, r); }

    /** The batch's index of entry {@code e}. */
    public int batchIndex(int e) { return owner[e]; }

    public void clear() {
        count = 0;
        iovCount = 0;
    }

    @Override
    public void close() {
        entries.close();
        iovecs.close();
    }
}
