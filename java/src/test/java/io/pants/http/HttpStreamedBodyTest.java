// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streamed request bodies ({@link HttpServer#streamBodies}): the handler is called when the head
 * is in and gets the body in parts, with no size limit; pausing holds the client back; a body
 * that can't be completed is reported to the listener as an abort.
 */
@JdkClient.Uses
@ExtendWith(NoDescriptorLeaks.class)
class HttpStreamedBodyTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();

    /** Counts and checksums the body as it comes; answers "size crc" at its end. */
    static class Summing implements BodyListener {
        final HttpRequest request;
        final CRC32 crc = new CRC32();
        long size;
        int parts;

        Summing(HttpRequest request) { this.request = request; }

        @Override
        public void onData(byte[] part) {
            crc.update(part);
            size += part.length;
            parts++;
        }

        @Override
        public void onEnd() {
            request.sendResponse(size + " " + Long.toHexString(crc.getValue()));
        }
    }

    /** Drops the parts; an abort completes the future with its reason, an end fails it. */
    record AbortRecorder(CompletableFuture<IOException> aborted) implements BodyListener {
        @Override
        public void onData(byte[] part) { }

        @Override
        public void onEnd() { aborted.completeExceptionally(new AssertionError("the body ended instead of aborting")); }

        @Override
        public void onAbort(IOException why) { aborted.complete(why); }
    }

    private static String summary(byte[] body) {
        CRC32 crc = new CRC32();
        crc.update(body);
        return body.length + " " + Long.toHexString(crc.getValue());
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + (i >>> 9));
        return b;
    }

    private static TestServer streaming(String backend, HttpHandler handler) throws Exception {
        return TestServer.start(backend, handler, s -> s.streamBodies(r -> r.path().startsWith("/stream")));
    }

    @BackendTest
    void anUploadOverTheBodyLimitStreamsThrough(String backend) throws Exception {
        byte[] upload = data(24 << 20); // over the 10 MB limit of whole bodies
        try (TestServer s = streaming(backend, r -> r.onBody(new Summing(r)))) {
            HttpResponse<String> streamed = JdkClient.get().send(
                    java.net.http.HttpRequest.newBuilder(s.uri("/stream/up")).timeout(LoopThread.WAIT)
                            .POST(BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, streamed.statusCode(), streamed.body());
            assertEquals(summary(upload), streamed.body());

            // the same upload to a path that is not streamed: the limit of whole bodies holds
            HttpResponse<String> whole = JdkClient.get().send(
                    java.net.http.HttpRequest.newBuilder(s.uri("/whole")).timeout(LoopThread.WAIT)
                            .POST(BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, whole.statusCode());
        }
    }

    @BackendTest
    void theHandlerRunsBeforeTheBodyArrives(String backend) throws Exception {
        CompletableFuture<Boolean> called = new CompletableFuture<>();
        try (TestServer s = streaming(backend, r -> {
                called.complete(r.isBodyStreamed());
                r.onBody(new Summing(r));
            });
             RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n");
            assertTrue(called.get(WAIT_MS, TimeUnit.MILLISECONDS), "the handler was called with the head alone, its body streamed");
            c.send("hello, body");
            assertEquals(summary("hello, body".getBytes(StandardCharsets.ISO_8859_1)), c.read().text());
            // the connection goes on with the next request
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            assertEquals(summary("abc".getBytes(StandardCharsets.ISO_8859_1)), c.read().text());
        }
    }

    @BackendTest
    void aChunkedBodyComesInPartsWithItsTrailers(String backend) throws Exception {
        HttpHandler handler = r -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            r.onBody(new BodyListener() {
                @Override
                public void onData(byte[] part) { got.writeBytes(part); }

                @Override
                public void onEnd() { r.sendResponse(got.toString(StandardCharsets.UTF_8) + "|" + r.trailers().get("X-Sum")); }
            });
        };
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            c.send("7\r\n, parts\r\n0\r\nX-Sum: 12\r\n\r\n");
            assertEquals("hello, parts|12", c.read().text());
        }
    }

    @BackendTest
    void pausingTheBodyHoldsTheClientBack(String backend) throws Exception {
        byte[] upload = data(8 << 20);
        AtomicLong received = new AtomicLong();
        CompletableFuture<long[]> whilePaused = new CompletableFuture<>();
        HttpHandler handler = r -> {
            Summing sum = new Summing(r) {
                @Override
                public void onData(byte[] part) {
                    super.onData(part);
                    received.set(size);
                    if (parts == 1) {
                        r.pauseBody();
                        long atPause = size;
                        // a while of the loop's own time later: nothing more came in between
                        r.engine().defer(Duration.ofMillis(200), () -> {
                            whilePaused.complete(new long[] {atPause, size});
                            r.resumeBody();
                        });
                    }
                }
            };
            r.onBody(sum);
        };
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: " + upload.length + "\r\n\r\n");
                    c.send(upload);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long[] paused = whilePaused.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals(paused[0], paused[1], "parts arrived while the body was paused");
            assertTrue(paused[0] < upload.length, "the whole body was in before the pause: nothing was held back");
            assertEquals(summary(upload), c.read().text());
            sending.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals(upload.length, received.get());
        }
    }

    @BackendTest
    void partsThatComeBeforeOnBodyAreKept(String backend) throws Exception {
        // the handler takes the body a moment later, from a timer
        HttpHandler handler = r -> r.engine().defer(Duration.ofMillis(50), () -> r.onBody(new Summing(r)));
        byte[] upload = data(1 << 20); // more than is held before reading pauses
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: " + upload.length + "\r\n\r\n");
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    c.send(upload);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertEquals(summary(upload), c.read().text());
            sending.get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
    }

    @BackendTest
    void aBodyTheHandlerDoesNotReadIsDroppedAndTheConnectionCarriesOn(String backend) throws Exception {
        byte[] upload = data(4 << 20);
        HttpHandler handler = r -> {
            if (r.path().equals("/stream/refused")) r.sendResponse("not wanted", 403, "text/plain");
            else r.sendResponse("next");
        };
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    c.send("POST /stream/refused HTTP/1.1\r\nHost: x\r\nContent-Length: " + upload.length + "\r\n\r\n");
                    c.send(upload);
                    c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertEquals(403, c.read().status());
            assertEquals("next", c.read().text(), "the request after the unread body");
            sending.get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
    }

    @BackendTest
    void aBodyCutShortIsAnAbortAndTheHandlerMayStillAnswer(String backend) throws Exception {
        CompletableFuture<IOException> aborted = new CompletableFuture<>();
        HttpHandler handler = r -> r.onBody(new BodyListener() {
            @Override
            public void onData(byte[] part) { }

            @Override
            public void onEnd() { aborted.completeExceptionally(new AssertionError("onEnd for a body cut short")); }

            @Override
            public void onAbort(IOException why) {
                aborted.complete(why);
                r.sendResponse("incomplete", 400, "text/plain");
            }
        });
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part");
            c.socket.shutdownOutput(); // the client is done sending, but still reads
            assertInstanceOf(EOFException.class, aborted.get(WAIT_MS, TimeUnit.MILLISECONDS));
            RawClient.Response answer = c.read();
            assertEquals(400, answer.status());
            assertEquals("incomplete", answer.text());
            c.assertClosedByServer();
        }
    }

    @BackendTest
    void aMalformedChunkAbortsTheBodyAndIsAnsweredWith400(String backend) throws Exception {
        RawClient.Response answer = answerToAMalformedChunk(backend, r -> { });
        // the handler had not answered: the error does, in its place
        assertEquals(400, answer.status(), answer.toString());
        assertEquals("close", answer.header("Connection"));
    }

    @BackendTest
    void aMalformedChunkAfterTheHandlerAnsweredClosesAfterItsAnswer(String backend) throws Exception {
        RawClient.Response answer = answerToAMalformedChunk(backend, r -> r.sendResponse("no", 403, "text/plain"));
        assertEquals(403, answer.status(), "the handler's answer, not an error after it: " + answer);
        assertEquals("no", answer.text());
    }

    /**
     * A streamed body whose second chunk is malformed, to a handler that reads it with onBody
     * and does {@code alsoInHandler}: the body is aborted, and the one answer is followed by the close.
     */
    private static RawClient.Response answerToAMalformedChunk(String backend, HttpHandler alsoInHandler) throws Exception {
        CompletableFuture<IOException> aborted = new CompletableFuture<>();
        HttpHandler handler = r -> {
            r.onBody(new AbortRecorder(aborted));
            alsoInHandler.handle(r);
        };
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
            IOException why = aborted.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertTrue(why.getMessage().contains("cut off"), why.getMessage());
            RawClient.Response answer = c.read();
            c.assertClosedByServer();
            return answer;
        }
    }

    @BackendTest
    void aMalformedChunkCutsAResponseUnderWay(String backend) throws Exception {
        CompletableFuture<IOException> aborted = new CompletableFuture<>();
        HttpHandler handler = r -> {
            r.onBody(new AbortRecorder(aborted));
            r.send("begun").flush(); // the head and a first chunk are out: no room for an error answer
        };
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", c.line());
            String line;
            while (!(line = c.line()).isEmpty()) assertFalse(line.startsWith("Content-Length"), line);
            assertEquals("5", c.line());
            assertEquals("begun", c.line());
            c.send("5\r\nhello\r\nzz\r\n");
            assertTrue(aborted.get(WAIT_MS, TimeUnit.MILLISECONDS).getMessage().contains("cut off"));
            c.assertClosedByServer(); // cut short: no last chunk, no error answer after it
        }
    }

    @BackendTest
    void aStalledBodyTimesOutAsAnAbort(String backend) throws Exception {
        CompletableFuture<IOException> aborted = new CompletableFuture<>();
        HttpHandler handler = r -> r.onBody(new AbortRecorder(aborted));
        try (TestServer s = TestServer.start(backend, handler, srv -> srv.streamBodies(r -> true).idleTimeout(Duration.ofMillis(200)));
             RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsome");
            assertTrue(aborted.get(WAIT_MS, TimeUnit.MILLISECONDS) != null);
            c.assertClosedByServer();
        }
    }

    @BackendTest
    void expectContinueIsAnsweredWhenTheHandlerTakesTheBody(String backend) throws Exception {
        try (TestServer s = streaming(backend, r -> r.onBody(new Summing(r))); RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            assertEquals(100, c.read().status());
            c.send("body");
            assertEquals(summary("body".getBytes(StandardCharsets.ISO_8859_1)), c.read().text());
        }
    }

    @BackendTest
    void theApiSaysWhichWayTheBodyComes(String backend) throws Exception {
        AtomicInteger checks = new AtomicInteger();
        HttpHandler handler = r -> {
            if (r.path().equals("/stream")) {
                IllegalStateException e = assertThrows(IllegalStateException.class, r::body);
                assertTrue(e.getMessage().contains("onBody"), e.getMessage());
                // every whole-body view refuses alike: bodyText() used to answer "" for a streamed body
                IllegalStateException text = assertThrows(IllegalStateException.class, r::bodyText, "bodyText() of a streamed body");
                assertTrue(text.getMessage().contains("onBody"), text.getMessage());
                IllegalStateException form = assertThrows(IllegalStateException.class, r::form, "form() of a streamed body");
                assertTrue(form.getMessage().contains("onBody"), form.getMessage());
                r.onBody(new Summing(r));
                assertThrows(IllegalStateException.class, () -> r.onBody(new Summing(r)), "a second listener");
            } else if (r.path().equals("/whole")) {
                assertFalse(r.isBodyStreamed());
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.onBody(new Summing(r)));
                assertTrue(e.getMessage().contains("body()"), e.getMessage());
                assertEquals("ab", r.bodyText());
                r.sendResponse(new String(r.body(), StandardCharsets.UTF_8));
            } else {
                r.onBody(new Summing(r)); // no body at all: its end comes at once
            }
            checks.incrementAndGet();
        };
        try (TestServer s = streaming(backend, handler); RawClient c = s.connect()) {
            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab");
            assertEquals(summary("ab".getBytes(StandardCharsets.ISO_8859_1)), c.read().text());
            c.send("POST /whole HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab");
            assertEquals("ab", c.read().text());
            c.send("GET /stream-without-body HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("0 0", c.read().text());
            assertEquals(3, checks.get(), "every handler ran its checks to the end");
        }
    }
}
