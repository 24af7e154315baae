// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pipelined requests: answered in the order they came, however their handlers finish. */
@JdkClient.Uses
class HttpPipeliningTest {
    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @BackendTest
    void responsesFinishedInReverseOrderGoOutInRequestOrder(String backend) throws Exception {
        List<HttpRequest> held = new ArrayList<>();
        HttpHandler handler = r -> {
            held.add(r);
            if (held.size() == 3) {
                // finish the last first: its response must wait for the two before it
                for (int i = 2; i >= 0; i--) held.get(i).sendResponse("answer to " + held.get(i).path());
                held.clear();
            }
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/1") + get("/2") + get("/3"));
            for (int i = 1; i <= 3; i++) assertEquals("answer to /" + i, c.read().text());
            // and again, the requests arriving one by one while the earlier ones wait
            c.send(get("/4"));
            c.send(get("/5"));
            c.send(get("/6"));
            for (int i = 4; i <= 6; i++) assertEquals("answer to /" + i, c.read().text());
        }
    }

    @BackendTest
    void aStreamedResponseBehindAnUnfinishedOneWaitsWhole(String backend) throws Exception {
        List<HttpRequest> held = new ArrayList<>();
        HttpHandler handler = r -> {
            if (r.path().equals("/slow")) {
                held.add(r);
                return;
            }
            // streams, and finishes, while /slow is still open; then /slow finishes
            r.send("part one, ");
            r.engine().defer(Duration.ofMillis(10), () -> {
                r.send(new byte[30_000]);
                r.send("part three");
                r.finish();
                if (r.path().equals("/fast")) r.engine().defer(Duration.ofMillis(10), () -> held.remove(0).sendResponse("slow done"));
            });
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/slow") + get("/fast") + get("/after"));
            assertEquals("slow done", c.read().text());
            RawClient.Response fast = c.read();
            assertEquals("chunked", fast.header("Transfer-Encoding"));
            assertEquals("part one, " + "\0".repeat(30_000) + "part three", fast.text());
            // /after finished long ago, behind /fast: it follows it
            RawClient.Response after = c.read();
            assertEquals(fast.text(), after.text());
        }
    }

    @BackendTest
    void manyPipelinedRequestsFinishingInShuffledOrder(String backend) throws Exception {
        int count = 60; // more than a connection takes at once: reading pauses and resumes
        HttpHandler handler = r -> {
            int n = Integer.parseInt(r.path().substring(1));
            r.sendHeader("Content-Type", "text/plain");
            if (n % 3 == 0) {
                r.sendResponse("#" + n, 200, "text/plain"); // at once
            } else {
                r.engine().defer(Duration.ofMillis((count - n) % 7), () -> {
                    r.send("#");
                    r.send(String.valueOf(n));
                    r.finish();
                });
            }
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < count; i++) all.append(get("/" + i));
            c.send(all.toString());
            for (int i = 0; i < count; i++) assertEquals("#" + i, c.read().text(), "response " + i);
        }
    }

    /** The parser keeps its place wherever the input is cut: the same requests, sent one byte per write. */
    @BackendTest
    void requestsCutAtEveryByteParseTheSame(String backend) throws Exception {
        HttpHandler describe = r -> r.sendResponse(r.method() + " " + r.target() + " " + r.headers() + " body=" + r.bodyText()
                + " trailers=" + r.trailers());
        String requests = "\r\nGET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Spaces: \t v \t\r\n\r\n"
                + "POST /fixed HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nhello\r\nworld"
                + "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n"
                + "PUT /empty HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
        List<String> whole = new ArrayList<>(), cut = new ArrayList<>();
        try (TestServer s = TestServer.start(backend, describe)) {
            try (RawClient c = s.connect()) {
                c.send(requests);
                for (int i = 0; i < 4; i++) whole.add(c.read().text());
            }
            try (RawClient c = s.connect()) {
                for (byte b : requests.getBytes(StandardCharsets.ISO_8859_1)) c.send(new byte[] {b});
                for (int i = 0; i < 4; i++) cut.add(c.read().text());
            }
        }
        assertEquals("GET /a?b=c {Host: x, X-Empty: , X-Spaces: v} body= trailers={}", whole.get(0));
        assertEquals("POST /fixed {Host: x, Content-Length: 12} body=hello\r\nworld trailers={}", whole.get(1));
        assertEquals("POST /chunked {Host: x, Transfer-Encoding: chunked} body=abc0123456789abcdef trailers={X-T: 1}", whole.get(2));
        assertEquals("PUT /empty {Host: x, Content-Length: 0} body= trailers={}", whole.get(3));
        assertEquals(whole, cut);
    }

    @BackendTest
    void filesBehindAnUnfinishedResponseWaitTheirTurn(String backend) throws Exception {
        Path file = Files.createTempFile("pants-pipeline", ".bin");
        byte[] content = new byte[100_000];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i % 251);
        Files.write(file, content);
        List<HttpRequest> held = new ArrayList<>();
        HttpHandler handler = r -> {
            if (r.path().equals("/file")) {
                r.sendFile(file);
                held.remove(0).sendResponse("first"); // the file is held back until now
            } else {
                held.add(r);
            }
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/first") + get("/file"));
            assertEquals("first", c.read().text());
            assertArrayEquals(content, c.read().body());
        } finally {
            Files.delete(file);
        }
    }

    @BackendTest
    void badInputAfterGoodRequestsIsAnsweredAfterThem(String backend) throws Exception {
        List<String> handled = new ArrayList<>();
        HttpHandler handler = r -> {
            handled.add(r.path());
            r.engine().defer(Duration.ofMillis(20), () -> r.sendResponse("ok " + r.path()));
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/1") + get("/2") + "NOT HTTP AT ALL\r\n\r\n" + get("/never"));
            assertEquals("ok /1", c.read().text());
            assertEquals("ok /2", c.read().text());
            RawClient.Response bad = c.read();
            assertEquals(400, bad.status());
            assertEquals("close", bad.header("Connection"));
            c.assertClosedByServer();
            assertEquals(List.of("/1", "/2"), s.loop.call(() -> List.copyOf(handled)), "nothing after bad input is handled");
        }
    }

    @BackendTest
    void aRequestThatClosesEndsThePipeline(String backend) throws Exception {
        List<String> handled = new ArrayList<>();
        HttpHandler handler = r -> {
            handled.add(r.path());
            r.sendResponse(r.path().getBytes(StandardCharsets.UTF_8), 200, null);
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send(get("/1") + "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get("/3"));
            assertEquals("/1", c.read().text());
            assertEquals("/2", c.read().text());
            c.assertClosedByServer();
            assertEquals(List.of("/1", "/2"), s.loop.call(() -> List.copyOf(handled)));
        }
    }
}
