// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import io.pants.BackendTest;
import io.pants.CapturedLog;
import io.pants.LoopThread;
import io.pants.http.Curl;
import io.pants.http.JdkClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application written against the JDK's HttpServer API, run on the Pants provider and asked
 * by real clients (the JDK's HttpClient and curl): lengths, streaming, uploads, HEAD, filters,
 * authentication, contexts.
 */
@JdkClient.Uses
class JdkApplicationTest {
    static HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(LoopThread.WAIT);
    }

    static HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return JdkClient.get().send(r, BodyHandlers.ofString());
    }

    @BackendTest
    void aFixedLengthResponseReachesBothClients(String backend) throws Exception {
        try (RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<String> r = JdkClient.get(s.uri("/"));
            assertEquals(200, r.statusCode());
            assertEquals(JdkApiApplication.HELLO, r.body());
            assertEquals("13", r.headers().firstValue("content-length").orElse(null));
            assertEquals("text/plain; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
            assertEquals("pants", r.headers().firstValue("server").orElse(null), "not served by Pants");

            Curl.Result c = Curl.run("--include", s.uri("/").toString());
            assertEquals(0, c.exitCode(), c.stderr());
            assertTrue(c.out().startsWith("HTTP/1.1 200 OK\r\n"), c.out());
            assertTrue(c.out().contains("\r\nContent-Length: 13\r\n"), c.out());
            assertTrue(c.out().endsWith("\r\n\r\n" + JdkApiApplication.HELLO), c.out());
        }
    }

    @BackendTest
    void aStreamedResponseArrivesAsItIsWritten(String backend) throws Exception {
        // the handler blocks between its writes until we have read the first: that takes a
        // thread of its own (on the loop, it would hold up the loop that is to send the first)
        try (RunningApplication s = RunningApplication.start(backend, java.util.concurrent.Executors.newSingleThreadExecutor())) {
            HttpResponse<InputStream> r = JdkClient.get().send(request(s.uri("/stream")).build(), BodyHandlers.ofInputStream());
            // the head and the first write are here while the handler waits for us: they were not held back
            assertEquals(200, r.statusCode());
            assertEquals("chunked", r.headers().firstValue("transfer-encoding").orElse(null));
            assertFalse(r.headers().firstValue("content-length").isPresent(), "a streamed body has no length");
            try (InputStream in = r.body()) {
                byte[] first = in.readNBytes(6);
                assertEquals("first\n", new String(first, StandardCharsets.US_ASCII));
                s.app.release.countDown();
                assertEquals("part 2\npart 3\npart 4\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
    }

    @BackendTest
    void contentLengthUploadsReachTheHandler(String backend) throws Exception {
        byte[] body = new byte[300_000];
        new Random(7).nextBytes(body);
        try (RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<byte[]> r = JdkClient.get().send(request(s.uri("/echo")).POST(BodyPublishers.ofByteArray(body)).build(),
                    BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals("POST", r.headers().firstValue("x-method").orElse(null));
            assertEquals(String.valueOf(body.length), r.headers().firstValue("content-length").orElse(null));
            assertArrayEquals(body, r.body());
        }
    }

    @BackendTest
    void chunkedUploadsReachTheHandler(String backend) throws Exception {
        byte[] body = new byte[200_000];
        new Random(8).nextBytes(body);
        Path file = Files.createTempFile("pants-upload", ".bin");
        try (RunningApplication s = RunningApplication.start(backend)) {
            // the JDK client sends a body of unknown length chunked
            HttpResponse<byte[]> r = JdkClient.get().send(request(s.uri("/echo"))
                    .PUT(BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(), BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals("PUT", r.headers().firstValue("x-method").orElse(null));
            assertArrayEquals(body, r.body());

            Files.write(file, body);
            Curl.Result c = Curl.run("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, s.uri("/echo").toString());
            assertEquals(0, c.exitCode(), c.stderr());
            assertArrayEquals(body, c.stdout(), "curl's chunked upload came back different");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @BackendTest
    void minusOneMeansNoBody(String backend) throws Exception {
        try (RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<String> r = JdkClient.get(s.uri("/nobody"));
            assertEquals(200, r.statusCode());
            assertEquals("", r.body());
            assertEquals("0", r.headers().firstValue("content-length").orElse(null));

            HttpResponse<String> none = JdkClient.get(s.uri("/nocontent"));
            assertEquals(204, none.statusCode());
            assertEquals("", none.body());
            assertFalse(none.headers().firstValue("content-length").isPresent(), "204 with a Content-Length");

            // an empty upload: the echo answers -1
            HttpResponse<String> empty = send(request(s.uri("/echo")).POST(BodyPublishers.noBody()).build());
            assertEquals(200, empty.statusCode());
            assertEquals("", empty.body());
            // the connection is still good: the next request on it is answered
            assertEquals(JdkApiApplication.HELLO, JdkClient.get(s.uri("/")).body());
        }
    }

    @BackendTest
    void headGetsTheHeadOfAGetWithoutItsBody(String backend) throws Exception {
        try (RunningApplication s = RunningApplication.start(backend)) {
            Curl.Result c = Curl.run("--head", s.uri("/").toString());
            assertEquals(0, c.exitCode(), c.stderr());
            assertTrue(c.out().startsWith("HTTP/1.1 200 OK\r\n"), c.out());
            assertTrue(c.out().contains("\r\nContent-Length: 13\r\n"), "HEAD should tell the length of the GET: " + c.out());
            assertTrue(c.out().endsWith("\r\n\r\n"), "HEAD with a body: " + c.out());

            HttpResponse<String> r = send(request(s.uri("/")).method("HEAD", BodyPublishers.noBody()).build());
            assertEquals(200, r.statusCode());
            assertEquals("", r.body());
            // and the keep-alive connection carries on with the next request
            assertEquals(JdkApiApplication.HELLO, JdkClient.get(s.uri("/")).body());
        }
    }

    @BackendTest
    void filtersRunInOrderThenTheHandler(String backend) throws Exception {
        try (RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<String> r = JdkClient.get(s.uri("/filtered"));
            assertEquals(200, r.statusCode());
            assertEquals("first,second,handler:from-filter", r.body());
            assertEquals("first,second", r.headers().firstValue("x-trace").orElse(null));
        }
    }

    @BackendTest
    void theAuthenticatorAnswers401WithoutGoodCredentialsAnd403ForAFailure(String backend) throws Exception {
        try (RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<String> none = JdkClient.get(s.uri("/private"));
            assertEquals(401, none.statusCode());
            // the JDK's BasicAuthenticator writes the challenge, with its charset parameter
            assertEquals("Basic realm=\"pants\", charset=\"UTF-8\"", none.headers().firstValue("www-authenticate").orElse(null));
            assertEquals("filter", none.headers().firstValue("x-trace").orElse(null), "the context's filters run before its authenticator");

            HttpResponse<String> wrong = send(request(s.uri("/private")).header("Authorization", basic("user", "wrong")).build());
            assertEquals(401, wrong.statusCode());

            HttpResponse<String> right = send(request(s.uri("/private")).header("Authorization", basic("user", "secret")).build());
            assertEquals(200, right.statusCode());
            assertEquals("hello user filter", right.body());

            Curl.Result c = Curl.run("--user", "user:secret", s.uri("/private").toString());
            assertEquals("hello user filter", c.out(), c.stderr());

            HttpResponse<String> refused = JdkClient.get(s.uri("/forbidden"));
            assertEquals(403, refused.statusCode(), "an authenticator's Failure(403)");
            assertEquals("", refused.body());
        }
    }

    @BackendTest
    void theLongestMatchingContextTakesTheRequest(String backend) throws Exception {
        try (RunningApplication s = RunningApplication.start(backend)) {
            assertEquals("app /app", JdkClient.get(s.uri("/app")).body());
            assertEquals("app /app/x", JdkClient.get(s.uri("/app/x")).body());
            assertEquals("app /apple", JdkClient.get(s.uri("/apple")).body(), "the JDK matches context paths as string prefixes");
            assertEquals("admin /app/admin/users", JdkClient.get(s.uri("/app/admin/users")).body());
            assertEquals(JdkApiApplication.HELLO, JdkClient.get(s.uri("/anything/else")).body(), "/ takes the rest");

            s.server.removeContext("/");
            assertEquals(404, JdkClient.get(s.uri("/anything/else")).statusCode());
            s.server.removeContext("/app/admin");
            assertEquals("app /app/admin/users", JdkClient.get(s.uri("/app/admin/users")).body());
            s.server.createContext("/late", x -> JdkApiApplication.respond(x, 200, "late"));
            assertEquals("late", JdkClient.get(s.uri("/late")).body());
        }
    }

    @BackendTest
    void aFailingHandlerGets500(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<String> r = JdkClient.get(s.uri("/fail"));
            assertEquals(500, r.statusCode());
            assertEquals(JdkApiApplication.HELLO, JdkClient.get(s.uri("/")).body(), "the server goes on");
            LogRecord logged = log.await("the handler's exception", rec -> rec.getThrown() instanceof IllegalStateException);
            assertTrue(logged.getThrown().getMessage().contains("on purpose"), log.describe());
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
