package io.pants.posix;

import io.pants.spi.OutboundQueue;
import io.pants.spi.WriteBatch;

import java.io.IOException;

/**
 * A native POSIX poller's {@link io.pants.spi.Poller#flush}: every socket's queued chunks go
 * into one {@link GatherTable}, written with one writev per socket. With the shim the whole
 * table is one crossing ({@code pants_flush}); through the C library a crossing per socket.
 * File regions at a queue's head go first, by sendfile ({@link SocketIo#sendFiles}).
 */
public final class BatchWriter implements AutoCloseable {
    private final SocketIo io;
    /** Null with the shim. */
    private final LibcSyscalls libc;
    private final int eAgain;
    private final GatherTable table;

    /** {@code libc}: the binding to writev through, or null to flush through the shim. */
    public BatchWriter(SocketIo io, LibcSyscalls libc) {
        this.io = io;
        this.libc = libc;
        this.eAgain = io.k.eAgain;
        this.table = new GatherTable(io.iovec);
    }

    /** Writes as much of each queue as its socket takes; failures are recorded in the batch. */
    public void flush(WriteBatch batch) {
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
            if (table.isFull()) run(batch);
            table.add(s.fd, q, i);
        }
        run(batch);
    }

    private void run(WriteBatch batch) {
        int count = table.size();
        if (count == 0) return;
        if (libc == null) {
            Shim.pants_flush(table.entriesAddress(), count, table.iovecsAddress());
        } else {
            for (int e = 0; e < count; e++) {
                long r = libc.writev((int) table.descriptor(e), table.iovecsOf(e), table.iovecCount(e));
                table.result(e, r == -eAgain ? 0 : r);
            }
        }
        for (int e = 0; e < count; e++) {
            long r = table.result(e);
            int i = table.batchIndex(e);
            if (r < 0) batch.fail(i, io.exception((int) r, "write"));
            else if (r > 0) batch.queue(i).consume(r);
        }
        table.clear();
    }

    @Override
    public void close() { table.close(); }
}
