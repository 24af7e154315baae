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
