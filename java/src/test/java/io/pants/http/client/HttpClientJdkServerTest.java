// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static io.pants.http.client.ClientLoop.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The client against the JDK's own HTTP server: an implementation that owes nothing to ours. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientJdkServerTest {
    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        // half text, half noise: compressible, but not trivially
        for (int i = 0; i < n; i += 2) b[i] = (byte) ('a' + (i % 26));
        return b;
    }

    @BackendTest
    void fixedLengthChunkedAndKeepAlive(String backend) throws Exception {
        byte[] big = random(300_000);
        try (JdkServer s = new JdkServer()
                .route("/fixed", x -> JdkServer.send(x, 200, "fixed".getBytes()))
                .route("/chunked", x -> {
                    x.sendResponseHeaders(200, 0); // 0: chunked
                    try (OutputStream out = x.getResponseBody()) {
                        for (int i = 0; i < big.length; i += 10_000) out.write(big, i, Math.min(10_000, big.length - i));
                    }
                })
                .route("/who", x -> JdkServer.send(x, 200, x.getRemoteAddress().toString().getBytes()));
             ClientLoop c = new ClientLoop(backend)) {
            assertEquals("fixed", await(c.client.get(s.url("/fixed")), "fixed").bodyText());
            ClientResponse chunked = await(c.client.get(s.url("/chunked")), "chunked");
            assertEquals("chunked", chunked.header("Transfer-Encoding"));
            assertArrayEquals(big, chunked.body());
            String who = await(c.client.get(s.url("/who")), "who").bodyText();
            assertEquals(who, await(c.client.get(s.url("/who")), "who again").bodyText(), "the same connection");
            assertEquals(1, c.onLoop(() -> c.client.connectionsMade()));
        }
    }

    @BackendTest
    void gzipAndDeflateBodiesAreDecoded(String backend) throws Exception {
        byte[] text = random(200_000);
        try (JdkServer s = new JdkServer()
                .route("/gzip", x -> {
                    x.getResponseHeaders().set("X-Asked", String.valueOf(x.getRequestHeaders().getFirst("Accept-Encoding")));
                    x.getResponseHeaders().set("Content-Encoding", "gzip");
                    x.sendResponseHeaders(200, 0);
                    try (OutputStream out = new GZIPOutputStream(x.getResponseBody())) {
                        out.write(text);
                    }
                })
                .route("/deflate", x -> {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    try (OutputStream out = new DeflaterOutputStream(b)) {
                        out.write(text);
                    }
                    x.getResponseHeaders().set("Content-Encoding", "deflate");
                    JdkServer.send(x, 200, b.toByteArray());
                });
             ClientLoop c = new ClientLoop(backend)) {
            ClientResponse gzip = await(c.client.get(s.url("/gzip")), "gzip");
            assertEquals("gzip, deflate", gzip.header("X-Asked"));
            assertEquals("gzip", gzip.header("Content-Encoding"), "the headers as the server sent them");
            assertArrayEquals(text, gzip.body());
            assertArrayEquals(text, await(c.client.get(s.url("/deflate")), "deflate").body());
            // a request with an Accept-Encoding of its own gets the body as sent
            ClientResponse raw = await(c.client.request("GET", s.url("/gzip")).header("Accept-Encoding", "gzip").send(), "raw gzip");
            assertEquals(0x1f, raw.body()[0] & 0xff);
            assertEquals(0x8b, raw.body()[1] & 0xff);
        }
    }

    @BackendTest
    void postHeadAndExpectContinue(String backend) throws Exception {
        try (JdkServer s = new JdkServer().route("/echo", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            x.getResponseHeaders().set("X-Expect", String.valueOf(x.getRequestHeaders().getFirst("Expect")));
            JdkServer.send(x, 200, (x.getRequestMethod() + " " + new String(body, StandardCharsets.UTF_8)).getBytes());
        }); ClientLoop c = new ClientLoop(backend)) {
            assertEquals("POST hello", await(c.client.request("POST", s.url("/echo")).body("hello").send(), "POST").bodyText());
            ClientResponse head = await(c.client.request("HEAD", s.url("/echo")).send(), "HEAD");
            assertEquals(0, head.body().length);
            byte[] big = new byte[100_000];
            Arrays.fill(big, (byte) 'z');
            ClientResponse cont = await(c.client.request("PUT", s.url("/echo")).expectContinue(true).body(big).send(), "100-continue");
            assertEquals("100-continue", cont.header("X-Expect"));
            assertEquals("PUT " + "z".repeat(100_000), cont.bodyText());
            assertEquals("null", await(c.client.get(s.url("/echo")), "GET").header("X-Expect"), "no Expect unless asked");
        }
    }

    @BackendTest
    void redirectsOnTheJdkServer(String backend) throws Exception {
        try (JdkServer s = new JdkServer()
                .route("/moved", x -> {
                    x.getResponseHeaders().set("Location", "/final?from=" + x.getRequestMethod());
                    JdkServer.send(x, Integer.parseInt(x.getRequestURI().getQuery()), new byte[0]);
                })
                .route("/final", x -> {
                    byte[] body = x.getRequestBody().readAllBytes();
                    JdkServer.send(x, 200, (x.getRequestMethod() + " " + x.getRequestURI().getQuery() + " body="
                            + new String(body, StandardCharsets.UTF_8)).getBytes());
                });
             ClientLoop c = new ClientLoop(backend)) {
            for (int status : new int[] {301, 302, 303}) {
                ClientResponse r = await(c.client.request("POST", s.url("/moved?" + status)).body("data").send(), "POST " + status);
                assertEquals("GET from=POST body=", r.bodyText(), status + ": a POST becomes a GET without its body");
                assertEquals(s.url("/final?from=POST"), r.uri().toString());
            }
            for (int status : new int[] {307, 308}) {
                ClientResponse r = await(c.client.request("POST", s.url("/moved?" + status)).body("data").send(), "POST " + status);
                assertEquals("POST from=POST body=data", r.bodyText(), status + ": method and body kept");
            }
            ClientResponse put = await(c.client.request("PUT", s.url("/moved?302")).body("data").send(), "PUT 302");
            assertEquals("PUT from=PUT body=data", put.bodyText(), "302 changes only a POST");
            ClientResponse head = await(c.client.request("HEAD", s.url("/moved?303")).send(), "HEAD 303");
            assertEquals(200, head.status(), "a HEAD stays a HEAD after a 303");
        }
    }
}
