// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.CapturedLog;
import io.pants.LoopThread;
import io.pants.web.Application;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HttpServer.accessLog: one entry per completed response, on the loop thread, off by default. */
@JdkClient.Uses
class AccessLogTest {
    static final HttpHandler HANDLER = request -> {
        switch (request.path()) {
            case "/hello" -> request.sendResponse("Hello", 200, "text/plain");
            case "/boom" -> throw new IllegalStateException("the handler broke");
            default -> request.sendResponse("no such page", 404, "text/plain");
        }
    };

    /** Collects entries, failing a test whose log is called off the loop thread. */
    static final class Entries implements Consumer<AccessLogEntry> {
        final BlockingQueue<AccessLogEntry> queue = new LinkedBlockingQueue<>();
        volatile TestServer server;

        @Override
        public void accept(AccessLogEntry e) {
            if (!server.loop.engine.inLoopThread()) throw new AssertionError("access log called on " + Thread.currentThread());
            queue.add(e);
        }

        AccessLogEntry next(String what) throws InterruptedException {
            AccessLogEntry e = queue.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) throw new AssertionError("no access log entry within " + LoopThread.WAIT + ": " + what);
            return e;
        }
    }

    @BackendTest
    void logsEveryCompletedResponse(String backend) throws Exception {
        Entries entries = new Entries();
        try (CapturedLog log = new CapturedLog(); TestServer s = TestServer.start(backend, HANDLER, server -> {
            assertNull(server.accessLog(), "the access log is off by default");
            server.accessLog(entries);
        })) {
            entries.server = s;
            HttpResponse<String> r = JdkClient.get(s.uri("/hello?x=1"));
            assertEquals(200, r.statusCode());
            AccessLogEntry e = entries.next("the entry for GET /hello");
            assertEquals("GET", e.method());
            assertEquals("/hello?x=1", e.target());
            assertEquals(200, e.status());
            assertEquals(5, e.bodyBytes());
            assertFalse(e.duration().isNegative(), e.toString());
            assertTrue(e.remoteAddress() instanceof InetSocketAddress a && a.getAddress().equals(InetAddress.getByName("127.0.0.1")), e.toString());
            assertTrue(e.toString().contains("\"GET /hello?x=1\" 200 5 "), e.toString());

            r = JdkClient.get().send(HttpServerTest.request(s.uri("/nowhere")).POST(BodyPublishers.ofString("abc")).build(), BodyHandlers.ofString());
            assertEquals(404, r.statusCode());
            e = entries.next("the entry for POST /nowhere");
            assertEquals("POST", e.method());
            assertEquals(404, e.status());
            assertEquals("no such page".length(), e.bodyBytes());

            // the handler's exception is answered with 500, which is logged too
            assertEquals(500, JdkClient.get(s.uri("/boom")).statusCode());
            e = entries.next("the entry for GET /boom");
            assertEquals("/boom", e.target());
            assertEquals(500, e.status());
            assertTrue(entries.queue.isEmpty(), "one entry per response: " + entries.queue);
        }
    }

    @BackendTest
    void logsTheServersOwnErrorAnswers(String backend) throws Exception {
        Entries entries = new Entries();
        try (TestServer s = TestServer.start(backend, HANDLER, server -> server.accessLog(entries))) {
            entries.server = s;
            try (RawClient c = s.connect()) {
                c.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(400, r.status());
                AccessLogEntry e = entries.next("the entry for the 400");
                assertEquals(400, e.status());
                assertEquals(r.body().length, e.bodyBytes(), e.toString());
            }
        }
    }

    @BackendTest
    void anExceptionInTheLogIsLoggedAndTheServerCarriesOn(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); TestServer s = TestServer.start(backend, HANDLER,
                server -> server.accessLog(e -> { throw new IllegalStateException("log broke"); }))) {
            assertEquals(200, JdkClient.get(s.uri("/hello")).statusCode());
            assertEquals(200, JdkClient.get(s.uri("/hello")).statusCode(), "the server still answers");
            log.await("the access log's exception", r -> r.getThrown() != null && "log broke".equals(r.getThrown().getMessage()));
        }
    }

    @BackendTest
    void worksThroughAnApplication(String backend) throws Exception {
        Application app = new Application();
        app.route("/", request -> "Hello, World!");
        Entries entries = new Entries();
        try (TestServer s = TestServer.start(backend, app, server -> server.accessLog(entries))) {
            entries.server = s;
            assertEquals("Hello, World!", JdkClient.get(s.uri("/")).body());
            AccessLogEntry e = entries.next("the application's entry");
            assertEquals("GET", e.method());
            assertEquals("/", e.target());
            assertEquals(200, e.status());
            assertEquals("Hello, World!".length(), e.bodyBytes());
        }
    }
}
