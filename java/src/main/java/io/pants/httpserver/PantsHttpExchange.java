// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import io.pants.Engine;
import io.pants.http.HttpRequest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One request and its response, as the JDK's API sees them. Made on the loop thread from a
 * parsed {@link HttpRequest}, handled there (the server has no executor) or on another thread.
 *
 * <h2>The streams</h2>
 * The request body ({@link RequestBody}) streams, without a size limit: one up to the HTTP
 * server's body limit (10 MB by default) is all in before the handler runs, so a handler on the
 * loop reads it without waiting; a larger one keeps arriving while the handler reads it (on an
 * executor's thread, or without one on the server's large-body thread), which then waits for
 * the client, and the client for the handler (backpressure).
 * The response body ({@link ResponseBody}) passes what the handler writes to the loop thread in
 * pieces, and makes a handler on another thread wait while the connection is not writable: a
 * slow client holds the handler back instead of piling the response up in memory. A handler on
 * the loop never waits: its response is queued in memory.
 *
 * <h2>Lengths</h2>
 * As in the JDK, {@code sendResponseHeaders(code, n)} with {@code n > 0} promises exactly
 * {@code n} bytes ({@code Content-Length}); 0 streams a body of any length (chunked, or until
 * the connection closes for an HTTP/1.0 client); -1 sends no body and ends the exchange, as
 * do 204 and 304 responses. Writing more than promised throws, closing with less throws and
 * closes the connection. A HEAD request is answered with the head a GET would get, its
 * {@code Content-Length} or chunked coding included: what its handler writes is counted and
 * dropped (the JDK would throw instead), so a handler written for GET answers HEAD correctly.
 *
 * <h2>Failures</h2>
 * A handler (or filter) that throws gets its client a 500 if its response head was not sent
 * yet, else the connection closes. Closing the exchange before {@code sendResponseHeaders} also
 * answers 500. A handler that returns without closing leaves the exchange open, as in the JDK:
 * it may finish it later from another thread.
 */
final class PantsHttpExchange extends HttpExchange {
    private final PantsHttpServer server;
    private final PantsHttpContext context;
    private final URI uri;
    private final String method, protocol;
    private final boolean headRequest;
    private final Headers requestHeaders = new Headers();
    private final Headers responseHeaders = new Headers();
    private final InetSocketAddress remoteAddress, localAddress;
    private final Map<String, Object> attributes = new HashMap<>();
    private final ResponseBody responseBody;
    /** The streamed request body, or null when the request has none. */
    private final RequestBody requestBody;
    private InputStream in;
    private OutputStream out;
    private volatile HttpPrincipal principal;
    private volatile int responseCode = -1;
    private boolean closed;
    /** The connection's TLS session, or null: over HTTPS, handlers get a {@link PantsHttpsExchange} around this one. */
    private final javax.net.ssl.SSLSession tlsSession;
    /** The loop of the exchange's connection. */
    private final Engine loop;

    /** On the loop thread: copies what the handler will read, maybe on another thread. */
    PantsHttpExchange(PantsHttpServer server, PantsHttpContext context, HttpRequest request, URI uri, RequestBody requestBody) {
        this.server = server;
        this.context = context;
        this.uri = uri;
        this.method = request.method();
        this.protocol = request.version();
        this.headRequest = method.equals("HEAD");
        for (Map.Entry<String, String> field : request.headers()) requestHeaders.add(field.getKey(), field.getValue());
        this.remoteAddress = (InetSocketAddress) request.remoteAddress();
        this.localAddress = (InetSocketAddress) request.localAddress();
        this.requestBody = requestBody;
        this.tlsSession = request.tlsSession();
        this.loop = request.engine();
        this.in = requestBody != null ? requestBody : new ByteArrayInputStream(new byte[0]);
        this.responseBody = new ResponseBody(server, this, request, headRequest);
        this.out = responseBody;
        request.onDrain(responseBody::drained);
        request.onAbort(this::connectionClosed);
    }

    // ---------------------------------------------------------------- handling (on the loop or a handler thread)

    /** Runs the context's filters, then its authenticator, then its handler, as the JDK orders them. */
    void handle() {
        try {
            HttpExchange view = tlsSession == null ? this : new PantsHttpsExchange(this, tlsSession);
            new Filter.Chain(context.getFilters(), this::authenticateAndHandle).doFilter(view);
        } catch (Throwable e) {
            if (responseBody.isComplete()) {
                // the client has its whole response: nothing to tell it, and the connection is fine
                PantsHttpServer.LOG.log(System.Logger.Level.WARNING, "The handler of " + this + " threw after its response was complete", e);
            } else {
                responseBody.fail(e);
            }
        }
    }

    private void authenticateAndHandle(HttpExchange exchange) throws IOException {
        HttpHandler handler = context.getHandler();
        Authenticator authenticator = context.getAuthenticator();
        if (authenticator == null) {
            handler.handle(exchange);
            return;
        }
        Authenticator.Result result = authenticator.authenticate(exchange);
        if (result instanceof Authenticator.Success s) {
            principal = s.getPrincipal();
            handler.handle(exchange);
        } else if (result instanceof Authenticator.Retry r) {
            exchange.sendResponseHeaders(r.getResponseCode(), -1); // the authenticator set its challenge header
        } else if (result instanceof Authenticator.Failure f) {
            exchange.sendResponseHeaders(f.getResponseCode(), -1);
        } else {
            throw new IllegalStateException("the authenticator of " + context + " returned " + result);
        }
    }

    /** The loop of the exchange's connection: where its handler runs when the server has no executor. */
    Engine loop() { return loop; }

    /** The connection closed (on the loop thread), or the server stopped. */
    void connectionClosed() {
        responseBody.connectionClosed();
        if (requestBody != null) requestBody.exchangeOver();
        server.done(this);
    }

    // ---------------------------------------------------------------- HttpExchange

    @Override
    public Headers getRequestHeaders() { return requestHeaders; }

    @Override
    public Headers getResponseHeaders() { return responseHeaders; }

    @Override
    public URI getRequestURI() { return uri; }

    @Override
    public String getRequestMethod() { return method; }

    @Override
    public HttpContext getHttpContext() { return context; }

    /** Closes the request body, then the response body; the exchange is over. Never throws. */
    @Override
    public void close() {
        InputStream i;
        OutputStream o;
        synchronized (this) {
            if (closed) return;
            closed = true;
            i = in;
            o = out;
        }
        try {
            i.close();
        } catch (IOException e) {
            // a filter's stream over our in-memory body: nothing of ours to release
        }
        if (responseCode == -1) {
            responseBody.fail(new IOException("the exchange was closed before sendResponseHeaders()"));
            return;
        }
        try {
            o.close();
        } catch (IOException e) {
            // the response could not be completed: the response body has told the client by closing
            PantsHttpServer.LOG.log(System.Logger.Level.DEBUG, () -> "Closing the response body of " + this + ": " + e);
        }
    }

    @Override
    public synchronized InputStream getRequestBody() { return in; }

    @Override
    public synchronized OutputStream getResponseBody() { return out; }

    @Override
    public void sendResponseHeaders(int code, long length) throws IOException {
        synchronized (this) {
            if (responseCode != -1) throw new IOException("sendResponseHeaders(): the headers were sent already");
            if (code < 200 || code > 599) {
                throw new IOException("status " + code + ": the Pants provider sends final responses only (200 to 599)");
            }
            responseCode = code;
        }
        if (code == 204 || code == 304 || length < 0) {
            responseBody.sendHead(code, responseHeaders);
        } else if (length == 0) {
            responseBody.startStreaming(code, responseHeaders);
        } else {
            responseBody.startFixed(code, responseHeaders, length);
        }
    }

    @Override
    public InetSocketAddress getRemoteAddress() { return remoteAddress; }

    @Override
    public int getResponseCode() { return responseCode; }

    @Override
    public InetSocketAddress getLocalAddress() { return localAddress; }

    @Override
    public String getProtocol() { return protocol; }

    /** An attribute of this exchange (a filter's note to the handler, say); not shared with other exchanges. */
    @Override
    public Object getAttribute(String name) {
        Objects.requireNonNull(name, "name");
        synchronized (attributes) {
            return attributes.get(name);
        }
    }

    @Override
    public void setAttribute(String name, Object value) {
        Objects.requireNonNull(name, "name");
        synchronized (attributes) {
            if (value == null) attributes.remove(name);
            else attributes.put(name, value);
        }
    }

    @Override
    public synchronized void setStreams(InputStream i, OutputStream o) {
        if (i != null) in = i;
        if (o != null) out = o;
    }

    @Override
    public HttpPrincipal getPrincipal() { return principal; }

    @Override
    public String toString() {
        return "HttpExchange[" + method + " " + uri + " from " + remoteAddress + "]";
    }
}
