// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Engine;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP request and its response, as in Pants: the handler reads the request's fields and
 * answers through the same object.
 *
 * <pre>{@code
 * new HttpServer(request -> {
 *     request.sendStatus(200);
 *     request.sendHeaders(Map.of("Content-Type", "text/plain"));
 *     request.send("Hello, " + request.queryParameter("name"));
 *     request.finish();
 * }).listen(8080);
 * }</pre>
 *
 * <h2>The request</h2>
 * Method, target, decoded path and query, version, headers, cookies and the whole body (read
 * before the handler is called; {@link #form()} decodes form bodies). Nothing here blocks.
 *
 * <h2>The response</h2>
 * {@link #sendStatus} and {@link #sendHeaders} set the head (200 and no extra fields by default);
 * {@link #send} adds to the body; {@link #finish()} ends the response. The head goes out with the
 * first body bytes: if the handler finishes in the same callback it sent in, the body's length is
 * known and sent as {@code Content-Length}, and head and body leave in one write; a response
 * still open when the callback returns is streamed with chunked transfer coding (or, to an
 * HTTP/1.0 client, ended by closing the connection). {@link #sendResponse} and {@link #sendFile}
 * do all of it in one call. A response may be finished later, from a timer or another stream's
 * callback; on a connection with pipelined requests, responses go out in request order whatever
 * order they finish in.
 *
 * <p>The server manages {@code Content-Length}, {@code Transfer-Encoding}, {@code Connection},
 * {@code Date} and {@code Server}: a {@code Content-Length} given in {@code sendHeaders} is
 * honoured (then exactly that many bytes must be sent), {@code Connection: close} closes the
 * connection after the response, {@code Date} and {@code Server} replace the server's own, and
 * {@code Transfer-Encoding} is refused. HEAD responses never carry a body: what is sent is
 * counted for the {@code Content-Length} and dropped.
 *
 * <p>Every method belongs to the engine's loop thread. If the connection closes before
 * {@link #finish()}, {@link #onAbort} is told and whatever is sent afterwards is dropped. A
 * client's end of stream alone does not close it (the client may have half-closed, and still
 * read): a client that went away is noticed when the response is written to it.
 *
 * <p>Inside, the request is the view of a parsed head (copied from the connection's
 * {@link RequestHeadParser}) and its body; the response is a {@link ResponseWriter}, and a
 * streamed body's flow a {@link StreamedBody}: the methods here hand over to them.
 *
 * @since 0.1
 */
public final class HttpRequest {
    static final System.Logger LOG = System.getLogger("io.pants.http");
    private static final byte[] NO_BYTES = new byte[0];

    private final HttpConnection connection;
    private final ResponseWriter response;

    // the head, as parsed
    private final String method, target, rawPath, path, query, version;
    private final boolean http11, keepAlive, headMethod;
    private final HttpHeaders headers;
    /** When the head arrived (System.nanoTime), for the access log; 0 when it is off. */
    private final long receivedNanos;

    // the body
    private byte[] body = NO_BYTES;
    private HttpHeaders trailers = HttpHeaders.EMPTY;
    /** The body comes through onBody (HttpServer.streamBodies) instead of body(). */
    private boolean streamed;
    /** Made for a streamed body, or when the handler asks for a whole one through onBody/pauseBody. */
    private StreamedBody bodyFlow;

    // decoded when first asked for
    private Map<String, List<String>> queryParameters;
    private Map<String, String> cookies;
    private FormData form;

    /** A request made of the head {@code parsed} has just read. */
    HttpRequest(HttpConnection connection, RequestHeadParser parsed, long receivedNanos) {
        this.connection = connection;
        this.method = parsed.method();
        this.target = parsed.target();
        this.rawPath = parsed.rawPath();
        this.path = parsed.path();
        this.query = parsed.query();
        this.version = parsed.version();
        this.http11 = parsed.isHttp11();
        this.keepAlive = parsed.keepAlive();
        this.headMethod = parsed.isHeadMethod();
        this.headers = parsed.headers();
        this.receivedNanos = receivedNanos;
        this.response = new ResponseWriter(connection, this);
    }

    // ================================================================ the request

    /** The method, such as {@code GET} (case-sensitive, as sent). */
    public String method() { return method; }

    /** The request target as sent: {@code /search?q=pants}. */
    public String target() { return target; }

    /** The path, percent-decoded (UTF-8): {@code /a b} for {@code /a%20b?x=1}; {@code *} for {@code OPTIONS *}. */
    public String path() { return path; }

    /** The path as sent, still percent-encoded. */
    public String rawPath() { return rawPath; }

    /** The query as sent (after {@code ?}, still encoded), or null if there is none. */
    public String query() { return query; }

    /** The query's parameters, decoded (UTF-8, {@code +} as space), each name with its values in order. */
    public Map<String, List<String>> queryParameters() {
        if (queryParameters == null) queryParameters = query == null ? Map.of() : FormParser.parseUrlEncoded(query);
        return queryParameters;
    }

    /** The first value of query parameter {@code name}, or null. */
    public String queryParameter(String name) {
        List<String> values = queryParameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** {@code HTTP/1.1} or {@code HTTP/1.0}. */
    public String version() { return version; }

    /** The header fields (case-insensitive names, repeated fields kept). */
    public HttpHeaders headers() { return headers; }

    /** The first value of header {@code name}, or null. */
    public String header(String name) { return headers.get(name); }

    /** The trailer fields of a chunked body; empty otherwise. */
    public HttpHeaders trailers() { return trailers; }

    /** The cookies from the {@code Cookie} fields, by name (the first of a repeated name). */
    public Map<String, String> cookies() {
        if (cookies == null) cookies = parseCookies(headers.all(HeaderNames.COOKIE));
        return cookies;
    }

    /** The value of cookie {@code name}, or null. */
    public String cookie(String name) { return cookies().get(name); }

    /**
     * The body; empty if there was none. The array is the request's: don't change it.
     *
     * @throws IllegalStateException if the body is {@link #isBodyStreamed() streamed}: read it with {@link #onBody}
     */
    public byte[] body() {
        checkWhole();
        return body;
    }

    /** Whether the body comes through {@link #onBody} as it arrives (see {@link HttpServer#streamBodies}). */
    public boolean isBodyStreamed() { return streamed; }

    /**
     * Reads a streamed body: {@code listener} gets the parts that came so far at once, then the
     * rest as it arrives, then the end (or an abort). Reading stops while the listener holds
     * the body back with {@link #pauseBody()}. A part that comes before this is called is held
     * (reading pauses once 64 KiB are held). A request without a body ends at once.
     *
     * @throws IllegalStateException if the body is not streamed (it is in {@link #body()}), or
     *                               a listener was set already
     */
    public HttpRequest onBody(BodyListener listener) {
        connection.checkLoopThread("onBody");
        Objects.requireNonNull(listener);
        if (!streamed && body.length > 0) throw new IllegalStateException("this request's body arrived whole: read it with body()");
        bodyFlow().listen(listener);
        return this;
    }

    /** Holds back the parts of a streamed body (and reading from the client) until {@link #resumeBody()}. */
    public HttpRequest pauseBody() {
        connection.checkLoopThread("pauseBody");
        bodyFlow().pause();
        return this;
    }

    /** Lets the parts of a streamed body come again. */
    public HttpRequest resumeBody() {
        connection.checkLoopThread("resumeBody");
        bodyFlow().resume();
        return this;
    }

    /**
     * The body decoded as UTF-8.
     *
     * @throws IllegalStateException if the body is {@link #isBodyStreamed() streamed}, as {@link #body()}
     */
    public String bodyText() { return new String(body(), StandardCharsets.UTF_8); }

    /**
     * The fields of an {@code application/x-www-form-urlencoded} or {@code multipart/form-data}
     * body (with the files of the latter); empty for other bodies.
     *
     * @throws HttpException 400 if the body is malformed multipart: thrown from a handler, it
     *                       answers the client that way
     */
    public FormData form() {
        if (form == null) form = FormParser.parse(headers.get(HeaderNames.CONTENT_TYPE), body());
        return form;
    }

    /** The first value of form field {@code name}, or null. */
    public String formField(String name) { return form().field(name); }

    /** The client's address. */
    public SocketAddress remoteAddress() { return connection.remoteAddress(); }

    /** The address the request came in on. */
    public SocketAddress localAddress() { return connection.localAddress(); }

    /** Whether the request came over TLS ({@link HttpServer#tls}). */
    public boolean isSecure() { return connection.isSecure(); }

    /** {@code https} for a request that came over TLS, else {@code http}. */
    public String scheme() { return isSecure() ? "https" : "http"; }

    /** The connection's TLS session (peer certificates, protocol, cipher), or null on plain HTTP. */
    public javax.net.ssl.SSLSession tlsSession() { return connection.tlsSession(); }

    /** Whether the connection stays open after this response (the client asked for it, and nothing went wrong). */
    public boolean isKeepAlive() { return keepAlive && !response.closesAfter(); }

    /** The engine the request runs on, for timers: {@code request.engine().defer(...)}. */
    public Engine engine() { return connection.engine(); }

    /** The server that received the request. */
    public HttpServer server() { return connection.server; }

    // ================================================================ the response

    /** Sets the status (200 by default) with its standard reason phrase. */
    public HttpRequest sendStatus(int status) {
        return sendStatus(status, null);
    }

    /** Sets the status and a reason phrase of your own (null for the standard one). */
    public HttpRequest sendStatus(int status, String reason) {
        response.status(status, reason);
        return this;
    }

    /** The response status so far. */
    public int status() { return response.status(); }

    /** Adds the response header fields in {@code headers}; see the class comment for the ones the server manages. */
    public HttpRequest sendHeaders(Map<String, String> headers) {
        for (Map.Entry<String, String> e : headers.entrySet()) sendHeader(e.getKey(), e.getValue());
        return this;
    }

    /** Adds one response header field; call it again with the same name for a repeated field ({@code Set-Cookie}). */
    public HttpRequest sendHeader(String name, String value) {
        response.header(name, value);
        return this;
    }

    /** Adds {@code data} to the body. */
    public HttpRequest send(byte[] data) {
        return send(data, 0, data.length);
    }

    /** Adds {@code len} bytes of {@code data} from {@code off} to the body. */
    public HttpRequest send(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        response.send(data, off, len, false);
        return this;
    }

    /** Adds {@code text}, encoded as UTF-8, to the body. */
    public HttpRequest send(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        response.send(bytes, 0, bytes.length, true);
        return this;
    }

    /** Sends a whole 200 {@code text/plain; charset=utf-8} response and finishes. */
    public void sendResponse(String body) {
        sendResponse(body, 200, "text/plain; charset=utf-8");
    }

    /** Sends a whole response: {@code body} (UTF-8) with this status and content type (null for none), and finishes. */
    public void sendResponse(String body, int status, String contentType) {
        sendResponse(body.getBytes(StandardCharsets.UTF_8), status, contentType);
    }

    /** Sends a whole response: {@code body} with this status and content type (null for none), and finishes. */
    public void sendResponse(byte[] body, int status, String contentType) {
        response.sendWhole(body, status, contentType);
    }

    /**
     * Sends a file and finishes: 200 with {@code ETag}, {@code Last-Modified} and a content type
     * from its name; 304 when {@code If-None-Match} or {@code If-Modified-Since} say the client
     * has it; 206 for a single satisfiable {@code Range} (416 for an unsatisfiable one); 404 if
     * it is not a readable regular file. The bytes go out with {@code sendfile} where the backend
     * has it, without passing through the Java heap.
     */
    public void sendFile(Path file) {
        sendFile(file, null);
    }

    /** Like {@link #sendFile(Path)}, with the given content type (null: from the file's name). */
    public void sendFile(Path file, String contentType) {
        response.checkWhole("sendFile");
        FileResponse.send(this, file, contentType);
    }

    /**
     * Ends the response; the request is done. Called again, it does nothing. Until it is called
     * the request stays open: the client waits, and later pipelined responses wait behind it.
     */
    public void finish() {
        response.finish();
    }

    /**
     * Sends the head now, with what the body has so far, and streams the rest: for a client
     * that should see the status before the body is ready. Without it the head waits for the
     * first body bytes, or for {@link #finish()}.
     */
    public HttpRequest flush() {
        response.flush();
        return this;
    }

    /**
     * Ends the request as an exception thrown by its handler would, for handlers that answer
     * later: a 500 (or the {@link HttpException}'s status) if nothing is out yet, else the
     * connection closes, as only that tells the client the response is cut short.
     */
    public void fail(Throwable cause) {
        connection.checkLoopThread("fail");
        response.fail(Objects.requireNonNull(cause));
    }

    /** Whether {@link #finish()} was called. */
    public boolean isFinished() { return response.isFinished(); }

    /** Whether the head has been sent (or queued behind earlier responses): status and headers can no longer change. */
    public boolean isCommitted() { return response.isCommitted(); }

    /** Whether the connection closed before the response was finished; what is sent is dropped then. */
    public boolean isAborted() { return response.isAborted(); }

    /**
     * Whether more can be sent without piling up output: false once more than the connection's
     * high water mark waits to be sent. Stop sending then and carry on in {@link #onDrain}.
     */
    public boolean isWritable() {
        return response.isWritable();
    }

    /** Runs {@code callback} (on the loop thread) when {@link #isWritable()} turns true again. */
    public HttpRequest onDrain(Runnable callback) {
        connection.checkLoopThread("onDrain");
        response.onDrain(callback);
        return this;
    }

    /** Runs {@code callback} if the connection closes before the response is finished (at once if it already has). */
    public HttpRequest onAbort(Runnable callback) {
        connection.checkLoopThread("onAbort");
        response.onAbort(callback);
        return this;
    }

    /**
     * Whether the client asks to switch protocols: HTTP/1.1 with {@code Connection: upgrade} and
     * an {@code Upgrade} field (RFC 9110 section 7.8). The connection reads nothing after such a
     * request until it is answered, upgraded or not.
     */
    public boolean isUpgradeRequest() { return asksUpgrade(); }

    /**
     * Switches the connection to {@code next}: answers {@code 101 Switching Protocols} with
     * {@code Connection: Upgrade}, {@code Upgrade: protocol} and the fields given with
     * {@link #sendHeader} before; from there on the connection's bytes and events go to
     * {@code next} (see {@link ConnectionProtocol}). Behind pipelined requests still unanswered,
     * the switch waits for them. The request is done; nothing more is sent on it as HTTP.
     *
     * <pre>{@code
     * request.sendHeader("Sec-WebSocket-Accept", accept);
     * request.upgrade("websocket", protocol);
     * }</pre>
     *
     * @param protocol the token for the {@code Upgrade} field, as the client offered it
     * @param next     what the connection speaks from now on
     * @throws IllegalStateException if the request did not ask to upgrade ({@link #isUpgradeRequest()}),
     *                               or the response was sent or started already
     */
    public void upgrade(String protocol, ConnectionProtocol next) {
        response.upgrade(Objects.requireNonNull(protocol, "protocol"), Objects.requireNonNull(next, "next"));
    }

    // ================================================================ inside the server

    /** The client asked to upgrade (see {@link #isUpgradeRequest()}). */
    boolean asksUpgrade() {
        return http11 && headers.contains(HeaderNames.UPGRADE) && headers.hasToken(HeaderNames.CONNECTION, "upgrade");
    }

    HttpConnection connection() { return connection; }

    ResponseWriter response() { return response; }

    /** The streamed body's flow, or null if the body is not streamed. */
    StreamedBody streamedBody() { return streamed ? bodyFlow : null; }

    private StreamedBody bodyFlow() {
        if (bodyFlow == null) bodyFlow = new StreamedBody(connection, this, true); // whole or none: nothing but its end
        return bodyFlow;
    }

    /** The connection streams this request's body (HttpServer.streamBodies said so). */
    void streamBody() {
        streamed = true;
        bodyFlow = new StreamedBody(connection, this, false);
    }

    /** The whole body is in (not for a streamed one). */
    void bodyArrived(byte[] body) { this.body = body; }

    /** A chunked body's trailer fields are in. */
    void trailersArrived(HttpHeaders trailers) { this.trailers = trailers; }

    boolean isHttp11() { return http11; }

    boolean isHeadMethod() { return headMethod; }

    /** Whether the client lets the connection stay open after this request. */
    boolean clientKeepAlive() { return keepAlive; }

    long receivedNanos() { return receivedNanos; }

    /** Refuses to read a streamed body whole. */
    private void checkWhole() {
        if (streamed) throw new IllegalStateException("this request's body is streamed (HttpServer.streamBodies): read it with onBody()");
    }

    private static Map<String, String> parseCookies(List<String> fields) {
        if (fields.isEmpty()) return Map.of();
        Map<String, String> out = new LinkedHashMap<>();
        for (String field : fields) {
            for (String pair : field.split(";")) {
                int eq = pair.indexOf('=');
                if (eq < 0) continue;
                String name = pair.substring(0, eq).trim();
                String value = pair.substring(eq + 1).trim();
                if (name.isEmpty()) continue;
                if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
                    value = value.substring(1, value.length() - 1);
                }
                out.putIfAbsent(name, value);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String toString() {
        return "HttpRequest[" + method + " " + target + " " + version + " from " + remoteAddress() + "]";
    }
}
