// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NO_PROXY-style bypass list and the routes it gives (no sockets: pure rules). */
class ProxyChoiceTest {
    private static ProxyChoice choice(String noProxy) {
        return new ProxyChoice(null, InetSocketAddress.createUnresolved("proxy.local", 3128), noProxy, "u", "p");
    }

    @Test
    void theBypassListMatchesHostsAndTheirSubdomains() {
        ProxyChoice c = choice("localhost, .internal.example,example.org 10.0.0.1 *.corp.test [::1]");
        assertTrue(c.bypassed("localhost"));
        assertTrue(c.bypassed("LOCALHOST"));
        assertTrue(c.bypassed("a.internal.example"));
        assertTrue(c.bypassed("internal.example"), "a leading dot also covers the domain itself, as curl does");
        assertTrue(c.bypassed("example.org"));
        assertTrue(c.bypassed("www.example.org"), "a domain covers its subdomains");
        assertFalse(c.bypassed("badexample.org"), "but not names that merely end the same");
        assertTrue(c.bypassed("10.0.0.1"));
        assertFalse(c.bypassed("10.0.0.10"));
        assertTrue(c.bypassed("x.corp.test"));
        assertTrue(c.bypassed("[::1]"));
        assertFalse(c.bypassed("example.com"));
        assertTrue(choice("*").bypassed("anything.at.all"));
        assertFalse(choice(null).bypassed("localhost"));
    }

    @Test
    void routesSayHowARequestTravels() throws Exception {
        ProxyChoice c = choice("direct.test");
        Route forward = c.route(URI.create("http://a.test/x"));
        assertTrue(forward.forwardProxy());
        assertFalse(forward.tunnel());
        assertEquals("proxy.local", forward.connectAddress().getHostString());
        assertEquals("Basic dTpw", forward.proxyAuthorization());
        Route tunnel = c.route(URI.create("https://a.test/x"));
        assertTrue(tunnel.tunnel());
        assertEquals("a.test:443", tunnel.authority(true));
        Route direct = c.route(URI.create("http://direct.test:8080/"));
        assertNull(direct.proxy());
        assertEquals("direct.test:8080", direct.authority(false));
        assertEquals("http://direct.test:8080", direct.origin());
        assertEquals("[::1]:80", Route.direct(URI.create("http://[::1]/")).authority(true));
    }
}
