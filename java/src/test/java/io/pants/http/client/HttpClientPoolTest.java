// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import io.pants.Timer;
import io.pants.http.HttpHeaders;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pants.http.client.ClientLoop.await;
import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection pool: reuse, the limits, idle eviction, the retry on a connection the server closed. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientPoolTest {
    private static final String GOOD = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood";

    /** Answers every request on every connection, once {@code gate} opens. */
    private static RawServer gated(CountDownLatch gate) throws Exception {
        return new RawServer((c, index) -> {
            String head;
            while ((head = c.readRequest()) != null) {
                if (!gate.await(io.pants.LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("the gate never opened");
                c.send("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + index);
            }
        });
    }

    @BackendTest
    void requestsOverThePerOriginLimitWaitForAConnection(String backend) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (RawServer s = gated(gate); ClientLoop c = new ClientLoop(backend, cl -> cl.maxConnectionsPerOrigin(2))) {
            List<CompletableFuture<ClientResponse>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) all.add(c.client.get(s.url("/" + i)));
            c.until("two connections are open and the rest wait", () -> c.client.openConnections() == 2 && c.client.waitingRequests() == 4);
            gate.countDown();
            for (CompletableFuture<ClientResponse> f : all) assertEquals(200, await(f, "a response").status());
            assertEquals(2, s.accepted(), "never more than two connections");
            assertEquals(2, c.onLoop(() -> c.client.connectionsMade()));
            s.check();
        }
    }

    @BackendTest
    void theTotalLimitHoldsAcrossOrigins(String backend) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (RawServer a = gated(gate); RawServer b = gated(gate);
             ClientLoop c = new ClientLoop(backend, cl -> cl.maxConnections(2).maxConnectionsPerOrigin(8))) {
            AtomicInteger most = new AtomicInteger();
            Timer sampler = c.onLoop(() -> c.loop.engine.loop(() -> most.accumulateAndGet(c.client.openConnections(), Math::max)));
            List<CompletableFuture<ClientResponse>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                all.add(c.client.get(a.url("/a" + i)));
                all.add(c.client.get(b.url("/b" + i)));
            }
            c.until("two connections are open", () -> c.client.openConnections() == 2);
            gate.countDown();
            for (CompletableFuture<ClientResponse> f : all) assertEquals(200, await(f, "a response").status());
            c.loop.run(sampler::cancel);
            assertEquals(2, most.get(), "at most two connections at any turn");
            assertTrue(a.accepted() >= 1 && b.accepted() >= 1, "both origins were served: " + a.accepted() + ", " + b.accepted());
        }
    }

    @BackendTest
    void idleConnectionsAreClosedAfterTheKeepAliveTimeout(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = new RawServer((c, index) -> {
            c.readRequest();
            c.send(GOOD);
            c.awaitClientClose();
            closed.countDown();
        }); ClientLoop c = new ClientLoop(backend, cl -> cl.keepAliveTimeout(Duration.ofMillis(100)))) {
            assertEquals("good", await(c.client.get(s.url("/")), "GET").bodyText());
            assertTrue(closed.await(io.pants.LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the server saw the idle connection close");
            c.until("the pool is empty", () -> c.client.openConnections() == 0 && c.client.idleConnections() == 0);
        }
    }

    /** The server closed the pooled connection just as the next request went out on it. */
    private static RawServer closesTheSecondRequest() throws Exception {
        return new RawServer((c, index) -> {
            if (index == 0) {
                c.readRequest();
                c.send(GOOD);
                c.readRequest(); // the next request came, and the server had already decided to close
                return;
            }
            while (c.readRequest() != null) c.send(GOOD);
        });
    }

    @BackendTest
    void anIdempotentRequestIsRetriedOnceOnANewConnection(String backend) throws Exception {
        try (RawServer s = closesTheSecondRequest(); ClientLoop c = new ClientLoop(backend)) {
            assertEquals("good", await(c.client.get(s.url("/1")), "the first").bodyText());
            assertEquals("good", await(c.client.request("PUT", s.url("/2")).body("x").send(), "the retried PUT").bodyText());
            assertEquals(2, s.accepted());
            s.check();
        }
    }

    @BackendTest
    void aPostIsNotRetried(String backend) throws Exception {
        try (RawServer s = closesTheSecondRequest(); ClientLoop c = new ClientLoop(backend)) {
            assertEquals("good", await(c.client.get(s.url("/1")), "the first").bodyText());
            Throwable e = failure(c.client.request("POST", s.url("/2")).body("x").send(), "the POST");
            assertTrue(e.getMessage().contains("closed the connection before answering to POST"), e.getMessage());
            assertEquals(1, s.accepted(), "no second connection for a POST");
        }
    }

    @BackendTest
    void aRetryHappensOnlyOnce(String backend) throws Exception {
        try (RawServer s = new RawServer((c, index) -> {
            c.readRequest();
            if (index == 0) {
                c.send(GOOD);
                c.readRequest();
            }
            // every later connection closes on its request, unanswered
        }); ClientLoop c = new ClientLoop(backend)) {
            assertEquals("good", await(c.client.get(s.url("/1")), "the first").bodyText());
            Throwable e = failure(c.client.get(s.url("/2")), "a GET whose retry fails too");
            assertTrue(e.getMessage().contains("closed the connection before answering"), e.getMessage());
            assertEquals(2, s.accepted(), "one retry, not more");
        }
    }

    @BackendTest
    void aConnectionIsReusedOnlyAfterItsResponseWasReadToTheEnd(String backend) throws Exception {
        byte[] big = new byte[1 << 20];
        try (RawServer s = new RawServer((c, index) -> {
            String head;
            while ((head = c.readRequest()) != null) {
                if (head.startsWith("GET /big")) {
                    c.send("HTTP/1.1 200 OK\r\nContent-Length: " + big.length + "\r\n\r\n");
                    try {
                        c.send(big);
                    } catch (java.io.IOException closedByClient) {
                        return;
                    }
                } else {
                    c.send(head.startsWith("GET /close") ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\ngood" : GOOD);
                }
            }
        }); ClientLoop c = new ClientLoop(backend)) {
            // a response given up after its first part: its connection is closed, not pooled
            CompletableFuture<Throwable> cancelled = new CompletableFuture<>();
            ClientExchange[] x = new ClientExchange[1];
            c.onLoop(() -> x[0] = c.client.request("GET", s.url("/big")).send(new ResponseListener() {
                @Override public void onBody(byte[] part) { x[0].cancel(); }
                @Override public void onEnd(HttpHeaders trailers) { cancelled.complete(null); }
                @Override public void onError(Throwable error) { cancelled.complete(error); }
            }));
            assertInstanceOf(CancellationException.class, await(cancelled, "the cancel"));
            assertEquals("good", await(c.client.get(s.url("/next")), "the next").bodyText());
            assertEquals(2, s.accepted(), "a new connection after the half-read response");
            // a response with Connection: close is not pooled either
            assertEquals("good", await(c.client.get(s.url("/close")), "Connection: close").bodyText());
            assertEquals("good", await(c.client.get(s.url("/after")), "after the close").bodyText());
            assertEquals(3, s.accepted());
        }
    }
}
