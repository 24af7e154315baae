// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.CapturedLog;
import io.pants.LoopThread;
import io.pants.Server;
import io.pants.Stream;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests reach the handler whole, and its responses reach real clients. */
@JdkClient.Uses
class HttpServerTest {
    /** The handler from the issue and the README, verbatim. */
    static final HttpHandler HELLO = request -> {
        request.sendStatus(200);
        request.sendHeaders(Map.of("Content-Type", "text/plain"));
        request.send("Hello, World!");
        request.finish();
    };

    static java.net.http.HttpRequest.Builder request(URI uri) {
        return java.net.http.HttpRequest.newBuilder(uri).timeout(LoopThread.WAIT);
    }

    @BackendTest
    void helloWorldReachesTheJdkClient(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, HELLO)) {
            HttpResponse<String> r = JdkClient.get(s.uri("/"));
            assertEquals(200, r.statusCode());
            assertEquals("Hello, World!", r.body());
            assertEquals("text/plain", r.headers().firstValue("content-type").orElse(null));
            assertEquals("13", r.headers().firstValue("content-length").orElse(null), "a body finished at once has a length");
            assertEquals("pants", r.headers().firstValue("server").orElse(null));
            String date = r.headers().firstValue("date").orElse(null);
            assertNotNull(date, "no Date header");
            long seconds = HttpDates.parse(date);
            assertTrue(Math.abs(seconds - System.currentTimeMillis() / 1000) < 60, "Date is not now: " + date);
        }
    }

    @BackendTest
    void theRequestFieldsReachTheHandler(String backend) throws Exception {
        CompletableFuture<List<Object>> seen = new CompletableFuture<>();
        HttpHandler handler = r -> {
            seen.complete(List.of(r.method(), r.target(), r.path(), r.rawPath(), r.query(), r.queryParameters(),
                    r.queryParameter("x"), r.version(), r.headers().all("x-REPEAT"), r.header("HOST"), r.cookies(),
                    r.cookie("b"), r.body().length, r.isSecure(), r.remoteAddress(), r.isKeepAlive()));
            r.sendResponse("ok");
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("GET /a%20b/c%C3%A9?x=1&y=hello+world&x=2&z=%E2%82%AC HTTP/1.1\r\nHost: example.org\r\n"
                    + "X-Repeat: one\r\nx-repeat:  two \r\nCookie: a=1; b=\"two\"\r\nCookie: c=3; a=ignored\r\n\r\n");
            assertEquals(200, c.read().status());
            List<Object> f = seen.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("GET", f.get(0));
            assertEquals("/a%20b/c%C3%A9?x=1&y=hello+world&x=2&z=%E2%82%AC", f.get(1), "target");
            assertEquals("/a b/c\u00e9", f.get(2), "decoded path");
            assertEquals("/a%20b/c%C3%A9", f.get(3), "raw path");
            assertEquals("x=1&y=hello+world&x=2&z=%E2%82%AC", f.get(4), "query");
            assertEquals(Map.of("x", List.of("1", "2"), "y", List.of("hello world"), "z", List.of("\u20ac")), f.get(5));
            assertEquals("1", f.get(6));
            assertEquals("HTTP/1.1", f.get(7));
            assertEquals(List.of("one", "two"), f.get(8), "repeated headers, case-insensitive, values trimmed");
            assertEquals("example.org", f.get(9));
            assertEquals(Map.of("a", "1", "b", "two", "c", "3"), f.get(10), "cookies");
            assertEquals("two", f.get(11));
            assertEquals(0, f.get(12));
            assertEquals(false, f.get(13));
            InetSocketAddress remote = (InetSocketAddress) f.get(14);
            assertEquals(c.socket.getLocalPort(), remote.getPort(), "remote address");
            assertTrue(remote.getAddress().isLoopbackAddress());
            assertEquals(true, f.get(15));
        }
    }

    @BackendTest
    void absoluteAndAsteriskTargetsAreUnderstood(String backend) throws Exception {
        HttpHandler handler = r -> r.sendResponse(r.method() + " " + r.path() + " " + r.query());
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("GET http://example.org:8080/p%2Fq/r?s=1 HTTP/1.1\r\nHost: example.org:8080\r\n\r\n");
            assertEquals("GET /p/q/r s=1", c.read().text());
            c.send("GET HTTPS://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n");
            assertEquals("GET / null", c.read().text());
            c.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("OPTIONS * null", c.read().text());
            c.send("DELETE /thing? HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("DELETE /thing ", c.read().text(), "an empty query is empty, not absent");
            c.send("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("BREW /pot null", c.read().text(), "methods are the handler's business");
        }
    }

    @BackendTest
    void bodiesWithContentLengthAndChunkedComeWhole(String backend) throws Exception {
        HttpHandler echo = r -> r.sendResponse(r.body(), 200, "application/octet-stream");
        try (TestServer s = TestServer.start(backend, echo)) {
            byte[] big = new byte[300_000];
            for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 7 + i / 1000);
            // a known length: Content-Length
            HttpResponse<byte[]> fixed = JdkClient.get().send(request(s.uri("/echo")).POST(BodyPublishers.ofByteArray(big)).build(),
                    BodyHandlers.ofByteArray());
            assertEquals(200, fixed.statusCode());
            assertArrayEquals(big, fixed.body(), "Content-Length body");
            // an unknown length: the JDK client sends it chunked
            HttpResponse<byte[]> chunked = JdkClient.get().send(request(s.uri("/echo"))
                            .POST(BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                    BodyHandlers.ofByteArray());
            assertEquals(200, chunked.statusCode());
            assertArrayEquals(big, chunked.body(), "chunked body");
            // and curl, chunked
            java.nio.file.Path file = java.nio.file.Files.createTempFile("pants-http", ".bin");
            try {
                java.nio.file.Files.write(file, big);
                Curl.Result r = Curl.run("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, s.url("/echo"));
                assertEquals(0, r.exitCode(), r.stderr());
                assertArrayEquals(big, r.stdout(), "curl's chunked upload");
            } finally {
                java.nio.file.Files.delete(file);
            }
        }
    }

    @BackendTest
    void chunkedBodiesKeepTheirTrailersAndExtensionsAreIgnored(String backend) throws Exception {
        HttpHandler handler = r -> r.sendResponse(r.bodyText() + "|" + r.trailers().get("x-checksum") + "|" + r.trailers().size()
                + "|" + r.header("X-Checksum"));
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=value\r\nhello\r\n6 ; quoted=\"a b\"\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals("hello world|abc|2|null", r.text(), "body, trailers (kept apart from the headers)");
            // the connection goes on: the next request is read right after the trailers
            c.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            assertEquals("abc|null|0|null", c.read().text());
        }
    }

    @BackendTest
    void urlEncodedAndMultipartFormsAreDecoded(String backend) throws Exception {
        HttpHandler handler = r -> {
            FormData form = r.form();
            StringBuilder b = new StringBuilder();
            b.append(form.fields());
            for (FormData.Part p : form.files()) {
                b.append(" file ").append(p.name()).append('=').append(p.fileName()).append(':').append(p.contentType())
                        .append(':').append(p.text());
            }
            r.sendResponse(b.toString());
        };
        try (TestServer s = TestServer.start(backend, handler)) {
            HttpResponse<String> urlEncoded = JdkClient.get().send(request(s.uri("/form"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(BodyPublishers.ofString("name=J%C3%BCrgen&tags=a&tags=b+c&empty=&flag")).build(), BodyHandlers.ofString());
            assertEquals("{name=[J\u00fcrgen], tags=[a, b c], empty=[], flag=[]}", urlEncoded.body());

            String boundary = "----pants-boundary-42";
            String multipart = "preamble to ignore\r\n--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"title\"\r\n\r\nA title\r\nwith two lines\r\n--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"upload\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                    + "--not a boundary\r\nfile text\r\n--" + boundary + "--\r\nepilogue";
            HttpResponse<String> parts = JdkClient.get().send(request(s.uri("/form"))
                    .header("Content-Type", "multipart/form-data; boundary=\"" + boundary + "\"")
                    .POST(BodyPublishers.ofString(multipart)).build(), BodyHandlers.ofString());
            assertEquals("{title=[A title\r\nwith two lines]} file upload=notes.txt:text/plain:--not a boundary\r\nfile text", parts.body());

            // curl -F makes its own multipart body
            java.nio.file.Path upload = java.nio.file.Files.createTempFile("pants-form", ".txt");
            try {
                java.nio.file.Files.writeString(upload, "file body\r\n--");
                Curl.Result curl = Curl.run("-F", "greeting=hello world", "-F", "doc=@" + upload + ";filename=a.txt;type=text/x-test",
                        s.url("/form"));
                assertEquals(0, curl.exitCode(), curl.stderr());
                assertEquals("{greeting=[hello world]} file doc=a.txt:text/x-test:file body\r\n--", curl.out());
            } finally {
                java.nio.file.Files.delete(upload);
            }

            // a multipart body that breaks off: the handler's form() answers 400, not 500
            HttpResponse<String> broken = JdkClient.get().send(request(s.uri("/form"))
                    .header("Content-Type", "multipart/form-data; boundary=xyz")
                    .POST(BodyPublishers.ofString("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end")).build(),
                    BodyHandlers.ofString());
            assertEquals(400, broken.statusCode(), broken.body());
        }
    }

    @BackendTest
    void connectionsAreKeptAliveAndReused(String backend) throws Exception {
        List<Integer> ports = new ArrayList<>();
        HttpHandler handler = r -> {
            ports.add(((InetSocketAddress) r.remoteAddress()).getPort());
            r.sendResponse(r.path());
        };
        try (TestServer s = TestServer.start(backend, handler)) {
            try (RawClient c = s.connect()) {
                for (int i = 0; i < 3; i++) {
                    c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertEquals("/" + i, r.text());
                    assertNull(r.header("Connection"), "HTTP/1.1 keeps the connection without saying so");
                }
                // the last one asks to close: answered, then closed
                c.send("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                RawClient.Response last = c.read();
                assertEquals("/last", last.text());
                assertEquals("close", last.header("Connection"));
                c.assertClosedByServer();
            }
            // HTTP/1.0: closed after each response, unless it asks for keep-alive
            try (RawClient c = s.connect()) {
                c.send("GET /old HTTP/1.0\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals("/old", r.text());
                assertEquals("close", r.header("Connection"));
                c.assertClosedByServer();
            }
            try (RawClient c = s.connect()) {
                c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                RawClient.Response a = c.read();
                assertEquals("keep-alive", a.header("Connection"));
                c.send("GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
                assertEquals("/b", c.read().text());
            }
            // curl with two URLs reuses its connection: both requests come from one port
            int before = s.loop.call(ports::size);
            Curl.Result curl = Curl.run(s.url("/x"), s.url("/y"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertEquals("/x/y", curl.out());
            List<Integer> curlPorts = s.loop.call(() -> List.copyOf(ports.subList(before, ports.size())));
            assertEquals(2, curlPorts.size());
            assertEquals(curlPorts.get(0), curlPorts.get(1), "curl's second request came on another connection");
        }
    }

    @BackendTest
    void headResponsesHaveNoBody(String backend) throws Exception {
        HttpHandler handler = r -> {
            if (r.path().equals("/stream")) {
                r.send("streamed, ");
                r.engine().callback(() -> {
                    r.send("later");
                    r.finish();
                });
            } else {
                HELLO.handle(r);
            }
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response head = c.read(true);
            assertEquals(200, head.status());
            assertEquals("13", head.header("Content-Length"), "HEAD says how long GET's body would be");
            c.send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response streamed = c.read(true);
            assertEquals("chunked", streamed.header("Transfer-Encoding"));
            // had any body bytes followed, this next response would not parse
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("Hello, World!", c.read().text());
            Curl.Result curl = Curl.run("--head", s.url("/"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertTrue(curl.out().startsWith("HTTP/1.1 200 OK\r\n") && curl.out().contains("Content-Length: 13\r\n"), curl.out());
        }
    }

    @BackendTest
    void responsesStillOpenAfterTheHandlerAreStreamedChunked(String backend) throws Exception {
        HttpHandler handler = r -> {
            r.sendStatus(201, "Made It");
            r.sendHeader("X-Part", "1");
            r.sendHeader("x-part", "2");
            r.send("first ");
            r.engine().defer(Duration.ofMillis(20), () -> {
                r.send("second ".getBytes(StandardCharsets.UTF_8));
                r.engine().callback(() -> {
                    r.send("third");
                    r.finish();
                });
            });
        };
        try (TestServer s = TestServer.start(backend, handler)) {
            try (RawClient c = s.connect()) {
                c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(201, r.status());
                assertEquals("Made It", r.reason());
                assertEquals("chunked", r.header("Transfer-Encoding"));
                assertNull(r.header("Content-Length"));
                assertEquals(List.of("1", "2"), r.headers().get("X-Part"));
                assertEquals("first second third", r.text());
                // HTTP/1.0 has no chunks: the body ends with the connection
                c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("first second third", c.read().text());
            }
            try (RawClient c = s.connect()) {
                c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                RawClient.Response r = c.read();
                assertNull(r.header("Transfer-Encoding"));
                assertEquals("close", r.header("Connection"));
                assertEquals("first second third", r.text());
            }
            HttpResponse<String> jdk = JdkClient.get(s.uri("/"));
            assertEquals("first second third", jdk.body());
        }
    }

    /** A response finished from another stream's callback: the handler asks a backend over TCP first. */
    @BackendTest
    void aResponseCanBeFinishedFromAnotherStreamsCallback(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int backendPort = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override protected void onRead(byte[] data) { write(new String(data, StandardCharsets.UTF_8).toUpperCase()); }
            }).listen("127.0.0.1", 0).port());
            HttpHandler handler = r -> new Stream(r.engine()) {
                @Override protected void onConnect() { write(r.queryParameter("say")); }

                @Override protected void onRead(byte[] data) {
                    r.sendResponse("backend says " + new String(data, StandardCharsets.UTF_8));
                    close();
                }
            }.connect(new InetSocketAddress("127.0.0.1", backendPort));
            int port = loop.call(() -> new HttpServer(loop.engine, handler).listen("127.0.0.1", 0).port());
            HttpResponse<String> r = JdkClient.get(URI.create("http://127.0.0.1:" + port + "/?say=hello"));
            assertEquals("backend says HELLO", r.body());
        }
    }

    @BackendTest
    void handlerErrorsBecomeResponsesUntilSomethingWasSent(String backend) throws Exception {
        HttpHandler handler = r -> {
            switch (r.path()) {
                case "/boom" -> {
                    r.sendStatus(201);
                    r.sendHeader("X-Discarded", "yes");
                    r.send("never seen");
                    throw new IllegalStateException("boom");
                }
                case "/missing" -> throw new HttpException(404, "no such thing");
                case "/late" -> {
                    r.send(new byte[20_000]); // past the buffer: the head and a chunk are out
                    throw new IllegalStateException("too late to answer 500");
                }
                default -> r.sendResponse("fine");
            }
        };
        try (CapturedLog log = new CapturedLog(); TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response boom = c.read();
            assertEquals(500, boom.status());
            assertNull(boom.header("X-Discarded"), "the handler's unsent headers go with its unsent response");
            assertEquals("500 Internal Server Error\n", boom.text(), "the exception's message stays on the server");
            c.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response missing = c.read();
            assertEquals(404, missing.status());
            assertEquals("404 Not Found: no such thing\n", missing.text());
            c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fine", c.read().text(), "the connection survives handler errors");
            c.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", c.line());
            String head = new String(c.readToEnd(), StandardCharsets.ISO_8859_1);
            assertTrue(head.contains("Transfer-Encoding: chunked\r\n"), head);
            assertFalse(head.endsWith("0\r\n\r\n"), "a cut-off response must not end like a complete one");
            // the two unexpected exceptions are logged with their request; the HttpException is an answer, not an error
            LogRecord boomLog = log.await("the handler's exception", r -> r.getThrown() instanceof IllegalStateException e && e.getMessage().equals("boom"));
            assertTrue(boomLog.getMessage().contains("GET /boom"), boomLog.getMessage());
            log.await("the late exception", r -> r.getThrown() != null && "too late to answer 500".equals(r.getThrown().getMessage()));
            assertEquals(List.of(), log.matching(r -> r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()
                    && r.getThrown() instanceof HttpException), "an HttpException is not an error to log");
        }
    }

    /** A client that half-closes after its requests (printf ... | nc) still gets every answer, then the close. */
    @BackendTest
    void aClientThatHalfClosesIsAnsweredBeforeTheClose(String backend) throws Exception {
        HttpHandler later = r -> r.engine().defer(Duration.ofMillis(20), () -> r.sendResponse("late " + r.path()));
        try (TestServer s = TestServer.start(backend, later); RawClient c = s.connect()) {
            c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
            c.socket.shutdownOutput();
            assertEquals("late /1", c.read().text());
            assertEquals("late /2", c.read().text());
            c.assertClosedByServer();
        }
        try (TestServer s = TestServer.start(backend, later); RawClient c = s.connect()) {
            c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /cut-off HTTP/1.1\r\nHo");
            c.socket.shutdownOutput();
            assertEquals("late /1", c.read().text());
            c.assertClosedByServer(); // the unfinished request can't be answered
        }
    }

    @BackendTest
    void upgradeRequestsAreAnsweredAsHttp11(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, HELLO); RawClient c = s.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("HTTP/1.1", r.version());
            assertEquals("Hello, World!", r.text());
        }
    }

    @BackendTest
    void theDefaultMaxBodyAndHeaderLimitsAreTheDocumentedOnes(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, HELLO)) {
            assertEquals(8 * 1024, s.server.maxHeaderLineSize());
            assertEquals(64 * 1024, s.server.maxHeaderSize());
            assertEquals(10L * 1024 * 1024, s.server.maxBodySize());
            // a header line of exactly the limit passes; one byte more is refused
            String name = "X-Long: ";
            String fits = "a".repeat(8 * 1024 - name.length());
            try (RawClient c = s.connect()) {
                c.send("GET / HTTP/1.1\r\nHost: x\r\n" + name + fits + "\r\n\r\n");
                assertEquals(200, c.read().status());
                c.send("GET / HTTP/1.1\r\nHost: x\r\n" + name + fits + "a\r\n\r\n");
                assertEquals(431, c.read().status());
            }
        }
    }
}
