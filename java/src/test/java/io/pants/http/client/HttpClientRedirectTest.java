// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import io.pants.http.HttpHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;

import static io.pants.http.client.ClientLoop.await;
import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redirects: chains, the limit, credentials kept to their origin, and the rules that say when not to follow. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientRedirectTest {
    /** /hop/N redirects to /hop/N-1 (relative), /hop/0 answers; /away redirects to {@code other}; /show tells what it got. */
    private static HttpHandler hops(String[] other) {
        return r -> {
            if (r.path().startsWith("/hop/")) {
                int n = Integer.parseInt(r.path().substring(5));
                if (n == 0) {
                    r.sendResponse("arrived auth=" + r.header("Authorization"));
                } else {
                    r.sendStatus(302);
                    r.sendHeader("Location", String.valueOf(n - 1));
                    r.send("");
                    r.finish();
                }
            } else if (r.path().equals("/away")) {
                r.sendStatus(307);
                r.sendHeader("Location", other[0] + "/show");
                r.send("");
                r.finish();
            } else {
                r.sendResponse("shown auth=" + r.header("Authorization") + " cookie=" + r.header("Cookie") + " body=" + r.bodyText());
            }
        };
    }

    @BackendTest
    void aChainIsFollowedUpToTheLimit(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, hops(new String[1])); ClientLoop c = new ClientLoop(backend, cl -> cl.followRedirects(3))) {
            ClientResponse r = await(c.client.request("GET", s.url("/hop/3")).header("Authorization", "Bearer t").send(), "3 hops");
            assertEquals("arrived auth=Bearer t", r.bodyText(), "credentials stay within the origin");
            assertEquals(s.url("/hop/0"), r.uri().toString());
            Throwable e = failure(c.client.get(s.url("/hop/4")), "4 hops");
            assertTrue(e.getMessage().contains("stopped after 3 redirects (followRedirects(3)); the next would go to " + s.url("/hop/0")),
                    e.getMessage());
            assertEquals(1, c.onLoop(() -> c.client.connectionsMade()), "every hop on the same pooled connection");
        }
    }

    @BackendTest
    void notFollowingGivesThe3xx(String backend) throws Exception {
        try (PantsServer s = new PantsServer(backend, hops(new String[1])); ClientLoop c = new ClientLoop(backend, cl -> cl.followRedirects(0))) {
            ClientResponse r = await(c.client.get(s.url("/hop/1")), "a redirect not followed");
            assertEquals(302, r.status());
            assertEquals("0", r.header("Location"));
        }
    }

    @BackendTest
    void credentialsDoNotFollowToAnotherOrigin(String backend) throws Exception {
        String[] other = new String[1];
        try (PantsServer a = new PantsServer(backend, hops(other)); PantsServer b = new PantsServer(backend, hops(other));
             ClientLoop c = new ClientLoop(backend)) {
            other[0] = "http://localhost:" + b.port;
            ClientResponse r = await(c.client.request("POST", a.url("/away")).header("Authorization", "Bearer t").header("Cookie", "k=v")
                    .body("payload").send(), "a 307 to another origin");
            assertEquals("shown auth=null cookie=null body=payload", r.bodyText(), "the body goes again, the credentials don't");
        }
    }

    @BackendTest
    void a307WithAStreamedBodyIsNotFollowed(String backend) throws Exception {
        String[] other = new String[1];
        try (PantsServer s = new PantsServer(backend, hops(other)); ClientLoop c = new ClientLoop(backend)) {
            other[0] = s.url("");
            ClientResponse r = await(c.client.request("POST", s.url("/away")).body(sink -> {
                sink.write("streamed".getBytes());
                sink.end();
            }).send(), "a 307 for a streamed body");
            assertEquals(307, r.status(), "a stream can't be sent twice: the 307 is the answer");
        }
    }

    @Test
    void theRulesOfRedirects() {
        URI https = URI.create("https://example.com/a/b"), http = URI.create("http://example.com/a/b");
        assertNull(Redirects.target(https, 301, "http://example.com/", false, false), "never from https to http unless asked");
        assertEquals(URI.create("http://example.com/"), Redirects.target(https, 301, "http://example.com/", false, true));
        assertEquals(URI.create("https://example.com/a/c"), Redirects.target(https, 302, "c", false, false), "relative");
        assertEquals(URI.create("https://example.com/x"), Redirects.target(http, 308, "https://example.com/x", false, false), "up to https");
        assertNull(Redirects.target(http, 307, "/x", true, false), "a streamed body can't go again");
        assertEquals(URI.create("http://example.com/x"), Redirects.target(http, 303, "/x", true, false), "303 drops the body");
        assertNull(Redirects.target(http, 300, "/x", false, false), "300 is not followed");
        assertNull(Redirects.target(http, 302, null, false, false), "no Location");
        assertNull(Redirects.target(http, 302, "ftp://example.com/", false, false), "not http");
        assertNull(Redirects.target(http, 302, "http://[bad", false, false), "malformed");
        assertTrue(Redirects.becomesGet(303, "PUT"));
        assertFalse(Redirects.becomesGet(303, "HEAD"));
        assertTrue(Redirects.becomesGet(301, "POST"));
        assertFalse(Redirects.becomesGet(301, "PUT"));
        assertFalse(Redirects.becomesGet(307, "POST"));
        assertFalse(Redirects.becomesGet(308, "POST"));
    }
}
