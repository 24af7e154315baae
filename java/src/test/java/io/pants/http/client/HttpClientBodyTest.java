// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import io.pants.http.HttpHandler;
import io.pants.http.HttpHeaders;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static io.pants.http.client.ClientLoop.await;
import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Body framing and codings on raw sockets: trailers, bodies to the close, deflate's two forms, interim answers, 100-continue. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientBodyTest {
    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    private static byte[] deflate(byte[] data, boolean raw) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(b, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
            out.write(data);
        }
        return b.toByteArray();
    }

    /** Answers every request with {@code response}. */
    private static RawServer answering(byte[] response) throws Exception {
        return new RawServer((c, index) -> {
            while (c.readRequest() != null) c.send(response);
        });
    }

    private static byte[] concat(String head, byte[] body) {
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = java.util.Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    @BackendTest
    void trailersOfAChunkedBody(String backend) throws Exception {
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc123\r\nX-Other:  two \r\n\r\n";
        try (RawServer s = answering(response.getBytes(StandardCharsets.ISO_8859_1)); ClientLoop c = new ClientLoop(backend)) {
            ClientResponse r = await(c.client.get(s.url("/")), "chunked with trailers");
            assertEquals("hello world", r.bodyText());
            assertEquals("abc123", r.trailers().get("x-checksum"));
            assertEquals("two", r.trailers().get("X-Other"));
            // streamed, the trailers come to onEnd
            CompletableFuture<HttpHeaders> trailers = new CompletableFuture<>();
            c.client.request("GET", s.url("/")).send(new ResponseListener() {
                @Override public void onEnd(HttpHeaders t) { trailers.complete(t); }
                @Override public void onError(Throwable e) { trailers.completeExceptionally(e); }
            });
            assertEquals("abc123", await(trailers, "the streamed trailers").get("X-Checksum"));
            assertEquals(1, s.accepted(), "and the connection was reused");
        }
    }

    @BackendTest
    void aBodyWithoutLengthRunsToTheClose(String backend) throws Exception {
        try (RawServer s = new RawServer((c, index) -> {
            c.readRequest();
            c.send(index == 0 ? "HTTP/1.1 200 OK\r\n\r\nall of it, until the close" : "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n1.0");
        }); ClientLoop c = new ClientLoop(backend)) {
            assertEquals("all of it, until the close", await(c.client.get(s.url("/")), "a body to the close").bodyText());
            ClientResponse old = await(c.client.get(s.url("/")), "HTTP/1.0");
            assertEquals("HTTP/1.0", old.version());
            assertEquals("1.0", old.bodyText());
            c.until("neither connection is kept", () -> c.client.openConnections() == 0);
            assertEquals(2, s.accepted());
        }
    }

    @BackendTest
    void deflateZlibAndRawAndGzipWithCompressedFraming(String backend) throws Exception {
        byte[] text = "the quick brown fox jumps over the lazy dog ".repeat(500).getBytes(StandardCharsets.US_ASCII);
        byte[] zlib = deflate(text, false), raw = deflate(text, true), gz = gzip(text);
        try (RawServer s = new RawServer((c, index) -> {
            String head;
            while ((head = c.readRequest()) != null) {
                byte[] body = head.startsWith("GET /zlib") ? zlib : head.startsWith("GET /raw") ? raw : gz;
                String coding = head.startsWith("GET /gz") ? "gzip" : "deflate";
                if (head.startsWith("GET /gzchunked")) {
                    // chunks cut in odd places: the decoder gets the gzip header and trailer in pieces
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes());
                    for (int i = 0; i < body.length; i += 3) {
                        int n = Math.min(3, body.length - i);
                        out.write((Integer.toHexString(n) + "\r\n").getBytes());
                        out.write(body, i, n);
                        out.write("\r\n".getBytes());
                    }
                    out.write("0\r\n\r\n".getBytes());
                    c.send(out.toByteArray());
                } else {
                    c.send(concat("HTTP/1.1 200 OK\r\nContent-Encoding: " + coding + "\r\nContent-Length: " + body.length + "\r\n\r\n", body));
                }
            }
        }); ClientLoop c = new ClientLoop(backend)) {
            assertEquals(new String(text), await(c.client.get(s.url("/zlib")), "zlib deflate").bodyText());
            assertEquals(new String(text), await(c.client.get(s.url("/raw")), "raw deflate").bodyText());
            assertEquals(new String(text), await(c.client.get(s.url("/gz")), "gzip").bodyText());
            assertEquals(new String(text), await(c.client.get(s.url("/gzchunked")), "gzip in 3-byte chunks").bodyText());
        }
    }

    @BackendTest
    void aTruncatedGzipBodyFails(String backend) throws Exception {
        byte[] gz = gzip("some text that is compressed".repeat(20).getBytes());
        byte[] cut = java.util.Arrays.copyOf(gz, gz.length - 6); // its trailer cut
        try (RawServer s = answering(concat("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + cut.length + "\r\n\r\n", cut));
             ClientLoop c = new ClientLoop(backend)) {
            Throwable e = failure(c.client.get(s.url("/")), "a truncated gzip body");
            assertTrue(e.getMessage().contains("the gzip body is truncated"), e.getMessage());
        }
    }

    @BackendTest
    void interimAnswersAreSkipped(String backend) throws Exception {
        try (RawServer s = answering(("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal").getBytes()); ClientLoop c = new ClientLoop(backend)) {
            ClientResponse r = await(c.client.get(s.url("/")), "after a 103");
            assertEquals(200, r.status());
            assertEquals("final", r.bodyText());
        }
    }

    @BackendTest
    void expectContinueWithOurServer(String backend) throws Exception {
        HttpHandler echo = r -> r.sendResponse("got " + r.bodyText() + " expect=" + r.header("Expect"));
        try (PantsServer s = new PantsServer(backend, echo, srv -> srv.maxBodySize(100));
             ClientLoop c = new ClientLoop(backend, cl -> cl.continueTimeout(Duration.ofSeconds(20)))) {
            // the continue timeout is far: the body goes on the server's 100
            ClientResponse ok = await(c.client.request("POST", s.url("/")).expectContinue(true).body("small").send(), "100-continue");
            assertEquals("got small expect=100-continue", ok.bodyText());
            ClientResponse refused = await(c.client.request("POST", s.url("/")).expectContinue(true).body(new byte[1000]).send(), "over the limit");
            assertEquals(413, refused.status(), "the server's final answer instead of 100");
        }
    }

    @BackendTest
    void aStreamedBodyWaitsForThe100Too(String backend) throws Exception {
        HttpHandler echo = r -> r.sendResponse("got " + r.bodyText() + " expect=" + r.header("Expect"));
        try (PantsServer s = new PantsServer(backend, echo);
             ClientLoop c = new ClientLoop(backend, cl -> cl.continueTimeout(Duration.ofSeconds(20)))) {
            ClientResponse r = await(c.client.request("POST", s.url("/")).expectContinue(true).body(sink -> {
                sink.write("part one, ".getBytes());
                sink.write("part two".getBytes());
                sink.end();
            }).send(), "a streamed body after 100");
            assertEquals("got part one, part two expect=100-continue", r.bodyText());
        }
    }

    @BackendTest
    void aFinalAnswerInsteadOf100KeepsTheBody(String backend) throws Exception {
        CompletableFuture<Integer> afterAnswer = new CompletableFuture<>();
        try (RawServer s = new RawServer((c, index) -> {
            String head = c.readHead();
            assertTrue(head.contains("\r\nExpect: 100-continue\r\n"), head);
            c.send("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
            afterAnswer.complete(c.in.read()); // -1: the client closed without sending its body
        }); ClientLoop c = new ClientLoop(backend)) {
            ClientResponse r = await(c.client.request("PUT", s.url("/")).expectContinue(true).body("the body").send(), "417");
            assertEquals(417, r.status());
            assertEquals(-1, await(afterAnswer, "what came after the answer"), "no body was sent, and the connection closed");
        }
    }

    @BackendTest
    void aServerThatIgnoresExpectGetsTheBodyAfterTheContinueTimeout(String backend) throws Exception {
        try (RawServer s = new RawServer((c, index) -> {
            c.readRequest(); // reads the body, which comes without a 100
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            c.awaitClientClose();
        }); ClientLoop c = new ClientLoop(backend, cl -> cl.continueTimeout(Duration.ofMillis(100)))) {
            ClientResponse r = await(c.client.request("PUT", s.url("/")).expectContinue(true).body("the body").send(), "no 100");
            assertEquals("ok", r.bodyText());
        }
    }
}
