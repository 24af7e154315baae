// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow clients: a head that takes too long gets a 408, an idle connection is closed. The
 * timeouts are short here; what is asserted is the answer and the close, and, in the tests
 * named "on time", that they come no earlier than their setting and within max(100 ms, 2%) of
 * it (plus slack for a loaded machine).
 */
@ExtendWith(NoDescriptorLeaks.class)
class HttpTimeoutTest {
    private static final Duration SHORT = Duration.ofMillis(200);
    /** A response larger than loopback's socket buffers can hold (Linux autotunes them up to a few MiB). */
    private static final int BIG = 32 << 20;
    /** How long {@link #aReadingClientGetsALargeResponseWhole}'s reader pauses between slices. */
    private static final Duration READER_PACE = Duration.ofMillis(100);
    private static final Consumer<HttpServer> SHORT_TIMEOUTS = s -> s.headerTimeout(SHORT).idleTimeout(SHORT);
    /**
     * For the tests of when timeouts fire: long enough that the old scheme, counting ticks of a
     * quarter of the shorter timeout, was late by most of a tick or more (1 s and more here).
     */
    private static final Duration ON_TIME = Duration.ofSeconds(4);
    /** What a loaded machine may add to the max(100 ms, 2%) a timeout may be late. */
    private static final Duration SLACK = Duration.ofMillis(600);

    /** What came {@code nanos} after the latest moment the timeout can have started at is within the tolerance and the slack. */
    private static void assertNotLate(long nanos, Duration timeout, String what) {
        long tolerance = Math.max(Duration.ofMillis(100).toNanos(), timeout.toNanos() / 50);
        assertTrue(nanos <= timeout.toNanos() + tolerance + SLACK.toNanos(),
                what + " came " + nanos / 1_000_000 + " ms after its start: late for a timeout of " + timeout);
    }

    /** What came {@code nanos} after the earliest moment the timeout can have started at did not come before it. */
    private static void assertNotEarly(long nanos, Duration timeout, String what) {
        assertTrue(nanos >= timeout.toNanos(), what + " came " + nanos / 1_000_000 + " ms after its start, before the timeout of " + timeout);
    }

    @BackendTest
    void theHeaderTimeoutFiresOnTime(String backend) throws Exception {
        // a first 408 loads what answering one needs: class loading is not what is measured
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("never"), SHORT_TIMEOUTS); RawClient c = s.connect()) {
            assertEquals(408, c.send("GET / HTTP/1.1\r\n").read().status());
        }
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("never"), srv -> srv.headerTimeout(ON_TIME).idleTimeout(ON_TIME));
             RawClient c = s.connect()) {
            long sent = System.nanoTime(); // the server starts counting when it reads this, later
            c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Half: ");
            assertEquals(408, c.read().status());
            long took = System.nanoTime() - sent;
            assertNotEarly(took, ON_TIME, "the 408 for an unfinished head");
            assertNotLate(took, ON_TIME, "the 408 for an unfinished head");
        }
    }

    @BackendTest
    void theIdleTimeoutOfAKeptAliveConnectionFiresOnTime(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("hi"), srv -> srv.idleTimeout(ON_TIME)); RawClient c = s.connect()) {
            long sent = System.nanoTime();
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hi", c.read().text());
            long answered = System.nanoTime(); // the server's last activity was between sent and now
            c.assertClosedByServer();
            long closed = System.nanoTime();
            assertNotEarly(closed - sent, ON_TIME, "the close of the idle connection");
            assertNotLate(closed - answered, ON_TIME, "the close of the idle connection");
        }
    }

    @BackendTest
    void anUnfinishedHeadGets408AndAClose(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("never"), SHORT_TIMEOUTS); RawClient c = s.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Half: ");
            RawClient.Response r = c.read();
            assertEquals(408, r.status());
            assertEquals("close", r.header("Connection"));
            c.assertClosedByServer();
        }
    }

    /** Slowloris: a byte now and then keeps the connection busy but must not stretch the header timeout. */
    @BackendTest
    void aHeadTrickledByteByByteIsCutOff(String backend) throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("never"), SHORT_TIMEOUTS); RawClient c = s.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n");
            // at most 400 bytes at one per 20 ms: 8 s, far beyond the timeout, if the server let it run
            AtomicInteger sent = new AtomicInteger();
            String line = "X-Slow: 1\r\n";
            trickle.scheduleAtFixedRate(() -> {
                int n = sent.get();
                if (n == 400) return;
                try {
                    c.send(line.substring(n % line.length(), n % line.length() + 1));
                    sent.incrementAndGet();
                } catch (java.io.IOException closed) {
                    // the server gave up on us: what it said is read below
                }
            }, 0, 20, TimeUnit.MILLISECONDS);
            RawClient.Response r = c.read();
            assertEquals(408, r.status());
            assertTrue(sent.get() < 400, "the trickle ran to its end before the server answered");
        } finally {
            trickle.shutdownNow();
            assertTrue(trickle.awaitTermination(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @BackendTest
    void aConnectionThatSendsNothingIsClosedQuietly(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("never"), SHORT_TIMEOUTS); RawClient c = s.connect()) {
            c.assertClosedByServer(); // no 408: no request was begun
        }
    }

    @BackendTest
    void anIdleKeptAliveConnectionIsClosedAfterItsLastResponse(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("hi"), SHORT_TIMEOUTS); RawClient c = s.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hi", c.read().text());
            c.assertClosedByServer();
        }
    }

    @BackendTest
    void aStalledBodyGets408(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("never"), SHORT_TIMEOUTS); RawClient c = s.connect()) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some of it");
            RawClient.Response r = c.read();
            assertEquals(408, r.status());
            c.assertClosedByServer();
        }
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("never"), SHORT_TIMEOUTS); RawClient c = s.connect()) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
            assertEquals(408, c.read().status());
            c.assertClosedByServer();
        }
    }

    /** Handlers may take their time: no timeout runs while a request is unfinished. */
    @BackendTest
    void aSlowHandlerIsNotTimedOut(String backend) throws Exception {
        HttpHandler slow = r -> r.engine().defer(SHORT.multipliedBy(3), () -> r.sendResponse("worth the wait"));
        try (TestServer s = TestServer.start(backend, slow, SHORT_TIMEOUTS); RawClient c = s.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("worth the wait", c.read().text());
        }
    }

    /**
     * A write timeout: a client that stops reading a response the handler is still sending has
     * the connection aborted after the idle timeout, and the handler hears of it.
     */
    @BackendTest
    void aResponseTheClientStopsTakingIsAborted(String backend) throws Exception {
        CompletableFuture<Boolean> aborted = new CompletableFuture<>();
        HttpHandler streaming = r -> {
            r.onAbort(() -> aborted.complete(true));
            r.sendStatus(200);
            r.send(new byte[BIG]); // more than the kernel's buffers hold; the response stays unfinished
        };
        try (TestServer s = TestServer.start(backend, streaming, SHORT_TIMEOUTS); Socket c = new Socket()) {
            c.setReceiveBufferSize(4096);
            c.connect(new InetSocketAddress("127.0.0.1", s.port));
            c.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            // the client reads nothing
            assertTrue(aborted.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the handler heard of the abort");
            c.setSoTimeout((int) LoopThread.WAIT.toMillis());
            long got = 0;
            try {
                for (int n; (n = c.getInputStream().read(new byte[65536])) >= 0; ) got += n;
            } catch (SocketException reset) {
                // an aborted connection may end in a reset
            }
            assertTrue(got < BIG, "the connection ended before the whole response: " + got + " bytes");
            assertEquals(0, (int) s.loop.call(() -> s.server.connections().size()), "the server let the connection go");
        }
    }

    /**
     * A client that takes a large response as it comes gets all of it, however long that takes
     * in all: the idle timeout counts from the last progress, not from the response's start.
     * The client reads at a steady pace, a slice every {@link #READER_PACE}, so that the whole
     * transfer outlasts the timeout three times over; the timeout is long next to the pauses,
     * so that a loaded machine that stops the reader for a moment is not a stalled reader.
     */
    @BackendTest
    void aReadingClientGetsALargeResponseWhole(String backend) throws Exception {
        int slices = 32, slice = 256 << 10, body = slices * slice;
        Duration timeout = READER_PACE.multipliedBy(slices / 3);
        HttpHandler large = r -> {
            r.sendStatus(200);
            r.sendHeader("Content-Length", String.valueOf(body));
            r.send(new byte[body]);
            r.finish();
        };
        try (TestServer s = TestServer.start(backend, large, h -> h.headerTimeout(timeout).idleTimeout(timeout)); Socket c = new Socket()) {
            c.setReceiveBufferSize(4096);
            c.connect(new InetSocketAddress("127.0.0.1", s.port));
            c.setSoTimeout((int) LoopThread.WAIT.toMillis());
            c.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            long got = 0;
            byte[] buffer = new byte[64 * 1024];
            InputStream in = c.getInputStream();
            for (long sliceEnd = slice; ; sliceEnd += slice) {
                int n = 0;
                while (got < sliceEnd && (n = in.read(buffer, 0, (int) Math.min(buffer.length, sliceEnd - got))) >= 0) got += n;
                if (n < 0) break;
                Thread.sleep(READER_PACE.toMillis()); // not synchronisation: the reader's pace is what is tested
            }
            assertTrue(got > body, "the whole response arrived: " + got + " bytes of a " + body + "-byte body and its head");
        }
    }

    /** A complete request waiting behind a slow one is not a slow head. */
    @BackendTest
    void pipelinedRequestsWaitingForASlowHandlerAreNotTimedOut(String backend) throws Exception {
        HttpHandler handler = r -> {
            if (r.path().equals("/slow")) r.engine().defer(SHORT.multipliedBy(3), () -> r.sendResponse("slow"));
            else r.sendResponse("quick");
        };
        try (TestServer s = TestServer.start(backend, handler, SHORT_TIMEOUTS); RawClient c = s.connect()) {
            StringBuilder requests = new StringBuilder("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            // more than are taken at once: the rest wait unparsed in the input, not timed as a slow head
            for (int i = 0; i < HttpConnection.MAX_PIPELINE + 4; i++) requests.append("GET /q HTTP/1.1\r\nHost: x\r\n\r\n");
            c.send(requests.toString());
            assertEquals("slow", c.read().text());
            for (int i = 0; i < HttpConnection.MAX_PIPELINE + 4; i++) assertEquals("quick", c.read().text(), "response " + i);
        }
    }

    @BackendTest
    void timeoutsMustBePositive(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("x"))) {
            assertEquals(HttpServer.DEFAULT_HEADER_TIMEOUT, s.server.headerTimeout());
            assertEquals(HttpServer.DEFAULT_IDLE_TIMEOUT, s.server.idleTimeout());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> s.server.headerTimeout(Duration.ZERO));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> s.server.idleTimeout(Duration.ofMillis(-1)));
        }
    }
}
