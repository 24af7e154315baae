// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Which proxy, if any, a request goes through: a {@link ProxySelector} given to the client decides
 * (its first HTTP proxy; DIRECT for none), or else the one proxy set on the client, except for
 * the hosts on its bypass list (NO_PROXY style: {@code "localhost, .internal.example, 10.0.0.1"},
 * {@code "*"} for all). Credentials, if set, go to the proxy as {@code Basic} authorization.
 */
final class ProxyChoice {
    private final ProxySelector selector;
    private final InetSocketAddress proxy;
    private final List<String> bypass;
    private final String authorization;

    ProxyChoice(ProxySelector selector, InetSocketAddress proxy, String noProxy, String user, String password) {
        this.selector = selector;
        this.proxy = proxy;
        this.bypass = parseBypass(noProxy);
        this.authorization = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static final ProxyChoice NONE = new ProxyChoice(null, null, null, null, null);

    Route route(URI uri) throws HttpClientException {
        InetSocketAddress p = selector != null ? selected(uri) : bypassed(uri.getHost()) ? null : proxy;
        if (p == null) return Route.direct(uri);
        return new Route(Route.scheme(uri), uri.getHost(), Route.port(uri), p, authorization);
    }

    private InetSocketAddress selected(URI uri) throws HttpClientException {
        List<Proxy> proxies;
        try {
            proxies = selector.select(uri);
        } catch (RuntimeException e) {
            throw new HttpClientException("the ProxySelector failed for " + uri + ": " + e, e);
        }
        if (proxies == null) return null;
        for (Proxy p : proxies) {
            if (p.type() == Proxy.Type.DIRECT) return null;
            if (p.type() == Proxy.Type.HTTP) {
                SocketAddress a = p.address();
                if (a instanceof InetSocketAddress isa) return InetSocketAddress.createUnresolved(isa.getHostString(), isa.getPort());
            }
            // SOCKS proxies are not spoken: try the selector's next choice
        }
        throw new HttpClientException("the ProxySelector offers no HTTP proxy and no DIRECT for " + uri + ": " + proxies
                + " (SOCKS is not supported)");
    }

    /** Tells the selector, if it chose the proxy, that connecting to it failed (the {@link ProxySelector} contract). */
    void connectFailed(URI uri, InetSocketAddress proxyAddress, java.io.IOException cause) {
        if (selector == null) return;
        try {
            selector.connectFailed(uri, new InetSocketAddress(proxyAddress.getHostString(), proxyAddress.getPort()), cause);
        } catch (RuntimeException e) {
            System.getLogger("io.pants.http.client").log(System.Logger.Level.WARNING, "ProxySelector.connectFailed threw", e);
        }
    }

    boolean bypassed(String host) {
        if (proxy == null) return true;
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        for (String b : bypass) {
            if (b.equals("*")) return true;
            if (b.startsWith(".")) {
                if (h.endsWith(b) || h.equals(b.substring(1))) return true;
            } else if (h.equals(b) || h.endsWith("." + b)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> parseBypass(String noProxy) {
        List<String> out = new ArrayList<>();
        if (noProxy == null) return out;
        for (String part : noProxy.split("[,\\s]+")) {
            String p = part.strip().toLowerCase(Locale.ROOT);
            if (p.startsWith("*.")) p = p.substring(1); // "*.example.com" as ".example.com"
            if (p.startsWith("[") && p.endsWith("]")) p = p.substring(1, p.length() - 1);
            if (!p.isEmpty()) out.add(p);
        }
        return out;
    }
}
