package io.pants.http;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow clients: a head that takes too long gets a 408, an idle connection is closed. The
 * timeouts are short here; what is asserted is the answer and the close, not when they come.
 */
@ExtendWith(NoDescriptorLeaks.class)
class HttpTimeoutTest {
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final Consumer<HttpServer> SHORT_TIMEOUTS = s -> s.headerTimeout(SHORT).idleTimeout(SHORT);

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
