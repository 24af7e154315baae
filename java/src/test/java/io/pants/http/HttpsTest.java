// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.TlsConfig;
import io.pants.TlsFixtures;
import io.pants.web.Application;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS on HttpServer and web Applications: the JDK's HttpClient, curl, keep-alive and pipelining over TLS. */
@JdkClient.Uses
class HttpsTest {
    /** Answers with what the request knows of its security. */
    private static final HttpHandler DESCRIBE = request -> {
        request.sendStatus(200);
        request.sendHeaders(Map.of("Content-Type", "text/plain"));
        request.send(request.scheme() + " " + request.isSecure() + " " + request.tlsSession().getProtocol() + " " + request.path());
        request.finish();
    };

    private static TestServer https(String backend, HttpHandler handler) throws Exception {
        return TestServer.start(backend, handler, s -> s.tls(TlsConfig.of(TlsFixtures.serverContext()).alpn("http/1.1")));
    }

    @BackendTest
    void jdkHttpClientOverHttpsWithKeepAlive(String backend) throws Exception {
        try (TestServer server = https(backend, DESCRIBE)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = JdkClient.https().send(java.net.http.HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + server.port + "/n" + i)).timeout(io.pants.LoopThread.WAIT).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("https true TLSv1.3 /n" + i, r.body());
            }
            // three requests, one connection: the client kept it alive
            assertEquals(1, server.loop.call(() -> server.server.stats().accepted()), "connections accepted");
        }
    }

    /**
     * Keep-alive requests with large answers over TLS, a connection reset in the middle of one,
     * and a pipelined batch ended by {@code Connection: close}: once the connections are gone,
     * every output chunk is back in the engine's pool.
     */
    @BackendTest
    void httpsConnectionsGiveBackTheirOutputChunks(String backend) throws Exception {
        String big = "x".repeat(2 * 1024 * 1024);
        try (TestServer server = https(backend, request -> request.sendResponse(request.path().equals("/big") ? big : "small"))) {
            int before = io.pants.ChunksOutstanding.now(server.loop);
            try (SSLSocket c = TlsFixtures.jdkClient(server.port)) {
                OutputStream out = c.getOutputStream();
                InputStream in = c.getInputStream();
                for (String path : new String[] {"/small", "/big", "/small"}) {
                    out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    assertEquals(path.equals("/big") ? big : "small", body(in), "the answer to " + path);
                }
            } // close_notify while the connection is kept alive
            io.pants.ChunksOutstanding.assertBackTo(server.loop, before, 1, "keep-alive HTTPS requests and a clean close");

            try (java.net.Socket raw = new java.net.Socket("127.0.0.1", server.port)) {
                raw.setReceiveBufferSize(32 * 1024);
                SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket(raw, "localhost", server.port, false);
                c.startHandshake();
                c.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                c.getOutputStream().flush();
                assertEquals('H', c.getInputStream().read(), "the answer begins");
                raw.setSoLinger(true, 0);
            } // a reset with most of the answer queued
            io.pants.ChunksOutstanding.assertBackTo(server.loop, before, 1, "an HTTPS connection reset mid-answer");

            try (SSLSocket c = TlsFixtures.jdkClient(server.port, "TLSv1.2")) {
                c.getOutputStream().write(("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                c.getOutputStream().flush();
                InputStream in = c.getInputStream();
                assertEquals(big, body(in));
                assertEquals("small", body(in));
                assertEquals(-1, in.read(), "closed after Connection: close");
            }
            io.pants.ChunksOutstanding.assertBackTo(server.loop, before, 1, "pipelined HTTPS requests over TLS 1.2 ended by Connection: close");
        }
    }

    /** Reads one response with a Content-Length and returns its body. */
    private static String body(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new java.io.EOFException("the response ended in its head: " + head);
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        assertTrue(m.find(), "a Content-Length in " + head);
        return new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.ISO_8859_1);
    }

    @BackendTest
    void curlWithCacert(String backend) throws Exception {
        try (TestServer server = https(backend, DESCRIBE)) {
            Curl.Result r = Curl.run("--cacert", TlsFixtures.localhost().cert().toString(),
                    "https://localhost:" + server.port + "/a", "https://localhost:" + server.port + "/b",
                    "--resolve", "localhost:" + server.port + ":127.0.0.1");
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("https true TLSv1.3 /ahttps true TLSv1.3 /b", r.out(), "two requests on one connection");
            Curl.Result untrusted = Curl.run("https://127.0.0.1:" + server.port + "/");
            assertEquals(60, untrusted.exitCode(), "curl refuses a certificate it can't verify: " + untrusted.stderr());
        }
    }

    @BackendTest
    void pipelinedRequestsOverTls(String backend) throws Exception {
        try (TestServer server = https(backend, DESCRIBE);
             SSLSocket c = TlsFixtures.jdkClient(server.port)) {
            OutputStream out = c.getOutputStream();
            out.write(("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = c.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // to the server's close_notify
            assertEquals(3, all.split("HTTP/1.1 200 OK\r\n", -1).length - 1, all);
            int a = all.indexOf("/1"), b = all.indexOf("/2"), d = all.indexOf("/3");
            assertTrue(a > 0 && a < b && b < d, "responses in request order:\n" + all);
        }
    }

    @BackendTest
    void plainServerSaysHttp(String backend) throws Exception {
        try (TestServer server = TestServer.start(backend, request -> {
            request.sendResponse(request.scheme() + " " + request.isSecure() + " " + request.tlsSession(), 200, "text/plain");
        })) {
            assertEquals("http false null", JdkClient.get(server.uri("/")).body());
        }
    }

    @BackendTest
    void webApplicationOverHttps(String backend) throws Exception {
        Application app = new Application().get("/", request -> "hello over " + request.http().scheme())
                .tls(TlsFixtures.serverContext());
        try (io.pants.LoopThread loop = new io.pants.LoopThread(backend)) {
            // made on the loop thread: Application.listen uses the engine of the current callback
            HttpServer server = loop.call(() -> app.listen("127.0.0.1", 0));
            int port = loop.call(server::port);
            HttpResponse<String> r = JdkClient.https().send(java.net.http.HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/")).timeout(io.pants.LoopThread.WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("hello over https", r.body());
        }
    }
}
