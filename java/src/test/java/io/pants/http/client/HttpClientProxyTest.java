// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import io.pants.http.Curl;
import io.pants.http.HttpHandler;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pants.http.client.ClientLoop.await;
import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests through an HTTP proxy run in the test (checked with curl to be a real one): forwarding, CONNECT, Basic auth, bypass.
 * https in the tunnel: {@link HttpClientHttpsTest}.
 */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientProxyTest {
    /** Answers with the request's target and whether a Proxy-Authorization reached it (it must not). */
    private static final HttpHandler ORIGIN = r -> r.sendResponse("origin got " + r.target() + " proxy-auth=" + r.header("Proxy-Authorization"));

    @BackendTest
    void curlGoesThroughTheTestProxy(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ORIGIN); TestProxy proxy = new TestProxy("ann", "s3cret")) {
            Curl.Result forwarded = Curl.run("--proxy", "http://127.0.0.1:" + proxy.port(), "--proxy-user", "ann:s3cret", s.url("/via-curl"));
            assertEquals(0, forwarded.exitCode(), forwarded.stderr());
            assertEquals("origin got /via-curl proxy-auth=null", forwarded.out());
            assertEquals("GET " + s.url("/via-curl") + " HTTP/1.1", proxy.next().requestLine());
            Curl.Result tunnelled = Curl.run("--proxytunnel", "--proxy", "http://127.0.0.1:" + proxy.port(), "--proxy-user", "ann:s3cret",
                    s.url("/tunnelled"));
            assertEquals(0, tunnelled.exitCode(), tunnelled.stderr());
            assertEquals("origin got /tunnelled proxy-auth=null", tunnelled.out());
            assertEquals("CONNECT 127.0.0.1:" + s.port + " HTTP/1.1", proxy.next().requestLine());
            Curl.Result refused = Curl.run("--proxy", "http://127.0.0.1:" + proxy.port(), "--write-out", "%{http_code}", s.url("/"));
            assertEquals("407", refused.out());
        }
    }

    @BackendTest
    void anHttpRequestGoesThroughTheProxyWithBasicAuth(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ORIGIN); TestProxy proxy = new TestProxy("ann", "s3cret");
             ClientLoop c = new ClientLoop(backend, cl -> cl.proxy("127.0.0.1", proxy.port()).proxyCredentials("ann", "s3cret"))) {
            ClientResponse r = await(c.client.get(s.url("/a?b=c")), "GET through the proxy");
            assertEquals("origin got /a?b=c proxy-auth=null", r.bodyText());
            TestProxy.Seen seen = proxy.next();
            assertEquals("GET " + s.url("/a?b=c") + " HTTP/1.1", seen.requestLine(), "the absolute form");
            assertEquals("Basic YW5uOnMzY3JldA==", seen.authorization());
            // the connection to the proxy is pooled: the next request goes on it
            assertEquals("origin got /again proxy-auth=null", await(c.client.get(s.url("/again")), "again").bodyText());
            assertEquals(1, c.onLoop(() -> c.client.connectionsMade()));
            proxy.check();
        }
    }

    @BackendTest
    void wrongOrMissingCredentialsFailTheRequest(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ORIGIN); TestProxy proxy = new TestProxy("ann", "s3cret");
             ClientLoop wrong = new ClientLoop(backend, cl -> cl.proxy("127.0.0.1", proxy.port()).proxyCredentials("ann", "guess"));
             ClientLoop none = new ClientLoop(backend, cl -> cl.proxy("127.0.0.1", proxy.port()))) {
            Throwable e = failure(wrong.client.get(s.url("/")), "wrong credentials");
            assertInstanceOf(HttpClientException.class, e);
            assertTrue(e.getMessage().contains("wants authentication (407 Proxy Authentication Required)")
                    && e.getMessage().contains("refused the credentials given"), e.getMessage());
            Throwable e2 = failure(none.client.get(s.url("/")), "no credentials");
            assertTrue(e2.getMessage().contains("give it with proxyCredentials(user, password)"), e2.getMessage());
            assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("ann:guess".getBytes()), proxy.next().authorization());
            assertNull(proxy.next().authorization(), "none sent");
        }
    }

    @BackendTest
    void aRefusedTunnelFailsTheRequest(String backend) throws Exception {
        try (TestProxy proxy = new TestProxy("ann", "s3cret");
             ClientLoop c = new ClientLoop(backend, cl -> cl.proxy("127.0.0.1", proxy.port()).proxyCredentials("bob", "x"))) {
            Throwable e = failure(c.client.get("https://example.invalid/"), "a tunnel with wrong credentials");
            assertTrue(e.getMessage().contains("wants authentication (407"), e.getMessage());
            assertEquals("CONNECT example.invalid:443 HTTP/1.1", proxy.next().requestLine());
        }
    }

    @BackendTest
    void bypassedHostsAreReachedDirectly(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ORIGIN); TestProxy proxy = new TestProxy(null, null);
             ClientLoop c = new ClientLoop(backend, cl -> cl.proxy("127.0.0.1", proxy.port()).noProxy("example.com, 127.0.0.1"))) {
            assertEquals("origin got /direct proxy-auth=null", await(c.client.get(s.url("/direct")), "a bypassed host").bodyText());
            // and "localhost" is not on the list: through the proxy
            assertEquals("origin got /proxied proxy-auth=null",
                    await(c.client.get("http://localhost:" + s.port + "/proxied"), "a proxied host").bodyText());
            assertEquals("GET http://localhost:" + s.port + "/proxied HTTP/1.1", proxy.next().requestLine(), "only the proxied request");
            assertTrue(proxy.seen.isEmpty());
        }
    }

    @BackendTest
    void aProxySelectorIsHonoured(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, ORIGIN); TestProxy proxy = new TestProxy(null, null)) {
            List<URI> asked = new CopyOnWriteArrayList<>();
            ProxySelector selector = new ProxySelector() {
                @Override
                public List<Proxy> select(URI uri) {
                    asked.add(uri);
                    return uri.getPath().startsWith("/direct") ? List.of(Proxy.NO_PROXY)
                            : List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", proxy.port())));
                }

                @Override
                public void connectFailed(URI uri, SocketAddress sa, IOException ioe) { }
            };
            try (ClientLoop c = new ClientLoop(backend, cl -> cl.proxySelector(selector))) {
                assertEquals("origin got /via proxy-auth=null", await(c.client.get(s.url("/via")), "selected proxy").bodyText());
                assertEquals("GET " + s.url("/via") + " HTTP/1.1", proxy.next().requestLine());
                assertEquals("origin got /direct proxy-auth=null", await(c.client.get(s.url("/direct")), "DIRECT").bodyText());
                assertTrue(proxy.seen.isEmpty(), "DIRECT went around the proxy");
                assertEquals(List.of(URI.create(s.url("/via")), URI.create(s.url("/direct"))), asked);
            }
        }
    }

    @BackendTest
    void theSelectorHearsOfAProxyThatCannotBeReached(String backend) throws Exception {
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        List<String> failed = new CopyOnWriteArrayList<>();
        ProxySelector selector = new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) { return List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", dead))); }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) { failed.add(uri + " " + sa); }
        };
        try (ClientLoop c = new ClientLoop(backend, cl -> cl.proxySelector(selector))) {
            Throwable e = failure(c.client.get("http://example.invalid/x"), "a request through a dead proxy");
            assertTrue(e.getMessage().contains("could not connect to http://example.invalid through proxy 127.0.0.1:" + dead), e.getMessage());
            assertEquals(List.of("http://example.invalid/x /127.0.0.1:" + dead), failed);
        }
    }
}
