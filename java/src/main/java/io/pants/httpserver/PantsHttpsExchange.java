// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpsExchange;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * What handlers of a {@link PantsHttpsServer} get: the {@link PantsHttpExchange} that does the
 * work, seen as an {@code HttpsExchange} with the connection's TLS session. A wrapper because
 * the JDK's API is two abstract classes, and an exchange can't extend both; handlers that test
 * {@code instanceof HttpsExchange} tell HTTPS from HTTP as on the JDK's server.
 */
final class PantsHttpsExchange extends HttpsExchange {
    private final PantsHttpExchange exchange;
    private final SSLSession session;

    PantsHttpsExchange(PantsHttpExchange exchange, SSLSession session) {
        this.exchange = exchange;
        this.session = session;
    }

    @Override public SSLSession getSSLSession() { return session; }
    @Override public Headers getRequestHeaders() { return exchange.getRequestHeaders(); }
    @Override public Headers getResponseHeaders() { return exchange.getResponseHeaders(); }
    @Override public URI getRequestURI() { return exchange.getRequestURI(); }
    @Override public String getRequestMethod() { return exchange.getRequestMethod(); }
    @Override public HttpContext getHttpContext() { return exchange.getHttpContext(); }
    @Override public void close() { exchange.close(); }
    @Override public InputStream getRequestBody() { return exchange.getRequestBody(); }
    @Override public OutputStream getResponseBody() { return exchange.getResponseBody(); }
    @Override public void sendResponseHeaders(int code, long length) throws IOException { exchange.sendResponseHeaders(code, length); }
    @Override public InetSocketAddress getRemoteAddress() { return exchange.getRemoteAddress(); }
    @Override public int getResponseCode() { return exchange.getResponseCode(); }
    @Override public InetSocketAddress getLocalAddress() { return exchange.getLocalAddress(); }
    @Override public String getProtocol() { return exchange.getProtocol(); }
    @Override public Object getAttribute(String name) { return exchange.getAttribute(name); }
    @Override public void setAttribute(String name, Object value) { exchange.setAttribute(name, value); }
    @Override public void setStreams(InputStream i, OutputStream o) { exchange.setStreams(i, o); }
    @Override public HttpPrincipal getPrincipal() { return exchange.getPrincipal(); }

    @Override
    public String toString() {
        return exchange + " over " + session.getProtocol();
    }
}
