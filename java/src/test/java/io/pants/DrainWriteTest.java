// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Output written in {@code onDrain} goes out without waiting for unrelated I/O. The turn's first
 * flush (of what tasks, timers and callbacks wrote) can drain a queue completely and call
 * {@code onDrain}; what the stream writes there must not sit in the queue while the loop sleeps
 * in the poller with nothing else to wake it.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DrainWriteTest {
    private static final int CHUNK = 2000, CHUNKS = 3;

    /** Writes CHUNKS chunks, one per onDrain, the first from a task on the loop. */
    static class ChunkSender extends Stream {
        private int sent;

        void sendFirst() {
            waterMarks(0, CHUNK / 2); // each chunk goes over the high mark, so onDrain follows its flush
            sendNext();
        }

        private void sendNext() {
            byte[] chunk = new byte[CHUNK];
            Arrays.fill(chunk, (byte) sent);
            sent++;
            write(chunk);
        }

        @Override
        protected void onDrain() {
            if (sent < CHUNKS) sendNext();
        }
    }

    @BackendTest
    void writesMadeInOnDrainAreFlushedWhileTheLoopHasNothingElseToDo(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<ChunkSender> accepted = new CompletableFuture<>();
            Server server = loop.call(() -> new Server(loop.engine, () -> {
                ChunkSender s = new ChunkSender() {
                    @Override
                    protected void onConnect() { accepted.complete(this); }
                };
                return s;
            }).listen("127.0.0.1", 0));
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress("127.0.0.1", loop.call(server::port)), 5000);
                client.setSoTimeout((int) LoopThread.WAIT.toMillis());
                ChunkSender sender = accepted.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                // a task runs before the turn's first flush, like a timer or a callback would
                boolean writable = loop.call(() -> {
                    sender.sendFirst();
                    return sender.isWritable();
                });
                assertFalse(writable, "a chunk over the high water mark makes the stream unwritable");

                byte[] expected = new byte[CHUNK * CHUNKS];
                for (int i = 0; i < CHUNKS; i++) Arrays.fill(expected, i * CHUNK, (i + 1) * CHUNK, (byte) i);
                byte[] got = new byte[expected.length];
                new DataInputStream(client.getInputStream()).readFully(got); // a read timeout fails the test
                assertArrayEquals(expected, got, "every chunk, in order");
            }
        }
    }
}
