// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.Stream;
import io.pants.Timer;
import io.pants.http.HttpException;
import io.pants.http.HttpHeaders;
import io.pants.http.wire.HttpWire;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One connection of the client, to an origin or a proxy: writes one request at a time, reads its
 * response (head, interim 1xx, body framed by Content-Length, chunks or the close, decoded if it
 * was asked for compressed), and goes back to the {@link ConnectionPool} when both are complete.
 * To an https origin it speaks TLS ({@link HttpClient#tlsFor}): from the start when it connects
 * to the origin itself (the first request goes in {@code onConnect}, after the handshake), or
 * once the proxy opened the tunnel ({@code startTls}; the request goes in {@code onTlsHandshake}).
 * A response that breaks the protocol fails its request and closes the connection, so that
 * nothing of it can reach the next request. Loop thread only.
 *
 * <pre>
 *   CONNECTING ─(CONNECT sent)─▶ TUNNEL ─(2xx)─▶ TLS ─(handshake)─┐
 *        │ (connected, TLS handshaken if direct https)            │
 *        └──────────────▶ HEAD ◀─── IDLE ◀── BODY ◀───────────────┘ (response head)
 * </pre>
 */
final class ClientConnection extends Stream {
    private static final System.Logger LOG = System.getLogger("io.pants.http.client");

    private enum Phase { CONNECTING, TUNNEL, TLS, HEAD, BODY, IDLE }

    private final HttpClient client;
    final Route route;
    private final ResponseHeadParser heads;
    private Phase phase = Phase.CONNECTING;
    private Exchange exchange;
    /** A response was served completely before the current request: it came from the pool. */
    private boolean served, reused;
    /** Any byte of the current request's response has been read. */
    private boolean answered;

    // input not yet consumed
    private byte[] in = new byte[0];
    private int inStart, inEnd;
    private boolean paused;

    // the response body's framing: Content-Length and chunks by the server's own body reader
    private final HttpWire.BodyFraming body;
    /** The body's Content-Length, and how much of it came; -1 when not framed by length. */
    private long announced = -1, received;
    private boolean chunked, untilClose, closeAfter, decoding;
    private ContentDecoder decoder;

    // the request body
    private boolean bodySent, awaitingContinue;
    private Timer continueTimer;
    private RequestBodySink sink;

    ClientConnection(HttpClient client, Route route) {
        super(client.engine());
        this.client = client;
        this.route = route;
        this.heads = new ResponseHeadParser(client.maxHeadSize);
        this.body = HttpWire.get().bodyReader(client.maxHeadSize, client.maxHeadSize);
        autoPause(false); // the response's reading is paced by the listener, and the request's writing by its sink
        connectTimeout(client.connectTimeout);
        if (route.secure() && !route.tunnel()) tls(client.tlsFor(route));
    }

    /** Connects, for {@code x}. */
    void start(Exchange x) {
        attach(x);
        connect(route.connectAddress());
    }

    /** Sends {@code x} on this connection, idle in the pool until now. */
    void send(Exchange x) {
        attach(x);
        reused = served;
        sendRequest();
    }

    private void attach(Exchange x) {
        exchange = x;
        x.connection = this;
        paused = x.paused;
    }

    /** Back in the pool: the keep-alive timeout is the idle timeout now. */
    void becameIdle(Duration keepAlive) {
        phase = Phase.IDLE;
        idleTimeout(keepAlive);
        paused = false;
        if (isReadingPaused()) resumeReading(); // hear the server's close while idle
    }

    // ---------------------------------------------------------------- connecting, tunnelling

    @Override
    protected void onConnect() {
        if (exchange == null) { // nothing left to do: the request ended while we connected
            close();
            return;
        }
        idleTimeout(client.idleTimeout);
        if (route.tunnel()) {
            phase = Phase.TUNNEL;
            String target = route.authority(true);
            StringBuilder b = new StringBuilder(128).append("CONNECT ").append(target).append(" HTTP/1.1\r\nHost: ").append(target).append("\r\n");
            if (route.proxyAuthorization() != null) b.append("Proxy-Authorization: ").append(route.proxyAuthorization()).append("\r\n");
            b.append("User-Agent: ").append(HttpClient.USER_AGENT).append("\r\n\r\n");
            write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
            exchange.headSent();
        } else {
            sendRequest();
        }
    }

    @Override
    protected void onConnectError(IOException cause) {
        Exchange x = exchange;
        exchange = null;
        if (x == null) return;
        HttpClientException e = cause instanceof SocketTimeoutException
                ? new HttpClientTimeoutException(HttpClientTimeoutException.Timeout.CONNECT, "connecting to " + route + " took over "
                + client.connectTimeout.toMillis() + " ms")
                : new HttpClientException("could not connect to " + route + ": " + cause.getMessage(), cause);
        if (route.proxy() != null) client.proxyChoice().connectFailed(x.uri, route.proxy(), cause);
        x.connectionLost(e, false);
    }

    /** The proxy opened the tunnel: TLS with the origin starts in it, and the request goes once it is handshaken. */
    private void tunnelEstablished() {
        phase = Phase.TLS;
        startTls(client.tlsFor(route));
    }

    @Override
    protected void onTlsHandshake(SSLSession session) {
        if (phase == Phase.TLS && exchange != null) sendRequest(); // in a tunnel; a direct connection goes on in onConnect
    }

    /** TLS failed: the request fails saying why (the certificate, mostly), and the connection closes. */
    @Override
    protected void onTlsError(SSLException e) {
        Exchange x = exchange;
        if (x == null) {
            close(); // idle, or the request ended already
            return;
        }
        if (isSecure() && reused && !answered && phase == Phase.HEAD) {
            // a kept connection the server ended (without close_notify, as many do) just as the
            // request went out: a plain close there, after which onClose retries a safe request
            abort();
            return;
        }
        x.fail(new HttpClientException(tlsFailure(e) + " (for " + x + ")", e));
    }

    private String tlsFailure(SSLException e) {
        String why = causes(e);
        String server = route.tunnel() ? route.origin() + " (tunnelled through the proxy)" : route.origin();
        if (!isSecure() && (why.contains("No subject alternative") || why.contains("No name matching"))) {
            return "TLS with " + server + " failed: its certificate is not for " + route.host() + " (" + why + ")";
        }
        if (!isSecure() && (why.contains("PKIX path") || why.contains("unable to find valid certification path"))) {
            return "TLS with " + server + " failed: its certificate is not trusted (" + why + "); for a private CA or a"
                    + " self-signed server give the client a context that trusts it: HttpClient.tls(Tls.clientContext(caPem))";
        }
        return "TLS with " + server + " failed: " + why;
    }

    /** The messages down the cause chain, each once: the JDK puts the certificate's problem in a cause. */
    private static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && b.indexOf(m) < 0) b.append(b.length() == 0 ? "" : ": ").append(m);
        }
        return b.toString();
    }

    static HttpClientException proxyRefused(Route route, ResponseHead head) {
        String proxy = route.proxy().getHostString() + ":" + route.proxy().getPort();
        if (head.status() == 407) {
            return new HttpClientException("the proxy " + proxy + " wants authentication (407 " + head.reason() + ") for "
                    + route.origin() + (route.proxyAuthorization() == null ? "; give it with proxyCredentials(user, password)"
                    : "; it refused the credentials given"));
        }
        return new HttpClientException("the proxy " + proxy + " refused the tunnel to " + route.authority(true) + ": "
                + head.status() + " " + head.reason());
    }

    // ---------------------------------------------------------------- writing the request

    private void sendRequest() {
        Exchange x = exchange;
        phase = Phase.HEAD;
        answered = false; // the head finder starts afresh by itself: a connection is reused only after a complete head
        bodySent = false;
        closeAfter = false;
        untilClose = false;
        chunked = false;
        announced = -1;
        received = 0;
        body.clear();
        decoder = null;
        idleTimeout(client.idleTimeout);

        URI uri = x.uri;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) path = path + "?" + uri.getRawQuery();
        // a forwarding proxy gets the absolute form (RFC 9112 3.2.2); everyone else the origin form
        String target = route.forwardProxy() ? route.origin() + path : path;
        StringBuilder h = new StringBuilder(256).append(x.method).append(' ').append(target).append(" HTTP/1.1\r\n");
        if (x.header("Host") == null) h.append("Host: ").append(route.authority(false)).append("\r\n");
        long fixedLength = -1;
        boolean hasBody = x.body == null || x.body.length > 0 || bodyExpected(x.method);
        for (int i = 0; i < x.headers.size(); i += 2) {
            String name = x.headers.get(i);
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")) {
                if (x.bodySource != null && name.equalsIgnoreCase("Content-Length")) fixedLength = parseLength(x.headers.get(i + 1));
                continue; // the framing is ours to write
            }
            if (name.equalsIgnoreCase("Expect")) continue;
            h.append(name).append(": ").append(x.headers.get(i + 1)).append("\r\n");
        }
        if (x.header("User-Agent") == null) h.append("User-Agent: ").append(HttpClient.USER_AGENT).append("\r\n");
        decoding = client.decompress && x.header("Accept-Encoding") == null;
        if (decoding) h.append("Accept-Encoding: gzip, deflate\r\n");
        if (route.forwardProxy() && route.proxyAuthorization() != null) {
            h.append("Proxy-Authorization: ").append(route.proxyAuthorization()).append("\r\n");
        }
        if (x.body != null) {
            if (hasBody) h.append("Content-Length: ").append(x.body.length).append("\r\n");
        } else if (fixedLength >= 0) {
            h.append("Content-Length: ").append(fixedLength).append("\r\n");
        } else {
            h.append("Transfer-Encoding: chunked\r\n");
        }
        boolean expect = x.expectContinue && hasBody;
        if (expect) h.append("Expect: 100-continue\r\n");
        h.append("\r\n");
        write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        x.headSent();
        if (!hasBody) {
            bodySent = true;
        } else if (expect) {
            awaitingContinue = true;
            continueTimer = engine().defer(client.continueTimeout, this::sendBody);
        } else {
            sendBody();
        }
    }

    private static boolean bodyExpected(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    /** A Content-Length the request set: ClientRequest.header checked it is one. */
    private static long parseLength(String value) {
        return Long.parseLong(value.strip());
    }

    /** Sends the body: now, on 100 Continue, or when the continue timeout passes. */
    private void sendBody() {
        if (continueTimer != null) continueTimer.cancel();
        continueTimer = null;
        Exchange x = exchange;
        if (!awaitingContinue && bodySent || x == null) return;
        awaitingContinue = false;
        if (x.body != null) {
            write(x.body);
            bodySent = true;
            return;
        }
        long fixed = -1;
        String length = x.header("Content-Length");
        if (length != null) fixed = parseLength(length);
        sink = new RequestBodySink(this, x, fixed);
        try {
            x.bodySource.writeTo(sink);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the BodySource of " + x + " threw; the request is failed", e);
            x.fail(new HttpClientException("the BodySource of " + x + " threw " + e, e));
        }
    }

    /** The body sink wrote its last byte. */
    void bodyEnded() {
        bodySent = true;
        sink = null;
    }

    @Override
    protected void onDrain() {
        if (sink != null) sink.drained();
    }

    // ---------------------------------------------------------------- reading the response

    @Override
    protected void onRead(byte[] data) {
        if (exchange == null || phase == Phase.IDLE || phase == Phase.CONNECTING) {
            // bytes no request asked for: whatever the server meant, the connection can't be trusted
            LOG.log(Level.DEBUG, () -> "closing " + this + ": " + data.length + " bytes came while no request was waiting");
            abort();
            return;
        }
        answered = true;
        if (inStart == inEnd) {
            in = data;
            inStart = 0;
            inEnd = data.length;
        } else {
            int live = inEnd - inStart;
            byte[] joined = Arrays.copyOfRange(in, inStart, inStart + live + data.length);
            System.arraycopy(data, 0, joined, live, data.length);
            in = joined;
            inStart = 0;
            inEnd = joined.length;
        }
        process();
    }

    private void process() {
        try {
            while (exchange != null && !paused && inStart < inEnd) {
                switch (phase) {
                    case TUNNEL, HEAD -> {
                        int n = heads.findEnd(in, inStart, inEnd);
                        if (n < 0) return;
                        ResponseHead h = ResponseHeadParser.parse(in, inStart, inStart + n);
                        inStart += n;
                        if (phase == Phase.TUNNEL) tunnelAnswered(h);
                        else if (h.status() < 200) interim(h);
                        else startBody(h);
                    }
                    case BODY -> {
                        if (!readBody()) return;
                    }
                    default -> throw new IllegalStateException("reading in phase " + phase);
                }
            }
        } catch (HttpClientException e) {
            Exchange x = exchange;
            if (x != null) x.fail(new HttpClientException(e.getMessage() + " (from " + route + ", for " + x + ")", e));
            else abort();
        }
    }

    private void tunnelAnswered(ResponseHead h) throws HttpClientException {
        if (h.status() / 100 != 2) throw proxyRefused(route, h);
        if (inStart < inEnd) throw new HttpClientException("the proxy sent bytes after its answer to CONNECT, before TLS began");
        tunnelEstablished();
    }

    private void interim(ResponseHead h) throws HttpClientException {
        if (h.status() == 101) throw new HttpClientException("the server switched protocols (101) without being asked to");
        if (h.status() == 100 && awaitingContinue) sendBody();
        // other 1xx (103 Early Hints, say) carry nothing we use
    }

    private void startBody(ResponseHead h) throws HttpClientException {
        Exchange x = exchange;
        int s = h.status();
        boolean noBody = x.method.equals("HEAD") || s == 204 || s == 304;
        closeAfter = h.close() || "close".equalsIgnoreCase(x.header("Connection"));
        boolean empty = noBody;
        if (noBody) {
            body.clear();
        } else if (h.chunked()) {
            chunked = true;
            body.startChunked(false);
        } else if (h.otherCoding() || h.contentLength() < 0) {
            untilClose = true;
            closeAfter = true;
        } else {
            announced = h.contentLength();
            empty = announced == 0;
            if (!empty) body.startFixed(announced, false);
        }
        if (awaitingContinue) {
            // a final answer before the go-ahead: the body stays unsent, and the server may still
            // expect it, so the connection is not reused
            awaitingContinue = false;
            if (continueTimer != null) continueTimer.cancel();
            closeAfter = true;
        }
        if (decoding && !noBody) decoder = ContentDecoder.forCoding(h.headers().get("Content-Encoding"));
        phase = Phase.BODY;
        x.response(h);
        if (exchange == null) return; // the listener (or a redirect limit) ended it
        if (empty) complete(HttpHeaders.EMPTY);
    }

    /** Consumes body bytes; false when it needs more input. */
    private boolean readBody() throws HttpClientException {
        if (untilClose) {
            int n = inEnd - inStart;
            inStart = inEnd;
            emit(in, inEnd - n, n);
            return false;
        }
        int used;
        try {
            used = body.read(in, inStart, inEnd);
        } catch (HttpException e) {
            throw new HttpClientException("malformed response body: " + e.getMessage(), e);
        }
        inStart += used;
        received += used;
        byte[] part = body.takePart();
        if (part != null) emit(part, 0, part.length);
        if (exchange == null) return false; // the listener ended it
        if (body.isDone()) {
            complete(body.trailers());
            return true;
        }
        return used > 0;
    }

    private void emit(byte[] b, int off, int len) throws HttpClientException {
        if (len == 0 || exchange == null) return;
        byte[] part = decoder != null ? decoder.decode(b, off, len)
                : off == 0 && len == b.length && b != in ? b : Arrays.copyOfRange(b, off, off + len);
        if (part.length > 0) exchange.bodyPart(part);
    }

    /** The response is complete: back to the pool if the connection can serve another, then the request ends. */
    private void complete(HttpHeaders trailers) throws HttpClientException {
        if (decoder != null) decoder.finish();
        if (inStart < inEnd) {
            throw new HttpClientException("the server sent " + (inEnd - inStart) + " bytes more than the response's "
                    + (chunked ? "chunked framing" : "Content-Length") + " announced");
        }
        Exchange x = exchange;
        exchange = null;
        x.connection = null;
        served = true;
        in = new byte[0];
        inStart = inEnd = 0;
        boolean reusable = !closeAfter && bodySent && !untilClose;
        if (sink != null) {
            sink.detach();
            sink = null;
        }
        phase = Phase.IDLE;
        client.pool.release(this, reusable);
        x.ended(trailers);
    }

    void pauseBody() {
        paused = true;
        if (phase == Phase.HEAD || phase == Phase.BODY) pauseReading();
    }

    void resumeBody() {
        if (!paused) return;
        paused = false;
        resumeReading();
        engine().callback(() -> {
            if (!paused && exchange != null) process();
        });
    }

    // ---------------------------------------------------------------- ending

    @Override
    protected void onEndOfInput() {
        if (exchange != null && phase == Phase.BODY && untilClose && inStart == inEnd) {
            try {
                complete(HttpHeaders.EMPTY); // the close ends a body without a length
            } catch (HttpClientException e) {
                Exchange x = exchange;
                if (x != null) x.fail(e);
            }
        }
        close();
    }

    @Override
    protected void onTimeout() {
        Exchange x = exchange;
        if (x == null) {
            close(); // idle in the pool for the keep-alive timeout
            return;
        }
        x.fail(new HttpClientTimeoutException(HttpClientTimeoutException.Timeout.IDLE, "nothing came from " + route + " for "
                + idleTimeout().toMillis() + " ms (idle timeout) while waiting for the response to " + x));
    }

    @Override
    protected void onClose() {
        if (continueTimer != null) continueTimer.cancel();
        if (decoder != null) decoder.release();
        if (sink != null) sink.detach();
        client.pool.removed(this);
        Exchange x = exchange;
        exchange = null;
        if (x == null) return;
        boolean serverClosedIdle = reused && !answered && phase == Phase.HEAD;
        x.connectionLost(new HttpClientException(lossMessage(x)), serverClosedIdle);
    }

    private String lossMessage(Exchange x) {
        String who = route + " closed the connection ";
        return switch (phase) {
            case CONNECTING -> "the connection to " + route + " closed before it was established";
            case TUNNEL -> "the proxy for " + route + " closed the connection before answering CONNECT";
            case TLS -> "the tunnel to " + route + " closed during the TLS handshake";
            case HEAD -> who + (answered ? "in the middle of the response head" : "before answering") + " to " + x;
            case BODY -> who + (chunked ? "in the middle of the chunked body"
                    : "after " + received + " of the " + announced + " body bytes announced") + " of the response to " + x;
            case IDLE -> who + "while idle";
        };
    }

    /** Closes the connection under a request that ended (failed, cancelled, timed out) before its response did. */
    void abandon() {
        exchange = null;
        abort();
    }

    /** The client closes: the request on its way fails. */
    void clientClosed() {
        Exchange x = exchange;
        if (x != null) x.fail(new HttpClientException("the HttpClient was closed while " + x + " was on its way"));
        else abort();
    }

    /** Whether {@code x} is still the request this connection serves. */
    boolean serves(Exchange x) { return exchange == x; }
}
