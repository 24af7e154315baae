// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.LoopThread;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The response side: headers the server manages, misuse, backpressure, clients that leave. */
@JdkClient.Uses
class HttpResponseTest {
    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @BackendTest
    void aDeclaredContentLengthIsStreamedWithoutChunks(String backend) throws Exception {
        HttpHandler handler = r -> {
            r.sendHeaders(Map.of("Content-Length", "11", "Date", "Mon, 01 Jan 2024 00:00:00 GMT", "Server", "mine"));
            r.send("hello ");
            r.engine().defer(Duration.ofMillis(10), () -> {
                r.send("world");
                r.finish();
            });
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/"));
            RawClient.Response r = c.read();
            assertEquals("11", r.header("Content-Length"));
            assertNull(r.header("Transfer-Encoding"));
            assertEquals("hello world", r.text());
            assertEquals("Mon, 01 Jan 2024 00:00:00 GMT", r.header("Date"), "the handler's Date replaces the server's");
            assertEquals("mine", r.header("Server"));
            c.send(get("/"));
            assertEquals("hello world", c.read().text(), "the connection goes on");
        }
    }

    @BackendTest
    void aBodyShorterThanDeclaredClosesTheConnection(String backend) throws Exception {
        HttpHandler handler = r -> {
            r.sendHeader("Content-Length", "100");
            r.send("too short");
            r.engine().callback(r::finish);
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/"));
            assertEquals("HTTP/1.1 200 OK", c.line());
            String rest = new String(c.readToEnd(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(rest.endsWith("\r\n\r\ntoo short"), "only the short body, then the close: " + rest);
        }
    }

    @BackendTest
    void noContentAndNotModifiedCarryNoBody(String backend) throws Exception {
        HttpHandler handler = r -> {
            r.sendStatus(r.path().equals("/204") ? 204 : 304);
            r.send("dropped");
            r.finish();
        };
        try (TestServer s = TestServer.start(backend, handler, server -> server.serverName(null)); RawClient c = s.connect()) {
            for (String path : List.of("/204", "/304")) {
                c.send(get(path));
                RawClient.Response r = c.read();
                assertEquals(Integer.parseInt(path.substring(1)), r.status());
                assertNull(r.header("Content-Length"), path);
                assertNull(r.header("Transfer-Encoding"), path);
                assertNull(r.header("Server"), "serverName(null) sends none");
            }
            c.send(get("/204"));
            assertEquals(204, c.read().status(), "no stray body bytes before this response");
        }
    }

    @BackendTest
    void misuseIsReportedToTheHandler(String backend) throws Exception {
        CompletableFuture<List<String>> problems = new CompletableFuture<>();
        HttpHandler handler = r -> {
            List<String> seen = new ArrayList<>();
            expect(seen, IllegalArgumentException.class, () -> r.sendStatus(99));
            expect(seen, IllegalArgumentException.class, () -> r.sendStatus(600));
            expect(seen, IllegalArgumentException.class, () -> r.sendHeader("X-Split", "a\r\nSet-Cookie: evil=1"));
            expect(seen, IllegalArgumentException.class, () -> r.sendHeader("Bad Name", "x"));
            expect(seen, IllegalArgumentException.class, () -> r.sendHeader("X-Euro", "\u20ac"));
            expect(seen, IllegalArgumentException.class, () -> r.sendHeader("Transfer-Encoding", "chunked"));
            expect(seen, IllegalArgumentException.class, () -> r.sendHeader("Content-Length", "-3"));
            r.send(new byte[20_000]); // past the buffer: the head is out
            expect(seen, IllegalStateException.class, () -> r.sendStatus(404));
            expect(seen, IllegalStateException.class, () -> r.sendHeader("X-Late", "1"));
            expect(seen, IllegalStateException.class, () -> r.sendResponse("late"));
            r.finish();
            r.finish(); // a second finish does nothing
            expect(seen, IllegalStateException.class, () -> r.send("after finish"));
            Thread other = new Thread(() -> expect(seen, IllegalStateException.class, () -> r.send("from another thread")));
            other.start();
            other.join(LoopThread.WAIT.toMillis());
            problems.complete(seen);
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/"));
            assertEquals(20_000, c.read().body().length);
            List<String> seen = problems.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(List.of(), seen.stream().filter(p -> p.startsWith("NOT THROWN")).toList(), "misuse that went through: " + seen);
            assertEquals(12, seen.size(), seen.toString());
        }
    }

    private static void expect(List<String> seen, Class<? extends Throwable> type, Runnable misuse) {
        try {
            misuse.run();
            synchronized (seen) { seen.add("NOT THROWN: " + type.getSimpleName()); }
        } catch (Throwable e) {
            synchronized (seen) { seen.add(type.isInstance(e) ? type.getSimpleName() : "NOT THROWN: " + type.getSimpleName() + ", but " + e); }
        }
    }

    /** A big response streamed as the client takes it: isWritable() and onDrain(). */
    @BackendTest
    void streamingFollowsTheClientsPace(String backend) throws Exception {
        int pieces = 400, size = 32 * 1024;
        AtomicInteger drains = new AtomicInteger();
        HttpHandler handler = r -> {
            int[] sent = {0};
            Runnable more = () -> {
                byte[] piece = new byte[size];
                while (r.isWritable() && sent[0] < pieces) {
                    java.util.Arrays.fill(piece, (byte) sent[0]);
                    r.send(piece);
                    sent[0]++;
                }
                if (sent[0] == pieces) r.finish();
            };
            r.onDrain(() -> {
                drains.incrementAndGet();
                more.run();
            });
            more.run();
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/"));
            byte[] body = c.read().body();
            assertEquals(pieces * size, body.length);
            for (int i = 0; i < pieces; i++) assertEquals((byte) i, body[i * size + size / 2], "piece " + i);
            assertTrue(drains.get() > 0, "the stream never reported back-pressure");
        }
    }

    /**
     * A client that leaves is noticed when the response is written to it (its end of stream
     * alone could be a half-close, after which it still reads): the stream ticking here stops.
     */
    @BackendTest
    void aClientThatLeavesAbortsItsUnfinishedRequest(String backend) throws Exception {
        CountDownLatch aborted = new CountDownLatch(1);
        CompletableFuture<HttpRequest> held = new CompletableFuture<>();
        HttpHandler handler = r -> {
            io.pants.Timer ticking = r.engine().cycle(Duration.ofMillis(10), () -> r.send("tick\n"));
            r.onAbort(() -> {
                ticking.cancel();
                aborted.countDown();
            });
            held.complete(r);
        };
        try (TestServer s = TestServer.start(backend, handler)) {
            try (RawClient c = s.connect()) {
                c.send(get("/"));
                assertEquals("HTTP/1.1 200 OK", c.line());
            }
            assertTrue(aborted.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "onAbort was not called");
            HttpRequest r = held.get();
            boolean[] state = s.loop.call(() -> {
                r.send("into the void"); // dropped, no exception
                r.finish();
                return new boolean[] {r.isAborted(), r.isFinished(), r.isWritable()};
            });
            assertTrue(state[0] && state[1] && !state[2]);
        }
    }

    @BackendTest
    void closingTheServerAbortsUnfinishedRequests(String backend) throws Exception {
        CountDownLatch aborted = new CountDownLatch(1);
        CountDownLatch handled = new CountDownLatch(1);
        HttpHandler handler = r -> {
            r.onAbort(aborted::countDown);
            handled.countDown();
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/"));
            assertTrue(handled.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            s.loop.run(s.server::close);
            assertTrue(aborted.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "onAbort was not called");
            c.assertClosedByServer();
        }
    }

    @BackendTest
    void closingTheServerClosesItsConnections(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("x")); RawClient c = s.connect()) {
            c.send(get("/"));
            assertEquals("x", c.read().text());
            s.loop.run(s.server::close);
            c.assertClosedByServer();
            assertThrows(java.io.IOException.class, () -> {
                try (RawClient again = s.connect()) {
                    again.send(get("/"));
                    again.read();
                }
            });
        }
    }
}
