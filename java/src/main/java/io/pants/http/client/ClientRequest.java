// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * A request being built: headers, a body, then {@link #send()} for the whole response, or
 * {@link #send(ResponseListener)} to stream it. A request is sent once.
 *
 * <pre>{@code
 * client.request("POST", "http://127.0.0.1:8080/notes")
 *       .header("Content-Type", "application/json")
 *       .body("{\"text\":\"hi\"}")
 *       .send()
 *       .thenAccept(r -> System.out.println(r.status()));
 * }</pre>
 *
 * The client adds {@code Host}, {@code Content-Length} or {@code Transfer-Encoding},
 * {@code Accept-Encoding} (when it {@link HttpClient#decompress decompresses}) and
 * {@code User-Agent} unless set here.
 *
 * @since 0.1
 */
public final class ClientRequest {
    private static final byte[] NO_BODY = new byte[0];

    final HttpClient client;
    final String method;
    final URI uri;
    /** name, value, name, value, ... as given. */
    final List<String> headers = new ArrayList<>();
    byte[] body;
    BodySource bodySource;
    boolean expectContinue;
    Duration timeout;
    private boolean sent;

    ClientRequest(HttpClient client, String method, URI uri) {
        this.client = client;
        this.method = checkMethod(method);
        this.uri = checkUri(uri);
    }

    /**
     * Adds a header field (a name given twice is sent twice). The client writes the framing
     * itself: a {@code Content-Length} given here counts only for a {@link #body(BodySource)
     * streamed body}, which must then be exactly that long; {@code Transfer-Encoding} is ignored.
     */
    public ClientRequest header(String name, String value) {
        checkNotSent();
        checkHeader(name, value);
        if (name.equalsIgnoreCase("Content-Length") && !value.strip().matches("[0-9]{1,18}")) {
            throw new IllegalArgumentException("Content-Length must be a number of bytes, got '" + value + "'");
        }
        headers.add(name);
        headers.add(value);
        return this;
    }

    /** The body, sent with a Content-Length. */
    public ClientRequest body(byte[] body) {
        checkNotSent();
        this.body = Objects.requireNonNull(body, "body").clone();
        this.bodySource = null;
        return this;
    }

    /** The body, as UTF-8. */
    public ClientRequest body(String text) {
        return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A body written as a stream (see {@link BodySource}): with exactly the given
     * {@code Content-Length} if the request has that header, else chunked.
     */
    public ClientRequest body(BodySource source) {
        checkNotSent();
        this.bodySource = Objects.requireNonNull(source, "source");
        this.body = null;
        return this;
    }

    /**
     * Sends {@code Expect: 100-continue} and holds the body back until the server says
     * {@code 100 Continue} (or for {@link HttpClient#continueTimeout}): a server that refuses the
     * request answers before the body is on its way.
     */
    public ClientRequest expectContinue(boolean on) {
        checkNotSent();
        this.expectContinue = on;
        return this;
    }

    /** A limit for this whole request, redirects included, instead of {@link HttpClient#requestTimeout}. */
    public ClientRequest timeout(Duration timeout) {
        checkNotSent();
        if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a request timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * Sends the request; the future completes, on the loop thread, with the response and its whole
     * body (up to {@link HttpClient#maxBodySize}), or exceptionally with an
     * {@link HttpClientException}. Cancelling the future cancels the request.
     */
    public CompletableFuture<ClientResponse> send() {
        WholeBody whole = new WholeBody(uri, client.maxBodySize);
        Exchange x = start(whole);
        whole.future.whenComplete((r, e) -> {
            if (whole.future.isCancelled()) x.cancel();
        });
        return whole.future;
    }

    /** Sends the request, streaming the response to {@code listener}; see {@link ResponseListener}. */
    public ClientExchange send(ResponseListener listener) {
        return start(Objects.requireNonNull(listener, "listener"));
    }

    private Exchange start(ResponseListener listener) {
        checkNotSent();
        sent = true;
        if (body == null && bodySource == null) body = NO_BODY;
        Exchange x = new Exchange(this, listener);
        if (listener instanceof WholeBody w) w.exchange = x;
        try {
            client.onLoop(x::start);
        } catch (RejectedExecutionException e) {
            x.failOffLoop(new HttpClientException("the client's engine is closed: " + client.engine(), e));
        }
        return x;
    }

    /** Whether the method is idempotent (RFC 9110 9.2.2): a request that may be retried. */
    static boolean idempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" -> true;
            default -> false;
        };
    }

    private void checkNotSent() {
        if (sent) throw new IllegalStateException("this request was sent already; build a new one with client.request(...)");
    }

    private static String checkMethod(String method) {
        Objects.requireNonNull(method, "method");
        if (method.isEmpty()) throw new IllegalArgumentException("empty method");
        for (int i = 0; i < method.length(); i++) {
            if (!isTokenChar(method.charAt(i))) throw new IllegalArgumentException("not a valid method: '" + method + "'");
        }
        return method;
    }

    static URI checkUri(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("not an http: or https: URL: " + uri);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) throw new IllegalArgumentException("no host in " + uri);
        if (uri.getRawUserInfo() != null) throw new IllegalArgumentException("credentials in the URL are not sent; use an Authorization header: " + uri);
        return uri;
    }

    private static void checkHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty()) throw new IllegalArgumentException("empty header name");
        for (int i = 0; i < name.length(); i++) {
            if (!isTokenChar(name.charAt(i))) throw new IllegalArgumentException("not a valid header name: '" + name + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0xff || (c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException("header " + name + ": the value has a control character or one beyond ISO-8859-1 at " + i);
            }
        }
    }

    private static boolean isTokenChar(char c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    @Override
    public String toString() { return method + " " + uri; }
}
