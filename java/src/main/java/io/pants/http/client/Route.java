// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * How requests to one origin travel: straight to it, through an HTTP proxy (which gets the
 * absolute URI), or through a proxy's {@code CONNECT} tunnel (for https). The connection pool
 * keeps connections per route: a connection to a proxy serves only its route.
 *
 * @param proxy              the proxy's address (unresolved), or null for a direct connection
 * @param proxyAuthorization the Proxy-Authorization value to send, or null
 */
record Route(String scheme, String host, int port, InetSocketAddress proxy, String proxyAuthorization) {
    static Route direct(URI uri) {
        return new Route(scheme(uri), uri.getHost(), port(uri), null, null);
    }

    static String scheme(URI uri) { return uri.getScheme().toLowerCase(java.util.Locale.ROOT); }

    static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : scheme(uri).equals("https") ? 443 : 80;
    }

    boolean secure() { return scheme.equals("https"); }

    /** Through a proxy that is asked to open a tunnel: https over a proxy. */
    boolean tunnel() { return proxy != null && secure(); }

    /** Through a proxy that forwards each request: http over a proxy. */
    boolean forwardProxy() { return proxy != null && !secure(); }

    /** Where the connection goes: the proxy, or the origin. */
    InetSocketAddress connectAddress() {
        return proxy != null ? proxy : InetSocketAddress.createUnresolved(host, port);
    }

    /** host:port as in a Host field or a CONNECT target (IPv6 literals bracketed; the port left out when it's the default). */
    String authority(boolean alwaysPort) {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        boolean defaultPort = port == (secure() ? 443 : 80);
        return alwaysPort || !defaultPort ? h + ":" + port : h;
    }

    String origin() { return scheme + "://" + authority(false); }

    @Override
    public String toString() {
        return origin() + (proxy == null ? "" : (tunnel() ? " tunnelled through " : " through ") + "proxy "
                + proxy.getHostString() + ":" + proxy.getPort());
    }
}
