// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.Server;
import io.pants.Stream;
import io.pants.TestCertificates;
import io.pants.Tls;
import io.pants.TlsConfig;
import io.pants.TlsFixtures;
import io.pants.http.Curl;
import io.pants.http.HttpHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLHandshakeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pants.http.client.ClientLoop.await;
import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * https with the client: against our HttpServer over TLS and the JDK's own HttpsServer, through a
 * proxy's CONNECT tunnel, certificates it must refuse, keep-alive, ALPN and redirects between
 * the schemes. The server's certificate is the test one for localhost, 127.0.0.1 and ::1.
 */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientHttpsTest {
    /** Answers with what the server saw: the scheme, the target and the body. */
    private static final HttpHandler ECHO = r -> r.sendResponse(r.scheme() + " " + r.method() + " " + r.target() + " " + r.bodyText());

    private static PantsServer httpsServer(String backend, HttpHandler handler) throws Exception {
        return new PantsServer(backend, handler, s -> s.tls(TlsFixtures.serverContext()));
    }

    /** A client trusting the test certificate. */
    private static ClientLoop trustingClient(String backend) throws Exception {
        return new ClientLoop(backend, c -> c.tls(TlsFixtures.clientContext()));
    }

    @BackendTest
    void getsAndPostsFromOurHttpsServer(String backend) throws Exception {
        try (PantsServer s = httpsServer(backend, ECHO); ClientLoop c = trustingClient(backend)) {
            ClientResponse r = await(c.client.get("https://localhost:" + s.port + "/a?b=c"), "GET over TLS");
            assertEquals(200, r.status());
            assertEquals("https GET /a?b=c ", r.bodyText(), "the server saw a TLS request");
            ClientResponse p = await(c.client.request("POST", "https://127.0.0.1:" + s.port + "/notes").body("hi there").send(),
                    "POST to the address literal (an IP name in the certificate)");
            assertEquals("https POST /notes hi there", p.bodyText());
        }
    }

    @BackendTest
    void keepAliveReusesTheTlsConnection(String backend) throws Exception {
        try (PantsServer s = httpsServer(backend, r -> r.sendResponse(r.remoteAddress().toString()));
             ClientLoop c = trustingClient(backend)) {
            String first = await(c.client.get("https://localhost:" + s.port + "/1"), "first").bodyText();
            c.until("the connection is back in the pool", () -> c.client.idleConnections() == 1);
            String second = await(c.client.get("https://localhost:" + s.port + "/2"), "second").bodyText();
            String third = await(c.client.get("https://localhost:" + s.port + "/3"), "third").bodyText();
            assertEquals(first, second, "the same client port: the same connection");
            assertEquals(first, third);
            assertEquals(1, c.onLoop(() -> c.client.connectionsMade()));
            // another origin (the other name of the same server) is another connection
            await(c.client.get("https://127.0.0.1:" + s.port + "/4"), "another origin");
            assertEquals(2, c.onLoop(() -> c.client.connectionsMade()));
            assertEquals(2, c.onLoop(() -> c.client.openConnections()), "both kept open");
        }
    }

    /**
     * A server that ends a kept connection with a bare FIN (no close_notify, as many do) just as
     * the next request goes out: as after a plain close, the GET is sent again on a new connection.
     */
    @BackendTest
    void aKeptConnectionEndedWithoutCloseNotifyIsRetried(String backend) throws Exception {
        javax.net.ssl.SSLSocketFactory tls = TlsFixtures.serverContext().getSocketFactory();
        CompletableFuture<Void> script = new CompletableFuture<>();
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ClientLoop c = trustingClient(backend)) {
            Thread server = new Thread(() -> {
                try (java.net.Socket raw1 = listener.accept()) {
                    raw1.setSoTimeout((int) LoopThread.WAIT.toMillis());
                    java.net.Socket s1 = tls.createSocket(raw1, null, false);
                    readHead(s1.getInputStream());
                    s1.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst".getBytes(StandardCharsets.ISO_8859_1));
                    s1.getOutputStream().flush();
                    readHead(s1.getInputStream()); // the second request, never answered here
                    raw1.shutdownOutput(); // a FIN under TLS, without close_notify
                    try (java.net.Socket raw2 = listener.accept()) {
                        raw2.setSoTimeout((int) LoopThread.WAIT.toMillis());
                        java.net.Socket s2 = tls.createSocket(raw2, null, true);
                        readHead(s2.getInputStream());
                        s2.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond".getBytes(StandardCharsets.ISO_8859_1));
                        s2.getOutputStream().flush();
                        script.complete(null);
                    }
                } catch (Exception | AssertionError e) {
                    script.completeExceptionally(e);
                }
            }, "test-truncating-server");
            server.setDaemon(true);
            server.start();
            String url = "https://127.0.0.1:" + listener.getLocalPort();
            assertEquals("first", await(c.client.get(url + "/1"), "the first request").bodyText());
            c.until("the connection is back in the pool", () -> c.client.idleConnections() == 1);
            assertEquals("second", await(c.client.get(url + "/2"), "the second, retried").bodyText());
            await(script, "the server's script");
            assertEquals(2, c.onLoop(() -> c.client.connectionsMade()), "the retry's new connection");
            server.join(LoopThread.WAIT.toMillis());
        }
    }

    /** Reads a request head (no body: the client sends GETs). */
    private static void readHead(java.io.InputStream in) throws java.io.IOException {
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) throw new AssertionError("the request head ended early");
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    @Test
    void connectionsAreKeptPerSchemeHostAndPort() {
        assertNotEquals(Route.direct(URI.create("http://localhost:8443/")), Route.direct(URI.create("https://localhost:8443/")));
        assertEquals(Route.direct(URI.create("https://localhost:8443/a")), Route.direct(URI.create("https://localhost:8443/b")));
        assertEquals(Route.direct(URI.create("https://localhost/")), Route.direct(URI.create("https://localhost:443/")));
    }

    @BackendTest
    void getsFromTheJdksOwnHttpsServer(String backend) throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        assertTrue(server.getClass().getName().startsWith("sun.net.httpserver."),
                "the JDK's own server, not a provider on the class path: " + server.getClass().getName());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        server.setExecutor(pool);
        server.setHttpsConfigurator(new HttpsConfigurator(TlsFixtures.serverContext()));
        server.createContext("/", x -> {
            try (x) {
                byte[] in = x.getRequestBody().readAllBytes();
                String protocol = ((HttpsExchange) x).getSSLSession().getProtocol();
                JdkServer.send(x, 200, (protocol + " " + x.getRequestMethod() + " " + x.getRequestURI() + " "
                        + new String(in, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        int port = server.getAddress().getPort();
        try (ClientLoop c = trustingClient(backend)) {
            ClientResponse r = await(c.client.get("https://127.0.0.1:" + port + "/jdk"), "GET from the JDK's HttpsServer");
            assertEquals(200, r.status());
            assertTrue(r.bodyText().matches("TLSv1\\.[23] GET /jdk "), r.bodyText());
            ClientResponse p = await(c.client.request("PUT", "https://127.0.0.1:" + port + "/put").body("body").send(), "PUT");
            assertTrue(p.bodyText().endsWith(" PUT /put body"), p.bodyText());
            assertEquals(1, c.onLoop(() -> c.client.connectionsMade()), "the JDK server kept the connection");
        } finally {
            server.stop(0);
            pool.shutdownNow();
            pool.awaitTermination(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @BackendTest
    void httpsGoesThroughTheProxysConnectTunnel(String backend) throws Exception {
        try (PantsServer s = httpsServer(backend, ECHO); TestProxy proxy = new TestProxy("ann", "s3cret")) {
            // the test proxy tunnels https for curl, a client independent of ours
            Curl.Result viaCurl = Curl.run("--cacert", TlsFixtures.localhost().cert().toString(), "--proxy",
                    "http://127.0.0.1:" + proxy.port(), "--proxy-user", "ann:s3cret", "https://localhost:" + s.port + "/curl");
            assertEquals(0, viaCurl.exitCode(), viaCurl.stderr());
            assertEquals("https GET /curl ", viaCurl.out());
            assertEquals("CONNECT localhost:" + s.port + " HTTP/1.1", proxy.next().requestLine());
            try (ClientLoop c = new ClientLoop(backend, cl -> cl.tls(TlsFixtures.clientContext()).proxy("127.0.0.1", proxy.port())
                    .proxyCredentials("ann", "s3cret"))) {
                ClientResponse r = await(c.client.get("https://localhost:" + s.port + "/secret"), "https through the tunnel");
                assertEquals("https GET /secret ", r.bodyText(), "TLS with the origin, in the tunnel");
                TestProxy.Seen seen = proxy.next();
                assertEquals("CONNECT localhost:" + s.port + " HTTP/1.1", seen.requestLine());
                assertEquals("Basic YW5uOnMzY3JldA==", seen.authorization());
                ClientResponse again = await(c.client.request("POST", "https://localhost:" + s.port + "/again").body("x").send(), "again");
                assertEquals("https POST /again x", again.bodyText());
                assertEquals(1, c.onLoop(() -> c.client.connectionsMade()), "the tunnel was kept and reused");
                assertTrue(proxy.seen.isEmpty(), "no second CONNECT: " + proxy.seen);
            }
            proxy.check();
        }
    }

    @BackendTest
    void theTunnelChecksTheOriginsCertificateNotTheProxys(String backend) throws Exception {
        TestCertificates.Pair other = otherCertificate();
        try (PantsServer s = httpsServer(backend, ECHO); TestProxy proxy = new TestProxy(null, null);
             ClientLoop c = new ClientLoop(backend, cl -> cl.tls(Tls.clientContext(other.cert())).proxy("127.0.0.1", proxy.port()))) {
            Throwable e = failure(c.client.get("https://localhost:" + s.port + "/"), "a tunnelled origin with an untrusted certificate");
            assertInstanceOf(HttpClientException.class, e);
            assertTrue(e.getMessage().contains("its certificate is not trusted") && e.getMessage().contains("tunnelled through the proxy"),
                    e.getMessage());
            assertEquals("CONNECT localhost:" + s.port + " HTTP/1.1", proxy.next().requestLine());
            c.until("the failed connection is closed", () -> c.client.openConnections() == 0);
        }
    }

    @BackendTest
    void anUntrustedCertificateIsRefusedByDefault(String backend) throws Exception {
        AtomicInteger served = new AtomicInteger();
        try (PantsServer s = httpsServer(backend, r -> {
            served.incrementAndGet();
            r.sendResponse("should not be asked");
        }); ClientLoop c = new ClientLoop(backend)) { // the JDK's certificate authorities: none signed the test certificate
            Throwable e = failure(c.client.get("https://localhost:" + s.port + "/"), "a self-signed server");
            assertInstanceOf(HttpClientException.class, e);
            assertInstanceOf(SSLHandshakeException.class, e.getCause());
            assertTrue(e.getMessage().startsWith("TLS with https://localhost:" + s.port + " failed: its certificate is not trusted"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("HttpClient.tls(Tls.clientContext("), "says what to do: " + e.getMessage());
            c.until("the failed connection is closed", () -> c.client.openConnections() == 0);
            assertEquals(0, served.get(), "no request went to a server that was not trusted");
        }
    }

    @BackendTest
    void aCertificateForAnotherHostIsRefused(String backend) throws Exception {
        TestCertificates.Pair other = otherCertificate();
        try (PantsServer s = new PantsServer(backend, ECHO, srv -> srv.tls(Tls.serverContext(other.cert(), other.key())));
             ClientLoop c = new ClientLoop(backend, cl -> cl.tls(Tls.clientContext(other.cert())));
             ClientLoop lax = new ClientLoop(backend, cl -> cl.tls(TlsConfig.of(Tls.clientContext(other.cert())).verifyHostname(false)))) {
            Throwable e = failure(c.client.get("https://127.0.0.1:" + s.port + "/"), "a trusted certificate naming another host");
            assertInstanceOf(HttpClientException.class, e);
            assertTrue(e.getMessage().startsWith("TLS with https://127.0.0.1:" + s.port + " failed: its certificate is not for 127.0.0.1"),
                    e.getMessage());
            Throwable byName = failure(c.client.get("https://localhost:" + s.port + "/"), "the same by name");
            assertTrue(byName.getMessage().contains("its certificate is not for localhost"), byName.getMessage());
            // the check is the host name's alone: with it turned off, the same certificate is accepted
            assertEquals("https GET /lax ", await(lax.client.get("https://127.0.0.1:" + s.port + "/lax"), "verifyHostname(false)").bodyText());
            c.until("the failed connections are closed", () -> c.client.openConnections() == 0);
        }
    }

    @BackendTest
    void alpnOffersHttp11(String backend) throws Exception {
        CompletableFuture<String> chosen = new CompletableFuture<>();
        try (LoopThread server = new LoopThread(backend); ClientLoop c = trustingClient(backend)) {
            TlsConfig tls = TlsConfig.of(TlsFixtures.serverContext()).alpn("h2", "http/1.1");
            int port = server.call(() -> new Server(server.engine, () -> new Stream() {
                @Override
                protected void onConnect() { chosen.complete(applicationProtocol()); }

                @Override
                protected void onRead(byte[] data) {
                    if (new String(data, StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        write("HTTP/1.1 200 OK\r\nContent-Length: " + applicationProtocol().length() + "\r\n\r\n" + applicationProtocol());
                    }
                }
            }).tls(tls).listen("127.0.0.1", 0).port());
            ClientResponse r = await(c.client.get("https://127.0.0.1:" + port + "/"), "GET from a server offering h2 first");
            assertEquals("http/1.1", await(chosen, "the server's ALPN choice"), "the client offers http/1.1 only");
            assertEquals("http/1.1", r.bodyText());
        }
    }

    @BackendTest
    void redirectsFromHttpsToHttpOnlyWhenAllowed(String backend) throws Exception {
        int[] tlsPort = new int[1];
        try (PantsServer plain = new PantsServer(backend, r -> {
            if (r.path().equals("/up")) redirect(r, "https://localhost:" + tlsPort[0] + "/secure");
            else ECHO.handle(r);
        }); PantsServer secure = httpsServer(backend, r -> {
            if (r.path().equals("/down")) redirect(r, plain.url("/landed"));
            else ECHO.handle(r);
        }); ClientLoop strict = trustingClient(backend);
             ClientLoop allowing = new ClientLoop(backend, cl -> cl.tls(TlsFixtures.clientContext()).allowRedirectsToHttp(true))) {
            tlsPort[0] = secure.port;
            String down = "https://localhost:" + secure.port + "/down";
            ClientResponse stopped = await(strict.client.get(down), "https redirected to http");
            assertEquals(302, stopped.status(), "not followed down to http: the 302 is the response");
            assertEquals(plain.url("/landed"), stopped.header("Location"));
            assertEquals("http GET /landed ", await(allowing.client.get(down), "allowed down to http").bodyText());
            assertEquals("https GET /secure ", await(strict.client.get(plain.url("/up")), "http redirected up to https").bodyText());
        }
    }

    private static void redirect(io.pants.http.HttpRequest r, String location) {
        r.sendStatus(302);
        r.sendHeader("Location", location);
        r.send("");
        r.finish();
    }

    /** A self-signed certificate for other.test only, made once. */
    private static synchronized TestCertificates.Pair otherCertificate() throws Exception {
        if (other == null) other = TestCertificates.selfSigned(TlsFixtures.dir("other-test"), "other.test", "dns:other.test", "EC");
        return other;
    }

    private static TestCertificates.Pair other;
}
