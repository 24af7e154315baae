// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.Refusals;
import io.pants.Stream;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The upgrade seam: a request switches its connection to another protocol, which gets the bytes after it and the events. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpUpgradeTest {
    private static final String UPGRADE = "GET /shout HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n";

    /** A line protocol after the upgrade: every line comes back in capitals; records its events. */
    static final class Shout implements ConnectionProtocol {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        Stream connection;

        @Override public void onUpgrade(Stream c) {
            connection = c;
            events.add("upgraded");
        }

        @Override public void onRead(byte[] data) {
            connection.write(new String(data, StandardCharsets.UTF_8).toUpperCase());
        }

        @Override public void onEndOfInput() {
            events.add("end");
            connection.close();
        }

        @Override public void onTimeout() {
            events.add("timeout");
            connection.close();
        }

        /** A shutdown: says goodbye and closes. */
        @Override public void onShutdown() {
            events.add("shutdown");
            connection.write("BYE\r\n");
            connection.close();
        }

        @Override public void onClose() { events.add("closed"); }

        String next() throws InterruptedException {
            String e = events.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) throw new AssertionError("no protocol event within " + LoopThread.WAIT);
            return e;
        }
    }

    private static HttpHandler upgrading(Shout shout) {
        return r -> {
            if (r.path().equals("/shout")) {
                r.sendHeader("X-Extra", "yes");
                r.upgrade("shout", shout);
            } else {
                r.sendResponse("plain " + r.path());
            }
        };
    }

    @BackendTest
    void theProtocolGetsTheBytesBehindTheRequestAndTheEvents(String backend) throws Exception {
        Shout shout = new Shout();
        try (TestServer s = TestServer.start(backend, upgrading(shout)); RawClient c = s.connect()) {
            c.send(UPGRADE + "already here\r\n"); // sent with the request: not parsed as HTTP
            RawClient.Response r = c.read();
            assertEquals(101, r.status());
            assertEquals("shout", r.header("Upgrade"));
            assertEquals("Upgrade", r.header("Connection"));
            assertEquals("yes", r.header("X-Extra"));
            assertEquals("upgraded", shout.next());
            assertEquals("ALREADY HERE", c.line());
            c.send("GET / HTTP/1.1\r\n\r\n");
            assertEquals("GET / HTTP/1.1", c.line(), "after the switch nothing is HTTP");
            assertEquals("", c.line());
            c.socket.shutdownOutput();
            assertEquals("end", shout.next());
            c.assertClosedByServer();
            assertEquals("closed", shout.next());
        }
    }

    @BackendTest
    void anUpgradeBehindPipelinedRequestsWaitsForThem(String backend) throws Exception {
        Shout shout = new Shout();
        CompletableFuture<HttpRequest> slow = new CompletableFuture<>();
        HttpHandler handler = r -> {
            if (r.path().equals("/slow")) slow.complete(r); // answered later
            else upgrading(shout).handle(r);
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + UPGRADE + "late\r\n");
            HttpRequest first = slow.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            s.loop.run(() -> first.sendResponse("slow done"));
            assertEquals("slow done", c.read().text());
            assertEquals(101, c.read().status());
            assertEquals("upgraded", shout.next());
            assertEquals("LATE", c.line());
        }
    }

    @BackendTest
    void anUpgradeAnsweredAsHttpLeavesTheConnectionHttp(String backend) throws Exception {
        HttpHandler handler = r -> r.sendResponse("no upgrade for " + r.path(), 426, "text/plain");
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(UPGRADE + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(426, r.status());
            assertEquals("no upgrade for /next", c.read().text(), "the request behind it is parsed once it is answered");
        }
    }

    @BackendTest
    void upgradeRefusesARequestThatDidNotAskAndAResponseUnderWay(String backend) throws Exception {
        BlockingQueue<String> refusals = new LinkedBlockingQueue<>();
        HttpHandler handler = r -> {
            if (!r.isUpgradeRequest()) {
                refusals.add(assertThrows(IllegalStateException.class, () -> r.upgrade("shout", new Shout())).getMessage());
            } else {
                r.send("started");
                refusals.add(assertThrows(IllegalStateException.class, () -> r.upgrade("shout", new Shout())).getMessage());
            }
            r.finish();
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, c.read().status());
            assertTrue(refusals.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS).contains("did not ask for one"));
            c.send(UPGRADE);
            assertEquals("started", c.read().text());
            assertTrue(refusals.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS).contains("after send()"));
        }
    }

    @BackendTest
    void theIdleTimeoutGoesToTheProtocol(String backend) throws Exception {
        Shout shout = new Shout();
        try (TestServer s = TestServer.start(backend, upgrading(shout), srv -> srv.idleTimeout(java.time.Duration.ofMillis(100)));
             RawClient c = s.connect()) {
            c.send(UPGRADE);
            assertEquals(101, c.read().status());
            assertEquals("upgraded", shout.next());
            assertEquals("timeout", shout.next());
            c.assertClosedByServer();
            assertEquals("closed", shout.next());
        }
    }

    @BackendTest
    void aStreamedBodyMustEndBeforeTheUpgradeAndAnAnsweredOneLeavesTheConnectionHttp(String backend) throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        HttpHandler handler = r -> {
            if (r.path().equals("/early")) {
                seen.add(assertThrows(IllegalStateException.class, () -> r.upgrade("shout", new Shout())).getMessage());
                r.sendResponse("answered before the body ended"); // then the body ends: the connection must stay HTTP
            } else {
                r.sendResponse("next " + r.path());
            }
        };
        try (TestServer s = TestServer.start(backend, handler, srv -> srv.streamBodies(r -> true)); RawClient c = s.connect()) {
            c.send("POST /early HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\nContent-Length: 5\r\n\r\n");
            assertEquals("answered before the body ended", c.read().text());
            assertTrue(seen.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS).contains("streamed body"));
            c.send("hello" + "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("next /after", c.read().text());
        }
    }

    @BackendTest
    void aShutdownTellsTheUpgradedProtocolAndEndsOnceItCloses(String backend) throws Exception {
        Shout shout = new Shout();
        try (TestServer s = TestServer.start(backend, upgrading(shout)); RawClient c = s.connect()) {
            c.send(UPGRADE);
            assertEquals(101, c.read().status());
            assertEquals("upgraded", shout.next());
            CompletableFuture<Void> done = s.server.shutdown(Duration.ofSeconds(60));
            assertEquals("shutdown", shout.next());
            assertEquals("BYE", c.line(), "the protocol's goodbye");
            c.assertClosedByServer();
            assertEquals("closed", shout.next());
            // long before the 60 s deadline: the protocol closed its connection, the only one
            done.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(s.server.isClosed());
            Refusals.awaitRefused(s.port);
        }
    }

    @BackendTest
    void aConnectionUpgradedWhileTheServerShutsDownIsToldRightAfterTheUpgrade(String backend) throws Exception {
        Shout shout = new Shout();
        CompletableFuture<HttpRequest> held = new CompletableFuture<>();
        try (TestServer s = TestServer.start(backend, held::complete); RawClient c = s.connect()) {
            c.send(UPGRADE);
            HttpRequest r = held.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture<Void> done = s.server.shutdown(Duration.ofSeconds(60));
            s.loop.run(() -> r.upgrade("shout", shout)); // after the shutdown began there: the loop runs tasks in order
            assertEquals(101, c.read().status());
            assertEquals("upgraded", shout.next());
            assertEquals("shutdown", shout.next());
            assertEquals("BYE", c.line());
            c.assertClosedByServer();
            assertEquals("closed", shout.next());
            done.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
