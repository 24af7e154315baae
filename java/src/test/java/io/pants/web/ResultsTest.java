// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.http.HttpException;
import io.pants.http.HttpRequest;
import io.pants.http.JdkClient;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a handler returns or throws becomes the response. */
@JdkClient.Uses
class ResultsTest {
    @BackendTest
    void aStringIsUtf8Html(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app.route("/", request -> "<p>h\u00e9llo \u20ac</p>"))) {
            HttpResponse<byte[]> r = JdkClient.get().send(t.request("/").build(), BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals("text/html; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
            assertArrayEquals("<p>h\u00e9llo \u20ac</p>".getBytes(StandardCharsets.UTF_8), r.body());
        }
    }

    @BackendTest
    void bytesAreAnOctetStream(String backend) throws Exception {
        byte[] all = new byte[256 * 3];
        for (int i = 0; i < all.length; i++) all[i] = (byte) i;
        try (TestApp t = TestApp.start(backend, app -> app.route("/", request -> all))) {
            HttpResponse<byte[]> r = JdkClient.get().send(t.request("/").build(), BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElse(null));
            assertArrayEquals(all, r.body());
        }
    }

    @BackendTest
    void aResponseGivesStatusHeadersAndContentType(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/created", request -> new Response(201, "{\"id\":7}").contentType("application/json")
                        .header("Location", "/post/7").header("Set-Cookie", "a=1").header("Set-Cookie", "b=2"))
                .route("/bytes", request -> new Response(202, new byte[] {1, 2, 3}))
                .route("/text", request -> new Response("plain default"))
                .route("/moved", request -> Response.redirect("/new?x=1"))
                .route("/gone", request -> new Response(410)))) {
            HttpResponse<String> created = t.get("/created");
            assertEquals(201, created.statusCode());
            assertEquals("{\"id\":7}", created.body());
            assertEquals("application/json", created.headers().firstValue("content-type").orElse(null));
            assertEquals("/post/7", created.headers().firstValue("location").orElse(null));
            assertEquals(List.of("a=1", "b=2"), created.headers().allValues("set-cookie"), "a repeated field is kept");

            HttpResponse<byte[]> bytes = JdkClient.get().send(t.request("/bytes").build(), BodyHandlers.ofByteArray());
            assertEquals(202, bytes.statusCode());
            assertArrayEquals(new byte[] {1, 2, 3}, bytes.body());
            assertEquals("application/octet-stream", bytes.headers().firstValue("content-type").orElse(null));

            HttpResponse<String> text = t.get("/text");
            assertEquals(200, text.statusCode());
            assertEquals("text/html; charset=utf-8", text.headers().firstValue("content-type").orElse(null));

            HttpResponse<String> moved = t.get("/moved");
            assertEquals(302, moved.statusCode());
            assertEquals("/new?x=1", moved.headers().firstValue("location").orElse(null));

            TestApp.Raw gone = t.raw("GET", "/gone");
            assertEquals(410, gone.status());
            assertEquals("0", gone.header("Content-Length"));
            assertEquals(null, gone.header("Content-Type"), "no body, no content type");
        }
    }

    @BackendTest
    void nullIsNoContent(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app.route("/", request -> null))) {
            TestApp.Raw r = t.raw("GET", "/");
            assertEquals(204, r.status(), r.toString());
            assertEquals(0, r.body().length);
            assertEquals(null, r.header("Content-Type"));
            assertEquals(null, r.header("Content-Length"), "a 204 has no Content-Length");
        }
    }

    @BackendTest
    void aPathIsSentAsAFile(String backend) throws Exception {
        Path file = Files.createTempFile("pants-web-result", ".txt");
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/file", request -> file)
                .route("/missing", request -> file.resolveSibling("no-such-file-here.txt")))) {
            Files.writeString(file, "file contents\n");
            HttpResponse<String> r = t.get("/file");
            assertEquals(200, r.statusCode());
            assertEquals("file contents\n", r.body());
            assertEquals("text/plain; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
            assertTrue(r.headers().firstValue("etag").isPresent(), "sendFile's validators: " + r.headers().map());
            assertEquals(404, t.get("/missing").statusCode());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @BackendTest
    void anHttpExceptionAnswersWithItsStatus(String backend) throws Exception {
        try (WebLog log = new WebLog();
             TestApp t = TestApp.start(backend, app -> app
                     .route("/private", request -> { throw new HttpException(403, "members only"); })
                     .route("/teapot", request -> { throw new HttpException(418); }))) {
            HttpResponse<String> r = t.get("/private");
            assertEquals(403, r.statusCode());
            assertEquals("403 Forbidden: members only\n", r.body());
            assertEquals("text/plain; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
            assertEquals(418, t.get("/teapot").statusCode());
            assertEquals(List.of(), log.errors(), "an HttpException is an answer, not an error to log");
        }
    }

    @BackendTest
    void otherExceptionsAnswer500AndAreLogged(String backend) throws Exception {
        try (WebLog log = new WebLog();
             TestApp t = TestApp.start(backend, app -> app
                     .route("/bug", request -> { throw new IllegalStateException("a bug in the handler"); })
                     .route("/odd", request -> 42)
                     .route("/fine", request -> "still serving"))) {
            HttpResponse<String> r = t.get("/bug");
            assertEquals(500, r.statusCode());
            assertEquals("500 Internal Server Error\n", r.body(), "no details for the client");
            assertEquals(1, log.errors().size(), "the failure is logged once");
            assertEquals("a bug in the handler", log.errors().get(0).getThrown().getMessage());

            assertEquals(500, t.get("/odd").statusCode(), "a result of no known type");
            assertEquals(2, log.errors().size());
            assertTrue(log.errors().get(1).getThrown().getMessage().contains("java.lang.Integer"), log.errors().get(1).getThrown().getMessage());

            assertEquals("still serving", t.get("/fine").body(), "the application lives on");
        }
    }

    @BackendTest
    void aCompletionStageAnswersWhenItCompletes(String backend) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (WebLog log = new WebLog();
             TestApp t = TestApp.start(backend, app -> app
                     .route("/timer", request -> {
                         CompletableFuture<String> later = new CompletableFuture<>();
                         request.engine().defer(Duration.ofMillis(20), () -> later.complete("from a timer"));
                         return later;
                     })
                     .route("/thread", request -> CompletableFuture.supplyAsync(
                             () -> new Response(201, "from another thread"), pool))
                     .route("/done", request -> CompletableFuture.completedFuture("already done"))
                     .route("/nothing", request -> CompletableFuture.completedFuture(null))
                     .route("/refused", request -> CompletableFuture.supplyAsync(() -> { throw new HttpException(409, "conflict"); }, pool))
                     .route("/broken", request -> CompletableFuture.failedFuture(new RuntimeException("async bug"))))) {
            assertEquals("from a timer", t.get("/timer").body());
            HttpResponse<String> thread = t.get("/thread");
            assertEquals(201, thread.statusCode());
            assertEquals("from another thread", thread.body());
            assertEquals("already done", t.get("/done").body());
            assertEquals(204, t.get("/nothing").statusCode());
            HttpResponse<String> refused = t.get("/refused");
            assertEquals(409, refused.statusCode());
            assertEquals("409 Conflict: conflict\n", refused.body());
            assertEquals(500, t.get("/broken").statusCode());
            assertEquals(1, log.errors().size(), "only the RuntimeException is logged");
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @BackendTest
    void pipelinedAnswersKeepTheirOrderWhenTheFirstCompletesLast(String backend) throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        CountDownLatch secondAnswered = new CountDownLatch(1);
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/first", request -> first)
                .route("/second", request -> {
                    secondAnswered.countDown();
                    return "second";
                }));
             Socket s = new Socket("127.0.0.1", t.port)) {
            s.setSoTimeout((int) LoopThread.WAIT.toMillis());
            s.getOutputStream().write(("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(secondAnswered.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the second request was not handled");
            first.complete("first"); // from this thread, after the second was answered
            InputStream in = new BufferedInputStream(s.getInputStream());
            assertEquals("first", readBody(in));
            assertEquals("second", readBody(in));
        }
    }

    @BackendTest
    void aStageCompletingAfterTheClientLeftIsDropped(String backend) throws Exception {
        CompletableFuture<String> later = new CompletableFuture<>();
        CountDownLatch handled = new CountDownLatch(1), aborted = new CountDownLatch(1);
        try (WebLog log = new WebLog();
             TestApp t = TestApp.start(backend, app -> app
                     .route("/later", request -> {
                         request.http().onAbort(aborted::countDown);
                         handled.countDown();
                         return later;
                     })
                     .route("/", request -> "still here"))) {
            try (Socket s = new Socket("127.0.0.1", t.port)) {
                s.getOutputStream().write("GET /later HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                assertTrue(handled.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the request was not handled");
                // a reset, not a FIN: a client that only half-closes still gets its answer
                s.setSoLinger(true, 0);
            }
            assertTrue(aborted.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the server did not see the client leave");
            later.complete("too late");
            assertEquals("still here", t.get("/").body());
            assertEquals(List.of(), log.errors());
        }
    }

    /** Reads one response with a Content-Length off a kept-alive connection, and returns its body. */
    private static String readBody(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertTrue(c >= 0, "the connection closed inside a response head: " + head);
            head.append((char) c);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 200 "), head.toString());
        Matcher m = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)\r\n").matcher(head);
        assertTrue(m.find(), "no Content-Length in " + head);
        byte[] body = in.readNBytes(Integer.parseInt(m.group(1)));
        return new String(body, StandardCharsets.UTF_8);
    }

    @BackendTest
    void startAsyncLeavesTheResponseToTheHandler(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/stream", request -> {
                    HttpRequest http = request.startAsync();
                    http.sendHeader("Content-Type", "text/plain");
                    http.send("first,");
                    request.engine().defer(Duration.ofMillis(20), () -> {
                        http.send("second");
                        http.finish();
                    });
                    return "ignored";
                })
                .route("/direct", request -> {
                    request.http().sendResponse("answered directly", 200, "text/plain");
                    return null; // not a 204: the request is already answered
                }))) {
            HttpResponse<String> r = t.get("/stream");
            assertEquals(200, r.statusCode());
            assertEquals("first,second", r.body());
            assertEquals("text/plain", r.headers().firstValue("content-type").orElse(null));
            HttpResponse<String> direct = t.get("/direct");
            assertEquals(200, direct.statusCode());
            assertEquals("answered directly", direct.body());
            assertFalse(direct.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        }
    }
}
