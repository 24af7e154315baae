// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import io.pants.http.BodyListener;
import io.pants.http.HttpHandler;
import io.pants.http.HttpHeaders;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pants.http.client.ClientLoop.await;
import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against our own HttpServer: the everyday requests, both streaming directions, keep-alive. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientTest {
    /** Answers with what it got: method, target, a header, the body. */
    private static final HttpHandler ECHO = r -> r.sendResponse(r.method() + " " + r.target() + " ct=" + r.header("Content-Type")
            + " body=" + r.bodyText());

    @BackendTest
    void getAndPostTheReadmeWay(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ECHO); ClientLoop c = new ClientLoop(backend)) {
            ClientResponse get = await(c.client.get(s.url("/notes?limit=5")), "GET");
            assertEquals(200, get.status());
            assertEquals("OK", get.reason());
            assertEquals("HTTP/1.1", get.version());
            assertEquals("GET /notes?limit=5 ct=null body=", get.bodyText());
            ClientResponse post = await(c.client.request("POST", s.url("/notes")).header("Content-Type", "application/json")
                    .body("{\"text\":\"hi\"}").send(), "POST");
            assertEquals("POST /notes ct=application/json body={\"text\":\"hi\"}", post.bodyText());
            assertEquals(s.url("/notes"), post.uri().toString());
        }
    }

    @BackendTest
    void createInACallbackTakesThatLoopsEngine(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ECHO); io.pants.LoopThread loop = new io.pants.LoopThread(backend)) {
            HttpClient client = loop.call(HttpClient::create);
            assertSame(loop.engine, client.engine(), "HttpClient.create() on a loop: that loop's engine, as for a Stream made there");
            assertSame(loop.engine, loop.call(io.pants.Engine::currentOrDefault));
            ClientResponse r = await(loop.call(() -> client.get(s.url("/made-on-the-loop"))), "GET from a client made on the loop");
            assertEquals("GET /made-on-the-loop ct=null body=", r.bodyText());
            loop.call(() -> { client.close(); return null; });
        }
    }

    @BackendTest
    void theFutureCompletesOnTheLoopThreadAndTheListenerIsCalledThere(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ECHO); ClientLoop c = new ClientLoop(backend)) {
            CompletableFuture<Boolean> onLoop = c.onLoop(() -> c.client.get(s.url("/")).thenApply(r -> c.loop.engine.inLoopThread()));
            assertTrue(await(onLoop, "a stage chained on the loop"), "the future completed on the loop thread");
            List<Boolean> calls = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            c.client.request("GET", s.url("/")).send(new ResponseListener() {
                @Override public void onResponse(ClientResponse head) { calls.add(c.loop.engine.inLoopThread()); }
                @Override public void onBody(byte[] part) { calls.add(c.loop.engine.inLoopThread()); }
                @Override public void onEnd(HttpHeaders trailers) { calls.add(c.loop.engine.inLoopThread()); ended.complete(null); }
                @Override public void onError(Throwable error) { ended.completeExceptionally(error); }
            });
            await(ended, "the streamed response");
            assertTrue(calls.size() >= 3 && !calls.contains(false), "every listener call on the loop thread: " + calls);
        }
    }

    @BackendTest
    void headAndNoContentHaveNoBody(String backend) throws Exception {
        HttpHandler handler = r -> {
            if (r.path().equals("/empty")) {
                r.sendStatus(204);
                r.finish();
            } else {
                r.sendResponse("twelve bytes");
            }
        };
        try (PantsServer s = new PantsServer(backend, handler); ClientLoop c = new ClientLoop(backend)) {
            ClientResponse head = await(c.client.request("HEAD", s.url("/")).send(), "HEAD");
            assertEquals(200, head.status());
            assertEquals("12", head.header("Content-Length"));
            assertEquals(0, head.body().length);
            ClientResponse empty = await(c.client.get(s.url("/empty")), "204");
            assertEquals(204, empty.status());
            assertEquals(0, empty.body().length);
            // both left the connection reusable: the next request goes on it
            assertEquals("twelve bytes", await(c.client.get(s.url("/")), "GET").bodyText());
            assertEquals(1, c.onLoop(() -> c.client.connectionsMade()));
        }
    }

    @BackendTest
    void keepAliveReusesOneConnection(String backend) throws Exception {
        HttpHandler handler = r -> r.sendResponse(String.valueOf(r.remoteAddress()));
        try (PantsServer s = new PantsServer(backend, handler); ClientLoop c = new ClientLoop(backend)) {
            String first = await(c.client.get(s.url("/")), "1st").bodyText();
            for (int i = 0; i < 5; i++) assertEquals(first, await(c.client.get(s.url("/")), "request " + i).bodyText(), "same client port");
            assertEquals(1, c.onLoop(() -> c.client.connectionsMade()));
            assertEquals(1, c.onLoop(() -> c.client.idleConnections()));
        }
    }

    @BackendTest
    void aChunkedResponseStreamsInPartsWithPauseAndResume(String backend) throws Exception {
        byte[] part = new byte[64 * 1024];
        Arrays.fill(part, (byte) 'x');
        int parts = 64; // 4 MiB, chunked (no Content-Length), written as the client drains it
        HttpHandler handler = r -> {
            r.sendStatus(200);
            Runnable pump = new Runnable() {
                int sent;

                @Override
                public void run() {
                    while (sent < parts && r.isWritable()) {
                        r.send(part);
                        sent++;
                    }
                    if (sent == parts) r.finish();
                    else r.onDrain(this);
                }
            };
            pump.run();
        };
        try (PantsServer s = new PantsServer(backend, handler); ClientLoop c = new ClientLoop(backend)) {
            CompletableFuture<Long> done = new CompletableFuture<>();
            CompletableFuture<ClientResponse> head = new CompletableFuture<>();
            long[] received = {0};
            int[] pauses = {0};
            ClientExchange[] x = new ClientExchange[1];
            c.onLoop(() -> x[0] = c.client.request("GET", s.url("/big")).send(new ResponseListener() {
                @Override public void onResponse(ClientResponse h) { head.complete(h); }

                @Override
                public void onBody(byte[] data) {
                    long before = received[0];
                    received[0] += data.length;
                    // every MiB, hold the body back for a turn of the loop, then let it come again
                    if (before / (1 << 20) != received[0] / (1 << 20)) {
                        x[0].pauseBody();
                        pauses[0]++;
                        c.loop.engine.callback(x[0]::resumeBody);
                    }
                }

                @Override public void onEnd(HttpHeaders trailers) { done.complete(received[0]); }
                @Override public void onError(Throwable error) { done.completeExceptionally(error); }
            }));
            assertEquals("chunked", await(head, "the head").header("Transfer-Encoding"));
            assertEquals((long) parts * part.length, await(done, "the whole body"));
            assertTrue(pauses[0] >= 3, "paused " + pauses[0] + " times");
            assertTrue(x[0].isDone());
        }
    }

    @BackendTest
    void aStreamedRequestBodyIsSentChunkedOrWithItsContentLength(String backend) throws Exception {
        HttpHandler handler = r -> r.onBody(new BodyListener() {
            long n;
            int sum;

            @Override public void onData(byte[] p) { n += p.length; for (byte b : p) sum += b; }
            @Override public void onEnd() {
                r.sendResponse(n + " " + sum + " te=" + r.header("Transfer-Encoding") + " cl=" + r.header("Content-Length"));
            }
        });
        try (PantsServer s = new PantsServer(backend, handler, srv -> srv.streamBodies(r -> true));
             ClientLoop c = new ClientLoop(backend)) {
            int total = 8 << 20; // well over the water marks: the source is paced by onDrain
            int[] drains = {0};
            BodySource source = sink -> new Runnable() {
                int written;

                @Override
                public void run() {
                    byte[] piece = new byte[16 * 1024];
                    Arrays.fill(piece, (byte) 1);
                    while (sink.isWritable() && written < total) {
                        sink.write(piece);
                        written += piece.length;
                    }
                    if (written == total) {
                        sink.end();
                    } else {
                        drains[0]++;
                        sink.onDrain(this);
                    }
                }
            }.run();
            ClientResponse chunked = await(c.client.request("PUT", s.url("/up")).body(source).send(), "chunked upload");
            assertEquals(total + " " + total + " te=chunked cl=null", chunked.bodyText());
            assertTrue(drains[0] > 0, "the source waited for the send queue to drain");
            ClientResponse fixed = await(c.client.request("PUT", s.url("/up")).header("Content-Length", String.valueOf(total))
                    .body(source).send(), "upload with a Content-Length");
            assertEquals(total + " " + total + " te=null cl=" + total, fixed.bodyText());
        }
    }

    @BackendTest
    void aWholeBodyOverTheLimitFailsTheRequestAndNotTheNext(String backend) throws Exception {
        byte[] big = new byte[100_000];
        HttpHandler handler = r -> r.sendResponse(r.path().equals("/big") ? big : "small".getBytes(), 200, "text/plain");
        try (PantsServer s = new PantsServer(backend, handler); ClientLoop c = new ClientLoop(backend, cl -> cl.maxBodySize(50_000))) {
            Throwable e = failure(c.client.get(s.url("/big")), "a body over the limit");
            assertInstanceOf(HttpClientException.class, e);
            assertTrue(e.getMessage().contains("maxBodySize of 50000"), e.getMessage());
            assertEquals("small", await(c.client.get(s.url("/small")), "the next").bodyText());
        }
    }

    @BackendTest
    void requestsFromAnotherThreadAreHandedToTheLoop(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ECHO); ClientLoop c = new ClientLoop(backend)) {
            // sent from the test thread, all at once: more than the per-origin limit, so some wait
            List<CompletableFuture<ClientResponse>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) all.add(c.client.get(s.url("/" + i)));
            for (int i = 0; i < 20; i++) assertEquals("GET /" + i + " ct=null body=", await(all.get(i), "request " + i).bodyText());
            assertTrue(c.onLoop(() -> c.client.connectionsMade()) <= HttpClient.DEFAULT_MAX_CONNECTIONS_PER_ORIGIN);
        }
    }

    @BackendTest
    void createPicksTheEngineOfTheCallbackItIsMadeIn(String backend) throws Exception {
        try (io.pants.LoopThread loop = new io.pants.LoopThread(backend)) {
            HttpClient made = loop.call(HttpClient::create);
            assertTrue(made.engine() == loop.engine, "the engine whose callback made it");
            loop.run(made::close);
        }
    }

    @BackendTest
    void misuseIsRefusedWithWhatToDo(String backend) throws Exception {
        try (ClientLoop c = new ClientLoop(backend)) {
            ClientRequest r = c.client.request("GET", "http://127.0.0.1:1/");
            r.send().exceptionally(e -> null);
            IllegalStateException twice = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, r::send);
            assertTrue(twice.getMessage().contains("build a new one with client.request"), twice.getMessage());
            IllegalArgumentException ftp = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> c.client.request("GET", "ftp://example.com/"));
            assertTrue(ftp.getMessage().contains("not an http: or https: URL"), ftp.getMessage());
            IllegalArgumentException header = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> c.client.request("GET", "http://example.com/").header("X", "a\r\nInjected: yes"));
            assertTrue(header.getMessage().contains("control character"), header.getMessage());
            IllegalArgumentException length = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> c.client.request("PUT", "http://example.com/").header("Content-Length", "ten"));
            assertTrue(length.getMessage().contains("Content-Length must be a number of bytes"), length.getMessage());
            IllegalArgumentException method = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> c.client.request("GE T", "http://example.com/"));
            assertTrue(method.getMessage().contains("not a valid method"), method.getMessage());
        }
    }

    /** Many requests of every kind at once over a few pooled connections: each gets its own answer, whole. */
    @BackendTest
    void manyMixedRequestsEachGetTheirOwnAnswer(String backend) throws Exception {
        HttpHandler handler = r -> {
            int n = Integer.parseInt(r.queryParameter("n"));
            byte[] body = new byte[n];
            for (int i = 0; i < n; i++) body[i] = (byte) (n + i);
            if (r.queryParameter("chunked") != null) {
                r.sendStatus(200);
                r.sendHeader("X-Echo", r.bodyText());
                for (int off = 0; off < n; off += 1000) r.send(body, off, Math.min(1000, n - off));
                r.finish();
            } else {
                r.sendStatus(200);
                r.sendHeader("X-Echo", r.bodyText());
                r.sendHeader("Content-Length", String.valueOf(n));
                r.send(body);
                r.finish();
            }
        };
        try (PantsServer s = new PantsServer(backend, handler); ClientLoop c = new ClientLoop(backend, cl -> cl.maxConnectionsPerOrigin(4))) {
            List<CompletableFuture<ClientResponse>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = (i * 7919) % 50_000;
                String url = s.url("/?n=" + n + (i % 3 == 0 ? "&chunked=1" : ""));
                all.add(i % 2 == 0 ? c.client.get(url) : c.client.request("POST", url).body("request " + i).send());
            }
            for (int i = 0; i < 200; i++) {
                ClientResponse r = await(all.get(i), "request " + i);
                int n = (i * 7919) % 50_000;
                byte[] body = r.body();
                assertEquals(n, body.length, "request " + i);
                for (int k = 0; k < n; k++) if (body[k] != (byte) (n + k)) throw new AssertionError("request " + i + ": byte " + k + " differs");
                assertEquals(i % 2 == 0 ? "" : "request " + i, r.header("X-Echo"), "request " + i + " got its own answer");
            }
            assertTrue(c.onLoop(() -> c.client.connectionsMade()) <= 4, "over at most four connections");
        }
    }

    @BackendTest
    void headersGoOutAsGivenAndComeBackInOrder(String backend) throws Exception {
        HttpHandler handler = r -> {
            r.sendStatus(200);
            r.sendHeader("X-Seen", r.headers().all("X-Multi").toString() + " host=" + r.header("Host") + " ua=" + r.header("User-Agent"));
            r.sendHeader("X-Two", "a");
            r.sendHeader("X-Two", "b");
            r.send("");
            r.finish();
        };
        try (PantsServer s = new PantsServer(backend, handler); ClientLoop c = new ClientLoop(backend)) {
            ClientResponse r = await(c.client.request("GET", s.url("/")).header("X-Multi", "1").header("X-Multi", "2")
                    .header("User-Agent", "test/1").send(), "GET");
            assertEquals("[1, 2] host=127.0.0.1:" + s.port + " ua=test/1", r.header("X-Seen"));
            assertEquals(List.of("a", "b"), r.headers().all("x-two"));
            Map<String, List<String>> map = r.headers().toMap();
            assertTrue(map.containsKey("X-Seen"), map.toString());
            assertNull(r.header("X-Absent"));
        }
    }
}
