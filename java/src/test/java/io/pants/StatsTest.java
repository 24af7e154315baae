// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engine.stats() and Server.stats() count what a known exchange does, and are safe from other threads. */
@ExtendWith(NoDescriptorLeaks.class)
class StatsTest {
    private static final int N = 32_000; // fits the socket buffers: the client writes it all before reading

    /** Echoes, and counts down when it closes. */
    static final class Echo extends Stream {
        final CountDownLatch closed = new CountDownLatch(1);

        @Override protected void onRead(byte[] data) { write(data); }

        @Override protected void onClose() { closed.countDown(); }
    }

    @BackendTest
    void countsAnEchoExchange(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            EngineStats base = loop.call(loop.engine::stats);
            CompletableFuture<Echo> made = new CompletableFuture<>();
            Server server = loop.call(() -> new Server(loop.engine, () -> {
                Echo e = new Echo();
                made.complete(e);
                return e;
            }).listen("127.0.0.1", 0));
            assertEquals(base.channelsOpen() + 1, loop.call(loop.engine::stats).channelsOpen(), "channels open with the listener");

            byte[] data = TestData.bytes(0, N);
            try (Socket c = connect(server)) {
                c.getOutputStream().write(data);
                byte[] back = new byte[N];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertArrayEquals(data, back);

                // on the loop thread the snapshot is exact
                EngineStats s = loop.call(loop.engine::stats);
                assertEquals(N, s.bytesRead() - base.bytesRead(), "bytes read");
                assertEquals(N, s.bytesWritten() - base.bytesWritten(), "bytes written");
                assertEquals(1, s.accepts() - base.accepts(), "accepts");
                assertEquals(0, s.refused() - base.refused(), "refused");
                assertEquals(base.channelsOpen() + 2, s.channelsOpen(), "channels open: the listener and the connection");
                assertTrue(s.turns() > base.turns(), "turns: " + base.turns() + " -> " + s.turns());
                long reads = s.messagesRead() - base.messagesRead();
                assertTrue(reads >= 1 && reads <= N, "onRead calls for " + N + " bytes: " + reads);
                assertEquals(reads, s.messagesWritten() - base.messagesWritten(), "the echo writes once per onRead");
                assertTrue(s.flushes() - base.flushes() >= 1, "flushes");
                assertTrue(s.partialWrites() <= s.flushes(), "partial writes are flushes: " + s);
                assertTrue(s.tasksQueued() - base.tasksQueued() >= 2 && s.tasksRun() - base.tasksRun() >= 2,
                        "tasks queued and run by loop.call: " + s);
                assertTrue(s.busyNanos() > base.busyNanos(), "busy time grows: " + s);
                assertEquals(new ServerStats(1, 1, 0, 0), loop.call(server::stats));
            }
            Await.await(Await.get(made, "the server's stream").closed, "the stream to close after the client did");
            assertEquals(base.channelsOpen() + 1, loop.call(loop.engine::stats).channelsOpen(), "channels open after the close");
            assertEquals(new ServerStats(0, 1, 0, 0), loop.call(server::stats));
            loop.run(server::close);
            assertEquals(base.channelsOpen(), loop.call(loop.engine::stats).channelsOpen(), "channels open back to where they were");
        }
    }

    /** On the shim, reads are dispatched inside the poller's wait call: their callbacks are still busy time. */
    @BackendTest
    void busyTimeIncludesTheCallbacksOfReads(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onRead(byte[] data) {
                    try {
                        Thread.sleep(200); // the callback's work, which the busy time must contain
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    write(data);
                }
            }).listen("127.0.0.1", 0));
            EngineStats base = loop.call(loop.engine::stats);
            try (Socket c = connect(server)) {
                c.getOutputStream().write(7);
                assertEquals(7, c.getInputStream().read());
            }
            EngineStats s = loop.call(loop.engine::stats);
            assertTrue(s.busyNanos() - base.busyNanos() >= 200_000_000L,
                    "busy for " + (s.busyNanos() - base.busyNanos()) / 1_000_000 + " ms across a 200 ms onRead: " + s);
        }
    }

    @BackendTest
    void readFromAnotherThreadWhileTheLoopRuns(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> new Server(loop.engine, Echo::new).listen("127.0.0.1", 0));
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<EngineStats> seen = new ArrayList<>();
            CountDownLatch readTwice = new CountDownLatch(2); // the reader may be scheduled late: wait for it
            Thread reader = new Thread(() -> {
                try {
                    EngineStats last = loop.engine.stats();
                    while (!done.get()) {
                        EngineStats s = loop.engine.stats();
                        ServerStats ss = server.stats();
                        assertTrue(ss.connectionsOpen() >= 0 && ss.accepted() <= 5, "server stats: " + ss);
                        assertNeverDecrease(last, s);
                        last = s;
                        if (seen.size() < 10_000) seen.add(s);
                        readTwice.countDown();
                    }
                } catch (Throwable e) {
                    failure.set(e);
                    while (readTwice.getCount() > 0) readTwice.countDown(); // the failure is reported below
                }
            }, "stats-reader");
            reader.start();
            byte[] data = TestData.bytes(0, N);
            try {
                for (int i = 0; i < 5; i++) {
                    try (Socket c = connect(server)) {
                        c.getOutputStream().write(data);
                        new DataInputStream(c.getInputStream()).readFully(new byte[N]);
                    }
                }
                Await.await(readTwice, "the reader's first two snapshots while the loop runs");
            } finally {
                done.set(true);
                reader.join(LoopThread.WAIT.toMillis());
            }
            assertNull(failure.get(), () -> "the reader failed: " + failure.get());
            assertTrue(!reader.isAlive(), "the reader did not finish");
            assertTrue(seen.size() > 1, "the reader read " + seen.size() + " snapshots");
            // what the loop counted becomes visible to another thread: within a bounded wait, the
            // publication at the end of the turn that echoed the last bytes is seen
            long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
            EngineStats s = loop.engine.stats();
            while (s.bytesWritten() < 5L * N && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                s = loop.engine.stats();
            }
            assertEquals(5L * N, s.bytesWritten(), "bytes written, seen from the test thread");
            assertEquals(5L * N, s.bytesRead(), "bytes read, seen from the test thread");
            assertEquals(5, s.accepts(), "accepts, seen from the test thread");
        }
    }

    @BackendTest
    void aConnectionTheFactoryCannotMakeIsRefused(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); CapturedLog log = new CapturedLog()) {
            Server server = loop.call(() -> new Server(loop.engine, () -> {
                throw new IllegalStateException("no stream for you");
            }).listen("127.0.0.1", 0));
            try (Socket c = connect(server)) {
                InputStream in = c.getInputStream();
                assertEquals(-1, in.read(), "the refused connection is closed");
            }
            assertEquals(new ServerStats(0, 0, 1, 0), loop.call(server::stats));
            EngineStats s = loop.call(loop.engine::stats);
            assertEquals(1, s.refused(), "refused, engine-wide");
            assertEquals(0, s.accepts(), "accepts, engine-wide");
        }
    }

    @BackendTest
    void countsPendingTimersAndTimersRun(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            EngineStats base = loop.call(loop.engine::stats);
            CountDownLatch ran = new CountDownLatch(1);
            Timer later = loop.call(() -> loop.engine.defer(Duration.ofHours(1), () -> { }));
            loop.run(() -> loop.engine.defer(Duration.ZERO, ran::countDown));
            Await.await(ran, "the deferred task");
            EngineStats s = loop.call(loop.engine::stats);
            assertEquals(base.timersPending() + 1, s.timersPending(), "the hour-long timer waits");
            assertTrue(s.timersRun() - base.timersRun() >= 1, "timers run: " + s);
            loop.run(later::cancel);
            assertEquals(base.timersPending(), loop.call(loop.engine::stats).timersPending(), "none after the cancel");
        }
    }

    @BackendTest
    void textHasOneLinePerField(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            EngineStats s = loop.call(loop.engine::stats);
            String[] lines = s.toText().split("\n");
            assertEquals(EngineStats.class.getRecordComponents().length, lines.length, s.toText());
            assertEquals("turns " + s.turns(), lines[0]);
            assertTrue(Arrays.asList(lines).contains("bytesRead " + s.bytesRead()), s.toText());
        }
    }

    private static void assertNeverDecrease(EngineStats before, EngineStats after) {
        long[] b = counts(before), a = counts(after);
        for (int i = 0; i < b.length; i++) {
            if (a[i] < b[i]) throw new AssertionError("a count went down: " + before + " -> " + after);
        }
    }

    private static long[] counts(EngineStats s) {
        return new long[] {s.turns(), s.busyNanos(), s.waitingNanos(), s.tasksQueued(), s.tasksRun(), s.timersRun(),
                s.bytesRead(), s.bytesWritten(), s.messagesRead(), s.messagesWritten(), s.accepts(), s.refused(),
                s.acceptPauses(), s.flushes(), s.partialWrites()};
    }

    private static Socket connect(Server server) throws IOException {
        Socket c = new Socket();
        c.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        c.setSoTimeout(10_000);
        return c;
    }
}
