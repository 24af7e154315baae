// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;

import java.net.http.HttpResponse;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Expect: 100-continue}: the go-ahead when the body is wanted, a final answer when it is not. */
@JdkClient.Uses
class HttpContinueTest {
    private static final HttpHandler ECHO = r -> r.sendResponse("got " + r.bodyText());

    @BackendTest
    void aClientThatWaitsGets100ThenItsAnswer(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, ECHO); RawClient c = s.connect()) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            RawClient.Response go = c.read();
            assertEquals(100, go.status());
            assertEquals("Continue", go.reason());
            c.send("hello");
            assertEquals("got hello", c.read().text());
            // chunked, too
            c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertEquals(100, c.read().status());
            c.send("2\r\nhi\r\n0\r\n\r\n");
            assertEquals("got hi", c.read().text());
        }
    }

    @BackendTest
    void aBodyAlreadyOnItsWayGetsNo100(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, ECHO); RawClient c = s.connect()) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello");
            List<RawClient.Response> interim = new ArrayList<>();
            assertEquals("got hello", c.readFinal(interim).text());
            assertEquals(List.of(), interim, "no 100 once the body came");
            // HTTP/1.0 can't mean it: ignored
            c.send("POST / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
            assertEquals(200, c.read().status());
            // nor is there a 100 for a request without a body
            c.send("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(200, c.read().status());
        }
    }

    @BackendTest
    void aBodyOverTheLimitIsRefusedBeforeItIsSent(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, ECHO, server -> server.maxBodySize(100)); RawClient c = s.connect()) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(413, r.status(), "a final answer instead of 100");
            c.assertClosedByServer();
        }
    }

    /** Behind an unfinished response, the 100 waits: an interim response can't cut into another one. */
    @BackendTest
    void the100WaitsForEarlierResponses(String backend) throws Exception {
        HttpHandler handler = r -> {
            if (r.path().equals("/slow")) {
                r.engine().defer(Duration.ofMillis(50), () -> r.sendResponse("slow"));
            } else {
                ECHO.handle(r);
            }
        };
        try (TestServer s = TestServer.start(backend, handler); RawClient c = s.connect()) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
            assertEquals("slow", c.read().text());
            assertEquals(100, c.read().status());
            c.send("ok");
            assertEquals("got ok", c.read().text());
        }
    }

    @BackendTest
    void realClientsThatExpect100GetTheirBodiesThrough(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("got " + r.body().length + " bytes"))) {
            HttpResponse<String> jdk = JdkClient.get().send(HttpServerTest.request(s.uri("/")).expectContinue(true)
                    .POST(BodyPublishers.ofByteArray(new byte[50_000])).build(), BodyHandlers.ofString());
            assertEquals("got 50000 bytes", jdk.body());

            Path file = Files.createTempFile("pants-continue", ".bin");
            try {
                Files.write(file, new byte[200_000]);
                Curl.Result curl = Curl.run("--verbose", "-H", "Expect: 100-continue", "--data-binary", "@" + file, s.url("/"));
                assertEquals(0, curl.exitCode(), curl.stderr());
                assertEquals("got 200000 bytes", curl.out());
                assertTrue(curl.stderr().contains("< HTTP/1.1 100 Continue"), "curl saw no 100 Continue:\n" + curl.stderr());
            } finally {
                Files.delete(file);
            }
        }
    }
}
