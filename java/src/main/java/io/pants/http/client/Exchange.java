// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.Engine;
import io.pants.Timer;
import io.pants.http.HttpHeaders;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * One request from {@code send} to its end, across the connections it takes: a retry on a new
 * one when a pooled connection turned out closed, and the requests its redirects lead to. It
 * owns the request's timers and tells the {@link ResponseListener}; the {@link ClientConnection}
 * serving it does the framing. Loop thread only, except {@link #isDone()} and the
 * {@link ClientExchange} methods, which hand themselves to it.
 */
final class Exchange implements ClientExchange {
    private static final System.Logger LOG = System.getLogger("io.pants.http.client");
    private static final byte[] NO_BODY = new byte[0];

    final HttpClient client;
    private final ResponseListener listener;
    private final Duration timeout;
    // the request as it is now: redirects change it
    String method;
    URI uri;
    List<String> headers;
    byte[] body;
    BodySource bodySource;
    boolean expectContinue;
    Route route;

    /** The connection serving it, if any; whether it waits in the pool for one. */
    ClientConnection connection;
    boolean waiting;
    private int redirects;
    private boolean retried;
    /** The response is a redirect that will be followed once its body has been read (and dropped). */
    private URI redirectTo;
    /** The status of the head last given to {@link #response}, for {@link #follow}. */
    private int lastStatus;
    boolean paused;
    private volatile boolean done;
    private Timer requestTimer, headTimer;

    Exchange(ClientRequest request, ResponseListener listener) {
        this.client = request.client;
        this.listener = listener;
        this.timeout = request.timeout != null ? request.timeout : client.requestTimeout;
        this.method = request.method;
        this.uri = request.uri;
        this.headers = new ArrayList<>(request.headers);
        this.body = request.body;
        this.bodySource = request.bodySource;
        this.expectContinue = request.expectContinue;
    }

    private Engine engine() { return client.engine(); }

    void start() {
        if (done) return; // cancelled before it got to the loop
        if (client.isClosed()) {
            fail(new HttpClientException("the HttpClient is closed; " + this + " was not sent"));
            return;
        }
        if (!timeout.isZero()) {
            requestTimer = engine().defer(timeout, () -> fail(new HttpClientTimeoutException(
                    HttpClientTimeoutException.Timeout.REQUEST, this + " took over its timeout of " + timeout.toMillis() + " ms")));
        }
        dispatch(false);
    }

    /** Finds the route and a connection for the request as it is now. */
    private void dispatch(boolean fresh) {
        try {
            route = client.proxyChoice().route(uri);
        } catch (HttpClientException e) {
            fail(e);
            return;
        }
        client.pool.acquire(this, fresh);
    }

    // ---------------------------------------------------------------- from the connection

    /** The request's head is written: the response's head has {@link HttpClient#responseHeadTimeout} to come. */
    void headSent() {
        if (headTimer != null) headTimer.cancel();
        Duration t = client.responseHeadTimeout;
        headTimer = engine().defer(t, () -> fail(new HttpClientTimeoutException(HttpClientTimeoutException.Timeout.RESPONSE_HEAD,
                "no response head from " + route + " within " + t.toMillis() + " ms of sending " + this)));
    }

    /** The final response's head came; its body follows (or its end, at once). */
    void response(ResponseHead head) {
        if (headTimer != null) headTimer.cancel();
        lastStatus = head.status();
        URI target = redirectTarget(head);
        if (target != null) {
            if (redirects >= client.maxRedirects) {
                fail(new HttpClientException(this + ": stopped after " + redirects + " redirects (followRedirects(" + client.maxRedirects
                        + ")); the next would go to " + target));
                return;
            }
            redirectTo = target;
            return;
        }
        if (route.forwardProxy() && head.status() == 407) {
            fail(ClientConnection.proxyRefused(route, head));
            return;
        }
        ClientResponse r = new ClientResponse(uri, head.version(), head.status(), head.reason(), head.headers(), null, HttpHeaders.EMPTY);
        call("onResponse", () -> listener.onResponse(r));
    }

    void bodyPart(byte[] part) {
        if (redirectTo != null || done) return;
        call("onBody", () -> listener.onBody(part));
    }

    /** The response is complete; the connection went back to the pool (or closed) already. */
    void ended(HttpHeaders trailers) {
        connection = null;
        if (done) return;
        if (redirectTo != null) {
            follow();
            return;
        }
        finish();
        call("onEnd", () -> listener.onEnd(trailers));
    }

    /**
     * The connection closed or failed to connect before the response was complete. A request on
     * a pooled connection that the server closed before answering anything is retried once on a
     * new connection, if that is safe: idempotent, and its body can be sent again.
     */
    void connectionLost(HttpClientException why, boolean serverClosedIdle) {
        connection = null;
        if (done) return;
        if (serverClosedIdle && !retried && bodySource == null && ClientRequest.idempotent(method)) {
            retried = true;
            LOG.log(Level.DEBUG, () -> "retrying " + this + " on a new connection: " + why.getMessage());
            if (headTimer != null) headTimer.cancel();
            client.pool.acquire(this, true);
            return;
        }
        fail(why);
    }

    // ---------------------------------------------------------------- redirects

    private URI redirectTarget(ResponseHead head) {
        if (client.maxRedirects == 0) return null;
        return Redirects.target(uri, head.status(), head.headers().get("Location"), bodySource != null, client.redirectsToHttp);
    }

    /** Sends the request again, to where the redirect points (see {@link Redirects}); credentials for one origin don't go to another. */
    private void follow() {
        URI target = redirectTo;
        redirectTo = null;
        redirects++;
        if (Redirects.becomesGet(lastStatus, method)) {
            method = "GET";
            body = NO_BODY;
            bodySource = null;
            expectContinue = false;
            removeHeaders("Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "Expect");
        }
        if (!Redirects.sameOrigin(uri, target)) removeHeaders("Authorization", "Cookie", "Host");
        uri = target;
        dispatch(false);
    }

    private void removeHeaders(String... names) {
        for (int i = headers.size() - 2; i >= 0; i -= 2) {
            for (String n : names) {
                if (headers.get(i).equalsIgnoreCase(n)) {
                    headers.remove(i + 1);
                    headers.remove(i);
                    break;
                }
            }
        }
    }

    /** The value of a header the user set on the request, or null. */
    String header(String name) {
        for (int i = 0; i < headers.size(); i += 2) {
            if (headers.get(i).equalsIgnoreCase(name)) return headers.get(i + 1);
        }
        return null;
    }

    // ---------------------------------------------------------------- ending

    private void finish() {
        done = true;
        if (requestTimer != null) requestTimer.cancel();
        if (headTimer != null) headTimer.cancel();
    }

    /** Ends the request with {@code why}, closing its connection (half an exchange can't be reused). Loop thread. */
    void fail(Throwable why) {
        if (done) return;
        finish();
        if (waiting) client.pool.cancelWaiting(this);
        ClientConnection c = connection;
        connection = null;
        if (c != null) c.abandon();
        call("onError", () -> listener.onError(why));
    }

    /** Fails a request that could not even be handed to the loop (its engine is closed). */
    void failOffLoop(HttpClientException why) {
        done = true;
        listener.onError(why);
    }

    private void call(String what, Runnable callback) {
        try {
            callback.run();
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "ResponseListener." + what + " of " + this + " threw; the request is failed", e);
            fail(new HttpClientException("the ResponseListener's " + what + " threw " + e, e));
        }
    }

    // ---------------------------------------------------------------- ClientExchange

    @Override
    public void pauseBody() {
        client.onLoop(() -> {
            paused = true;
            if (connection != null) connection.pauseBody();
        });
    }

    @Override
    public void resumeBody() {
        client.onLoop(() -> {
            paused = false;
            if (connection != null) connection.resumeBody();
        });
    }

    @Override
    public void cancel() {
        if (done) return;
        client.onLoop(() -> fail(new CancellationException(this + " was cancelled")));
    }

    @Override
    public boolean isDone() { return done; }

    @Override
    public String toString() {
        return method + " " + uri;
    }
}
