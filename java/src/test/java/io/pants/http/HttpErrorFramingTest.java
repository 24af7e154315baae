// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.httpserver.PantsHttpServerProvider;
import io.pants.web.Application;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How bad input is answered, byte-exactly, on every HTTP layer: {@link HttpServer}, an
 * {@link Application} on one, and the JDK-API provider (which streams every body). An error
 * answer has {@code Content-Length} and {@code Connection: close}, no body for a HEAD, and
 * nothing but the close follows it; requests before the bad one are answered first.
 */
@ExtendWith(NoDescriptorLeaks.class)
class HttpErrorFramingTest {
    private static final String HOST = "Host: x\r\n";
    /** The body limit of the layers that read bodies whole (the JDK-API provider streams them, without one). */
    private static final int BODY_LIMIT = 1000;

    /** A server on loopback; closed with everything it runs on. */
    interface Running extends AutoCloseable {
        int port();

        @Override
        void close() throws Exception;
    }

    /**
     * The layers, each serving the same: {@code GET /x} is answered {@code hello /x} a little
     * later (so that what follows it in the input comes while it is unfinished), {@code POST}
     * with the body's length.
     */
    enum Layer {
        HTTP_SERVER(true) {
            @Override
            Running start(String backend) throws Exception {
                HttpHandler handler = r -> {
                    if (r.method().equals("POST")) r.sendResponse("got " + r.body().length);
                    else r.engine().defer(Duration.ofMillis(20), () -> r.sendResponse("hello " + r.path()));
                };
                TestServer s = TestServer.start(backend, handler, server -> server.maxBodySize(BODY_LIMIT));
                return new Running() {
                    public int port() { return s.port; }

                    public void close() throws Exception { s.close(); }
                };
            }
        },
        APPLICATION(true) {
            @Override
            Running start(String backend) throws Exception {
                Application app = new Application();
                for (String rule : List.of("/", "/<name>")) {
                    app.route(rule, Set.of("GET", "POST"), request -> {
                        if (request.method().equals("POST")) return "got " + request.body().length;
                        CompletableFuture<String> later = new CompletableFuture<>();
                        request.engine().defer(Duration.ofMillis(20), () -> later.complete("hello " + request.path()));
                        return later;
                    });
                }
                LoopThread loop = new LoopThread(backend);
                try {
                    int port = loop.call(() -> new HttpServer(loop.engine, app).maxBodySize(BODY_LIMIT).listen("127.0.0.1", 0).port());
                    return new Running() {
                        public int port() { return port; }

                        public void close() throws Exception { loop.close(); }
                    };
                } catch (Exception | AssertionError e) {
                    loop.close();
                    throw e;
                }
            }
        },
        JDK_API(false) {
            @Override
            Running start(String backend) throws Exception {
                com.sun.net.httpserver.HttpServer server = new PantsHttpServerProvider(backend)
                        .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                server.createContext("/", x -> {
                    byte[] body;
                    try (InputStream in = x.getRequestBody()) {
                        body = in.readAllBytes();
                    }
                    String text = x.getRequestMethod().equals("POST") ? "got " + body.length : "hello " + x.getRequestURI().getPath();
                    byte[] answer = text.getBytes(StandardCharsets.UTF_8);
                    x.sendResponseHeaders(200, answer.length);
                    try (OutputStream out = x.getResponseBody()) {
                        out.write(answer);
                    }
                });
                server.start(); // handlers on the loop: their responses go out in tasks, after the loop has read on
                return new Running() {
                    public int port() { return server.getAddress().getPort(); }

                    public void close() { server.stop(0); }
                };
            }
        };

        /** Whether bodies are read whole, with a limit (413 over it). */
        final boolean limitsBodies;

        Layer(boolean limitsBodies) {
            this.limitsBodies = limitsBodies;
        }

        abstract Running start(String backend) throws Exception;
    }

    record Case(String name, String request, int status) {}

    private static String chunked(String method, String body) {
        return method + " / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n" + body;
    }

    /** Malformed chunked bodies: each a 400. */
    static List<Case> malformedChunks() {
        return List.of(
                new Case("chunk size not hex", chunked("POST", "zz\r\nhello\r\n0\r\n\r\n"), 400),
                new Case("chunk size past 64 bits", chunked("POST", "1" + "0".repeat(16) + "\r\n"), 400),
                new Case("junk instead of the next chunk size", chunked("POST", "5\r\nhello\r\n!junk!\r\n0\r\n\r\n"), 400),
                new Case("chunk data not followed by CRLF", chunked("POST", "5\r\nhelloXY0\r\n\r\n"), 400),
                new Case("bare LF after a chunk size", chunked("POST", "5\nhello\r\n0\r\n\r\n"), 400));
    }

    /** Codings that don't end in chunked: the body's length is unknown (RFC 9112 6.3). */
    static List<Case> unknownLength() {
        return List.of(
                new Case("Transfer-Encoding: gzip", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\n\r\nabc", 400),
                new Case("Transfer-Encoding: chunked, gzip", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
                new Case("gzip in one field, identity in the next", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: gzip\r\nTransfer-Encoding: identity\r\n\r\n", 400));
    }

    /** Lengths given two ways (request smuggling: refused, not guessed at), and a well-framed body in a coding not decoded here. */
    static List<Case> ambiguousOrUnsupported() {
        return List.of(
                new Case("chunked and Content-Length", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
                new Case("Content-Length and chunked", "POST / HTTP/1.1\r\n" + HOST
                        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                new Case("Transfer-Encoding: gzip, chunked", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501));
    }

    /** HEAD requests refused at each stage: head, limits, body. */
    static List<Case> badHeads(Layer layer) {
        List<Case> c = new ArrayList<>(List.of(
                new Case("no Host", "HEAD / HTTP/1.1\r\n\r\n", 400),
                new Case("HTTP/2.0", "HEAD / HTTP/2.0\r\n" + HOST + "\r\n", 505),
                new Case("unknown expectation", "HEAD / HTTP/1.1\r\n" + HOST + "Expect: the unexpected\r\n\r\n", 417),
                new Case("Transfer-Encoding: gzip", "HEAD / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\n\r\n", 400),
                new Case("Transfer-Encoding: gzip, chunked", "HEAD / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
                new Case("malformed chunked body", chunked("HEAD", "zz\r\n"), 400)));
        if (layer.limitsBodies) {
            c.add(new Case("body over the limit", "HEAD / HTTP/1.1\r\n" + HOST + "Content-Length: " + (BODY_LIMIT + 1) + "\r\n\r\n", 413));
        }
        return c;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\n" + HOST + "\r\n";
    }

    /**
     * Reads an error answer and checks its framing: the status, {@code Connection: close}, a
     * {@code Content-Length}, the body it counts (none for HEAD); then nothing but the close.
     * Returns the Content-Length.
     */
    private static int assertErrorAnswerThenClose(RawClient c, int status, boolean head) throws IOException {
        RawClient.Response r = c.read(head);
        assertEquals(status, r.status(), r.toString());
        assertEquals("close", r.header("Connection"), r.toString());
        assertNotNull(r.header("Content-Length"), "an error answer says its length: " + r);
        int length = Integer.parseInt(r.header("Content-Length"));
        if (!head) {
            assertEquals(length, r.body().length);
            assertTrue(r.text().startsWith(status + " "), "the body says what went wrong: " + r.text());
        }
        c.assertClosedByServer(); // no stray body, no second answer
        return length;
    }

    private interface Check {
        void run(Layer layer, Running server, Case c) throws Exception;
    }

    /** Runs {@code check} for every case on every layer, saying which failed. */
    private static void onEveryLayer(String backend, java.util.function.Function<Layer, List<Case>> cases, Check check) throws Exception {
        for (Layer layer : Layer.values()) {
            try (Running server = layer.start(backend)) {
                for (Case c : cases.apply(layer)) {
                    try {
                        check.run(layer, server, c);
                    } catch (AssertionError | IOException e) {
                        throw new AssertionError(layer + ", case '" + c.name() + "': " + e.getMessage(), e);
                    }
                }
            }
        }
    }

    @BackendTest
    void anErrorAnswerToHeadHasNoBody(String backend) throws Exception {
        onEveryLayer(backend, HttpErrorFramingTest::badHeads, (layer, server, c) -> {
            int headLength;
            try (RawClient client = new RawClient(server.port())) {
                client.send(c.request());
                headLength = assertErrorAnswerThenClose(client, c.status(), true);
            }
            // the head is the one the same request as GET gets: its Content-Length counts that body
            try (RawClient client = new RawClient(server.port())) {
                client.send("GET" + c.request().substring(4));
                assertEquals(headLength, assertErrorAnswerThenClose(client, c.status(), false), "Content-Length of the HEAD answer");
            }
        });
    }

    @BackendTest
    void aMalformedChunkedBodyIsAnswered400BeforeTheClose(String backend) throws Exception {
        onEveryLayer(backend, layer -> malformedChunks(), (layer, server, c) -> {
            try (RawClient client = new RawClient(server.port())) {
                client.send(c.request());
                assertErrorAnswerThenClose(client, c.status(), false);
            }
            // the same, the bad part arriving in a later write, after a good chunk
            int cut = c.request().indexOf("\r\n\r\n") + 4;
            try (RawClient client = new RawClient(server.port())) {
                client.send(c.request().substring(0, cut) + "3\r\nabc\r\n");
                client.send(c.request().substring(cut));
                assertErrorAnswerThenClose(client, c.status(), false);
            }
        });
    }

    @BackendTest
    void requestsBeforeABadOneAreAnsweredFirstInOrder(String backend) throws Exception {
        List<Case> bad = new ArrayList<>(malformedChunks());
        bad.addAll(ambiguousOrUnsupported());
        bad.add(new Case("not a request line", "NOT HTTP AT ALL\r\n\r\n", 400));
        onEveryLayer(backend, layer -> bad, (layer, server, c) -> {
            try (RawClient client = new RawClient(server.port())) {
                client.send(get("/1") + get("/2") + c.request() + get("/never")); // one write: mostly one packet
                assertEquals("hello /1", client.read().text());
                assertEquals("hello /2", client.read().text());
                assertErrorAnswerThenClose(client, c.status(), false);
            }
        });
    }

    @BackendTest
    void aTransferCodingNotEndingInChunkedIs400AndAClose(String backend) throws Exception {
        List<Case> bad = new ArrayList<>(unknownLength());
        bad.addAll(ambiguousOrUnsupported()); // these as before: 400 (and the close) for two lengths, 501 for gzip, chunked
        onEveryLayer(backend, layer -> bad, (layer, server, c) -> {
            try (RawClient client = new RawClient(server.port())) {
                client.send(c.request() + get("/smuggled"));
                assertErrorAnswerThenClose(client, c.status(), false);
            }
        });
    }
}
