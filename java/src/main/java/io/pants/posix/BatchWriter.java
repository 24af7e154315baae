package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.spi.Chunk;
import io.pants.spi.OutboundQueue;
import io.pants.spi.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A native POSIX poller's {@link io.pants.spi.Poller#flush}: every socket's queued chunks
 * become iovecs in one native table, written with one writev per socket. With the shim the
 * whole table is one crossing ({@code pants_flush}); through the C library a crossing per
 * socket. File regions at a queue's head go first, by sendfile ({@link SocketIo#sendFiles}).
 *
 * <p>The table, in native memory allocated once: per entry three int64 (fd; first iovec and
 * count; the result, bytes written or -errno, 0 for EAGAIN), as pants_flush reads and writes it.
 */
public final class BatchWriter implements AutoCloseable {
    private static final int MAX_ENTRIES = 256;
    private static final int IOV_PER_SOCKET = 64;
    private static final int MAX_IOVECS = 1024;

    private final SocketIo io;
    /** Null with the shim. */
    private final LibcSyscalls libc;
    private final Iovec iov;
    private final int eAgain;
    private final Memory entries, iovecs;
    private final long entriesAddr, iovecsAddr;
    private final ByteBuffer entriesView, iovecsView;
    private final Chunk[] gathered = new Chunk[IOV_PER_SOCKET];
    private final int[] entryOwner = new int[MAX_ENTRIES];

    /** {@code libc}: the binding to writev through, or null to flush through the shim. */
    public BatchWriter(SocketIo io, LibcSyscalls libc) {
        this.io = io;
        this.libc = libc;
        this.iov = io.iovec;
        this.eAgain = io.k.eAgain;
        entries = new Memory(MAX_ENTRIES * 24L);
        iovecs = new Memory((long) MAX_IOVECS * iov.size);
        entriesAddr = Pointer.nativeValue(entries);
        iovecsAddr = Pointer.nativeValue(iovecs);
        entriesView = entries.getByteBuffer(0, entries.size()).order(ByteOrder.nativeOrder());
        iovecsView = iovecs.getByteBuffer(0, iovecs.size()).order(ByteOrder.nativeOrder());
    }

    /** Writes as much of each queue as its socket takes; failures are recorded in the batch. */
    public void flush(WriteBatch batch) {
        int entryCount = 0, iovCount = 0;
        for (int i = 0, size = batch.size(); i < size; i++) {
            PosixSocket s = (PosixSocket) batch.socket(i);
            OutboundQueue q = batch.queue(i);
            try {
                if (!io.sendFiles(s, q)) continue;
            } catch (IOException e) {
                batch.fail(i, e);
                continue;
            }
            if (q.isEmpty()) continue;
            if (entryCount == MAX_ENTRIES || iovCount + IOV_PER_SOCKET > MAX_IOVECS) {
                run(batch, entryCount);
                entryCount = 0;
                iovCount = 0;
            }
            int count = q.gather(gathered, IOV_PER_SOCKET);
            int first = iovCount;
            for (int j = 0; j < count; j++) {
                Chunk c = gathered[j];
                gathered[j] = null;
                int base = iovCount * iov.size;
                iovecsView.putLong(base + iov.baseOffset, chunkAddress(c) + c.readIndex());
                iovecsView.putLong(base + iov.lenOffset, c.readable());
                iovCount++;
            }
            int e = entryCount * 24;
            entriesView.putLong(e, s.fd);
            entriesView.putLong(e + 8, ((long) first << 32) | count);
            entriesView.putLong(e + 16, 0);
            entryOwner[entryCount++] = i;
        }
        run(batch, entryCount);
    }

    private void run(WriteBatch batch, int count) {
        if (count == 0) return;
        if (libc == null) {
            Shim.pants_flush(entriesAddr, count, iovecsAddr);
        } else {
            for (int e = 0; e < count; e++) {
                int base = e * 24;
                long span = entriesView.getLong(base + 8);
                long r = libc.writev((int) entriesView.getLong(base), iovecsAddr + (span >>> 32) * iov.size, (int) span);
                entriesView.putLong(base + 16, r == -eAgain ? 0 : r);
            }
        }
        for (int e = 0; e < count; e++) {
            long r = entriesView.getLong(e * 24 + 16);
            int i = entryOwner[e];
            if (r < 0) batch.fail(i, io.exception((int) r, "write"));
            else if (r > 0) batch.queue(i).consume(r);
        }
    }

    private static long chunkAddress(Chunk c) {
        long a = c.nativeAddress();
        if (a == 0) {
            a = Pointer.nativeValue(Native.getDirectBufferPointer(c.buffer()));
            c.nativeAddress(a);
        }
        return a;
    }

    @Override
    public void close() {
        entries.close();
        iovecs.close();
    }
}
