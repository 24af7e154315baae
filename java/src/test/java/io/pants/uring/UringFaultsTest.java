// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import io.pants.Backends;
import io.pants.Engine;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.Server;
import io.pants.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The io_uring faults, each made to happen for real on rings small enough for it, and each
 * shown to lose nothing: the completion queue overflowing (IORING_FEAT_NODROP keeps the
 * completions, the next turn takes them), the provided buffers running out (-ENOBUFS: the bytes
 * wait in the socket), and receives cancelled (-ECANCELED) by pauses and closes, whose late
 * completions never reach the token's next owner. EMFILE on the multishot accept is
 * UringAcceptExhaustionTest (the re-arm counted), and DescriptorExhaustionTest on io_uring:
 * there the engine's accept() can only fail from the accept's completion, as this backend makes
 * no accept system call.
 */
@ExtendWith(NoDescriptorLeaks.class)
class UringFaultsTest {
    private static final Duration WAIT = LoopThread.WAIT;

    @BeforeEach
    void onlyWhereIoUringWorks() {
        assumeTrue(Backends.ioUringExpected(), "io_uring is not expected to work here (not Linux, no shim, or switched off)");
    }

    /** {@code n} bytes that differ with {@code seed} and along the way, so that a misplaced piece shows. */
    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) ((seed * 31 + i * 7 + (i >> 8)) & 0xff);
        return b;
    }

    /** An echo whose clients all send while the loop is held, so that their completions pile up in one wait. */
    private static void echoWhileHeld(LoopThread loop, int clients, int bytesEach) throws Exception {
        AtomicInteger connected = new AtomicInteger();
        int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
            @Override
            protected void onConnect() { connected.incrementAndGet(); }

            @Override
            protected void onRead(byte[] data) { write(data); }
        }).listen("127.0.0.1", 0).port());
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                Socket c = new Socket();
                sockets.add(c);
                c.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
                c.setSoTimeout((int) WAIT.toMillis());
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (connected.get() < clients) {
                assertTrue(System.nanoTime() < deadline, "only " + connected.get() + " of " + clients + " connections were accepted");
                loop.call(() -> null);
            }
            loop.call(() -> null); // a turn after the accepts' turn: their receives are submitted
            loop.call(() -> null);
            CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
            loop.engine.execute(() -> {
                held.countDown();
                try {
                    release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(held.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the loop did not take the task that holds it");
            for (int i = 0; i < clients; i++) sockets.get(i).getOutputStream().write(bytes(i, bytesEach));
            release.countDown();
            for (int i = 0; i < clients; i++) {
                byte[] got = new byte[bytesEach];
                new DataInputStream(sockets.get(i).getInputStream()).readFully(got);
                assertArrayEquals(bytes(i, bytesEach), got, "the echo of client " + i);
            }
        } finally {
            for (Socket c : sockets) c.close();
        }
    }

    @Test
    void aCompletionQueueThatOverflowsLosesNothing() throws Exception {
        UringProvider small = new UringProvider(8, 16, 256, 4096); // 16 completions, for 48 receives at once
        try (LoopThread loop = new LoopThread(new Engine(small))) {
            echoWhileHeld(loop, 48, 2000);
            UringStats s = small.stats();
            long overflows = loop.call(() -> s.overflows);
            int dropped = loop.call(() -> s.dropped);
            assertTrue(overflows > 0, "the completion queue never overflowed: the test did not test it");
            assertEquals(0, dropped, "completions the kernel dropped");
        }
    }

    @Test
    void providedBuffersRunningOutMakeReadsWaitAndLoseNothing() throws Exception {
        UringProvider small = new UringProvider(64, 1024, 8, 1024); // 8 KiB of buffers for 16 clients' 64 KiB each
        try (LoopThread loop = new LoopThread(new Engine(small))) {
            echoWhileHeld(loop, 16, 64 * 1024);
            UringStats s = small.stats();
            long noBuffers = loop.call(() -> s.noBuffers);
            assertTrue(noBuffers > 0, "the buffers never ran out (-ENOBUFS): the test did not test it");
        }
    }

    @Test
    void receivesCancelledByPausesAndClosesReachNobody() throws Exception {
        UringProvider provider = new UringProvider();
        int size = 2 * 1024 * 1024;
        try (LoopThread loop = new LoopThread(new Engine(provider))) {
            // every piece pauses reading (cancelling the receive) and resumes a millisecond later
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onRead(byte[] data) {
                    write(data);
                    pauseReading();
                    engine().defer(Duration.ofMillis(1), this::resumeReading);
                }
            }).listen("127.0.0.1", 0).port());
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
                c.setSoTimeout((int) WAIT.toMillis());
                Thread sender = new Thread(() -> {
                    try {
                        c.getOutputStream().write(bytes(0, size));
                    } catch (IOException ignored) {
                        // the reader's assertion says what went wrong
                    }
                });
                sender.start();
                byte[] got = new byte[size];
                new DataInputStream(c.getInputStream()).readFully(got);
                sender.join(WAIT.toMillis());
                assertArrayEquals(bytes(0, size), got, "what came back through the pauses");
            }
            UringStats s = provider.stats();
            assertTrue(loop.call(() -> s.cancelled) > 0, "no receive ended cancelled (-ECANCELED): the test did not test it");

            // streams closed with their receive in flight: its completion is stale, and the
            // stream that gets the token next hears only its own bytes
            long staleBefore = loop.call(() -> s.stale);
            for (int round = 0; round < 20; round++) {
                try (Socket a = new Socket()) {
                    AtomicInteger echoed = new AtomicInteger();
                    int p = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                        @Override
                        protected void onRead(byte[] data) {
                            echoed.addAndGet(data.length);
                            write(data);
                            close();
                        }
                    }).listen("127.0.0.1", 0).port());
                    a.connect(new InetSocketAddress("127.0.0.1", p), (int) WAIT.toMillis());
                    a.setSoTimeout((int) WAIT.toMillis());
                    byte[] ping = bytes(round, 100);
                    a.getOutputStream().write(ping);
                    byte[] back = new DataInputStream(a.getInputStream()).readNBytes(200);
                    assertArrayEquals(ping, back, "round " + round + ": the echo, and then the end of stream");
                }
            }
            assertTrue(loop.call(() -> s.stale) > staleBefore, "no completion of a closed stream came: the test did not test it");
        }
    }
}
