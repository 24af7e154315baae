// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.spi.OutboundQueue;
import io.pants.spi.WriteBatch;

import java.io.IOException;

/**
 * A native POSIX poller's {@link io.pants.spi.Poller#flush}: every socket's queued chunks go
 * into one {@link GatherTable}, written with one writev per socket by the poller's binding
 * ({@link Syscalls#flush}: one crossing for the whole table through the shim).
 * File regions at a queue's head go first, by sendfile ({@link SocketIo#sendFiles}).
 */
public final class BatchWriter implements AutoCloseable {
    private final SocketIo io;
    private final GatherTable table;

    public BatchWriter(SocketIo io) {
        this.io = io;
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
        io.sys.flush(table);
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
