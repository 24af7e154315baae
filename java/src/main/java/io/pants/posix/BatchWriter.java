// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.spi.OutboundQueue;
import io.pants.spi.PollerSocket;
import io.pants.spi.WriteBatch;

import java.io.IOException;

/**
 * A native poller's {@link io.pants.spi.Poller#flush}: every socket's queued chunks go into one
 * {@link GatherTable}, which the backend writes in one crossing, a gathering write per socket
 * (POSIX: writev each, {@link Syscalls#flush}; Windows: WSASend each, pants_ws_flush).
 * File regions at a queue's head go first, the backend's way (POSIX: sendfile, {@link SocketIo#sendFiles}).
 */
public final class BatchWriter implements AutoCloseable {
    /** What differs between the backends that write through a {@link BatchWriter}. */
    public interface Backend {
        /** What the table holds for the socket: its descriptor, or its SOCKET handle. */
        long handle(PollerSocket socket);

        /** Sends the file regions at the head of the queue; false if one could not be finished. */
        boolean sendFiles(PollerSocket socket, OutboundQueue queue) throws IOException;

        /** Writes the whole table in one crossing, each entry's result into the table. */
        void write(GatherTable table);

        /** The exception for a write that failed with {@code negError}. */
        IOException writeFailed(int negError);
    }

    private final Backend backend;
    private final GatherTable table;

    /** The writer of a POSIX poller's sockets, made by {@code io}. */
    public BatchWriter(SocketIo io) {
        this(io.iovec, new Backend() {
            @Override
            public long handle(PollerSocket socket) { return ((PosixSocket) socket).fd; }

            @Override
            public boolean sendFiles(PollerSocket socket, OutboundQueue queue) throws IOException {
                return io.sendFiles((PosixSocket) socket, queue);
            }

            @Override
            public void write(GatherTable table) { io.sys.flush(table); }

            @Override
            public IOException writeFailed(int negError) { return io.exception(negError, "write"); }
        });
    }

    /** A writer whose table has the layout {@code iovec} (struct iovec, or WSABUF). */
    public BatchWriter(Iovec iovec, Backend backend) {
        this.backend = backend;
        this.table = new GatherTable(iovec);
    }

    /** Writes as much of each queue as its socket takes; failures are recorded in the batch. */
    public void flush(WriteBatch batch) {
        for (int i = 0, size = batch.size(); i < size; i++) {
            PollerSocket s = batch.socket(i);
            OutboundQueue q = batch.queue(i);
            try {
                if (!backend.sendFiles(s, q)) continue;
            } catch (IOException e) {
                batch.fail(i, e);
                continue;
            }
            if (q.isEmpty()) continue;
            if (table.isFull()) run(batch);
            table.add(backend.handle(s), q, i);
        }
        run(batch);
    }

    private void run(WriteBatch batch) {
        int count = table.size();
        if (count == 0) return;
        backend.write(table);
        for (int e = 0; e < count; e++) {
            long r = table.result(e);
            int i = table.batchIndex(e);
            if (r < 0) batch.fail(i, backend.writeFailed((int) r));
            else if (r > 0) batch.queue(i).consume(r);
        }
        table.clear();
    }

    @Override
    public void close() { table.close(); }
}
