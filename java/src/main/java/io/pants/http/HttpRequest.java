// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Engine;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
 * @since 0.1
 */
public final class HttpRequest {
    static final System.Logger LOG = System.getLogger("io.pants.http");
    private static final byte[] NO_BYTES = new byte[0];
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CRLF = {'\r', '\n'};
    /** Body bytes buffered before the head is sent; past this, the response starts streaming. */
    private static final int COMMIT_THRESHOLD = 16 * 1024;
    /** Bodies (and chunks) up to this size are copied next to their head, to leave in one write. */
    private static final int GATHER_LIMIT = 8 * 1024;
    /** Output a request behind others in the pipeline buffers before it reports itself not writable. */
    private static final int DEFERRED_HIGH_WATER = 64 * 1024;
    /** Streamed body parts held for a handler that has not called onBody yet; beyond this, reading pauses. */
    private static final int HELD_BODY_LIMIT = 64 * 1024;

    final HttpConnection connection;

    // ---------------------------------------------------------------- the request (set by the parser)
    String method, target, rawPath, path, query, version;
    boolean http11, keepAlive, chunked, expectContinue, headMethod;
    long contentLength = -1;
    HttpHeaders headers = HttpHeaders.EMPTY, trailers = HttpHeaders.EMPTY;
    byte[] body = NO_BYTES;
    /** The body comes through onBody (HttpServer.streamBodies) instead of body(). */
    boolean streamed;
    private BodyListener bodyListener;
    /** Parts that came before onBody was called, or while the body was paused. */
    private ArrayDeque<byte[]> heldParts;
    private long heldBytes;
    /** bodyDone: the listener was told the end or an abort (or failed): nothing more goes to it. */
    private boolean bodyEnded, bodyDone, bodyPaused;
    private Map<String, List<String>> queryParameters;
    private Map<String, String> cookies;
    private FormData form;

    // ---------------------------------------------------------------- the response
    private int status = 200;
    private String reason;
    /** name, value, name, value, ...: the fields given by the handler. */
    private ArrayList<String> responseHeaders;
    private boolean customDate, customServer;
    /** The Content-Length the handler declared (or a file's), else -1. */
    private long declaredLength = -1;
    private boolean committed, finished, aborted, chunkedResponse, closeAfter;
    /** Body sent before the head is: sent with it, so that its length can be known. */
    private byte[] pending;
    private int pendingLength;
    private boolean commitScheduled;
    private long bodyBytes;
    /** When the head arrived (System.nanoTime), for the access log; 0 when it is off. */
    long receivedNanos;
    /** Output held back while earlier responses on the connection are unfinished: byte[] and FilePart. */
    private ArrayList<Object> deferred;
    private long deferredBytes;
    private boolean wantsDrain;
    private Runnable drainCallback, abortCallback;

    private record FilePart(Path path, long offset, long count) {}

    HttpRequest(HttpConnection connection) {
        this.connection = connection;
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
        if (streamed) throw new IllegalStateException("this request's body is streamed (HttpServer.streamBodies): read it with onBody()");
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
        checkThread("onBody");
        Objects.requireNonNull(listener);
        if (!streamed && body.length > 0) throw new IllegalStateException("this request's body arrived whole: read it with body()");
        if (bodyListener != null) throw new IllegalStateException("onBody(): the body has a listener already");
        bodyListener = listener;
        if (!streamed) bodyEnded = true; // no body: nothing but its end
        deliverHeld();
        if (streamed) connection.bodyFlowChanged(this); // reading may have paused for parts held
        return this;
    }

    /** Holds back the parts of a streamed body (and reading from the client) until {@link #resumeBody()}. */
    public HttpRequest pauseBody() {
        checkThread("pauseBody");
        if (!bodyPaused) {
            bodyPaused = true;
            connection.bodyFlowChanged(this);
        }
        return this;
    }

    /** Lets the parts of a streamed body come again. */
    public HttpRequest resumeBody() {
        checkThread("resumeBody");
        if (bodyPaused) {
            bodyPaused = false;
            deliverHeld();
            connection.bodyFlowChanged(this);
        }
        return this;
    }

    /** The body decoded as UTF-8. */
    public String bodyText() { return new String(body, StandardCharsets.UTF_8); }

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

    /** Whether the request came over TLS; always false until the server speaks TLS. */
    public boolean isSecure() { return false; }

    /** Whether the connection stays open after this response (the client asked for it, and nothing went wrong). */
    public boolean isKeepAlive() { return keepAlive && !closeAfter; }

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
        checkHead("sendStatus");
        if (status < 200 || status > 599) throw new IllegalArgumentException("a response status is 200 to 599, got " + status);
        if (reason != null) checkFieldValue("reason phrase", reason);
        this.status = status;
        this.reason = reason;
        return this;
    }

    /** The response status so far. */
    public int status() { return status; }

    /** Adds the response header fields in {@code headers}; see the class comment for the ones the server manages. */
    public HttpRequest sendHeaders(Map<String, String> headers) {
        for (Map.Entry<String, String> e : headers.entrySet()) sendHeader(e.getKey(), e.getValue());
        return this;
    }

    /** Adds one response header field; call it again with the same name for a repeated field ({@code Set-Cookie}). */
    public HttpRequest sendHeader(String name, String value) {
        checkHead("sendHeader");
        checkFieldName(name);
        checkFieldValue(name, value);
        if (name.equalsIgnoreCase(HeaderNames.CONTENT_LENGTH)) {
            long n = parseLength(value);
            if (n < 0) throw new IllegalArgumentException("Content-Length must be a number of bytes, got '" + value + "'");
            declaredLength = n;
            return this;
        }
        if (name.equalsIgnoreCase(HeaderNames.TRANSFER_ENCODING)) {
            throw new IllegalArgumentException("the server chooses the transfer coding: send a Content-Length, or stream");
        }
        if (name.equalsIgnoreCase(HeaderNames.CONNECTION)) {
            if (HttpHeaders.listContains(value, "close")) closeAfter = true;
            return this;
        }
        if (name.equalsIgnoreCase(HeaderNames.DATE)) customDate = true;
        if (name.equalsIgnoreCase(HeaderNames.SERVER)) customServer = true;
        if (responseHeaders == null) responseHeaders = new ArrayList<>(8);
        responseHeaders.add(name);
        responseHeaders.add(value);
        return this;
    }

    /** Sets the Content-Type field, replacing any given before. */
    HttpRequest contentType(String type) {
        if (responseHeaders != null) {
            for (int i = responseHeaders.size() - 2; i >= 0; i -= 2) {
                if (responseHeaders.get(i).equalsIgnoreCase(HeaderNames.CONTENT_TYPE)) {
                    responseHeaders.remove(i + 1);
                    responseHeaders.remove(i);
                }
            }
        }
        return sendHeader(HeaderNames.CONTENT_TYPE, type);
    }

    /** Adds {@code data} to the body. */
    public HttpRequest send(byte[] data) {
        return send(data, 0, data.length);
    }

    /** Adds {@code len} bytes of {@code data} from {@code off} to the body. */
    public HttpRequest send(byte[] data, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, data.length);
        checkBody("send");
        if (aborted) return this;
        if (!committed) {
            buffer(data, off, len, false);
            return this;
        }
        writeBody(data, off, len);
        return this;
    }

    /** Adds {@code text}, encoded as UTF-8, to the body. */
    public HttpRequest send(String text) {
        checkBody("send");
        if (aborted) return this;
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (!committed) {
            buffer(bytes, 0, bytes.length, true);
            return this;
        }
        writeBody(bytes, 0, bytes.length);
        return this;
    }

    /** The same as {@link #send(byte[])}. */
    public HttpRequest write(byte[] data) { return send(data); }

    /** The same as {@link #send(byte[], int, int)}. */
    public HttpRequest write(byte[] data, int off, int len) { return send(data, off, len); }

    /** The same as {@link #send(String)}. */
    public HttpRequest write(String text) { return send(text); }

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
        checkHead("sendResponse");
        if (pendingLength > 0) throw new IllegalStateException("sendResponse() after send(): use one or the other");
        sendStatus(status);
        if (contentType != null) contentType(contentType);
        if (aborted) {
            finish();
            return;
        }
        pending = body;
        pendingLength = body.length;
        finish();
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
        checkHead("sendFile");
        if (pendingLength > 0) throw new IllegalStateException("sendFile() after send(): use one or the other");
        FileResponse.send(this, file, contentType);
    }

    /**
     * Ends the response; the request is done. Called again, it does nothing. Until it is called
     * the request stays open: the client waits, and later pipelined responses wait behind it.
     */
    public void finish() {
        checkThread("finish");
        if (finished) return;
        if (!committed && declaredLength >= 0 && pendingLength > declaredLength && bodyAllowed()) {
            throw new IllegalStateException("the body is " + pendingLength + " bytes, more than the Content-Length of " + declaredLength);
        }
        finished = true;
        if (aborted) return;
        if (!committed) commit(true);
        else if (chunkedResponse && bodyAllowed()) emit(LAST_CHUNK, 0, LAST_CHUNK.length);
        if (declaredLength >= 0 && bodyBytes != declaredLength && bodyAllowed()) {
            // the client counts on the length it was given: only closing can end this response
            LOG.log(Level.WARNING, "Response to " + this + " declared Content-Length " + declaredLength
                    + " but sent " + bodyBytes + " bytes; closing the connection");
            closeAfter = true;
        }
        if (receivedNanos != 0) connection.server.logAccess(this, status, bodyBytes, receivedNanos, remoteAddress());
        connection.finished(this);
    }

    /**
     * Sends the head now, with what the body has so far, and streams the rest: for a client
     * that should see the status before the body is ready. Without it the head waits for the
     * first body bytes, or for {@link #finish()}.
     */
    public HttpRequest flush() {
        checkBody("flush");
        if (!committed && !aborted) commit(false);
        return this;
    }

    /**
     * Ends the request as an exception thrown by its handler would, for handlers that answer
     * later: a 500 (or the {@link HttpException}'s status) if nothing is out yet, else the
     * connection closes, as only that tells the client the response is cut short.
     */
    public void fail(Throwable cause) {
        checkThread("fail");
        handlerFailed(java.util.Objects.requireNonNull(cause));
    }

    /** Whether {@link #finish()} was called. */
    public boolean isFinished() { return finished; }

    /** Whether the head has been sent (or queued behind earlier responses): status and headers can no longer change. */
    public boolean isCommitted() { return committed; }

    /** Whether the connection closed before the response was finished; what is sent is dropped then. */
    public boolean isAborted() { return aborted; }

    /**
     * Whether more can be sent without piling up output: false once more than the connection's
     * high water mark waits to be sent. Stop sending then and carry on in {@link #onDrain}.
     */
    public boolean isWritable() {
        if (aborted || finished) return false;
        boolean writable = connection.isHeadOfLine(this) ? connection.isWritable()
                : deferredBytes + pendingLength < DEFERRED_HIGH_WATER;
        if (!writable) wantsDrain = true;
        return writable;
    }

    /** Runs {@code callback} (on the loop thread) when {@link #isWritable()} turns true again. */
    public HttpRequest onDrain(Runnable callback) {
        checkThread("onDrain");
        this.drainCallback = callback;
        return this;
    }

    /** Runs {@code callback} if the connection closes before the response is finished (at once if it already has). */
    public HttpRequest onAbort(Runnable callback) {
        checkThread("onAbort");
        this.abortCallback = callback;
        if (aborted && !finished) runSafely("onAbort", callback);
        return this;
    }

    // ================================================================ inside the server

    /** Whether the connection should stop reading for this request's body: paused, or parts pile up unread. */
    boolean holdsBodyBack() {
        return bodyPaused || (bodyListener == null && !finished && heldBytes >= HELD_BODY_LIMIT);
    }

    /** A part of the streamed body, from the connection. */
    void bodyPart(byte[] part) {
        if (bodyDone) return;
        if (bodyListener == null && finished) {
            heldParts = null; // answered without reading it: the rest is read and dropped
            heldBytes = 0;
            return;
        }
        if (bodyListener != null && !bodyPaused && heldParts == null) {
            deliver(part);
            return;
        }
        if (heldParts == null) heldParts = new ArrayDeque<>();
        heldParts.add(part);
        heldBytes += part.length;
    }

    /** The streamed body is complete. */
    void bodyEnd() {
        if (bodyDone) return;
        bodyEnded = true;
        deliverHeld();
    }

    /** The streamed body won't be completed. */
    void bodyAbort(IOException why) {
        if (bodyDone || (bodyEnded && heldParts == null)) return;
        bodyDone = true;
        heldParts = null;
        heldBytes = 0;
        if (bodyListener != null) {
            BodyListener l = bodyListener;
            runSafely("onBody's onAbort", () -> l.onAbort(why));
        }
    }

    private void deliverHeld() {
        if (bodyListener == null || bodyDone) return;
        while (heldParts != null && !bodyPaused) {
            byte[] part = heldParts.pollFirst();
            if (part == null) {
                heldParts = null;
                break;
            }
            heldBytes -= part.length;
            deliver(part);
        }
        if (bodyEnded && heldParts == null && !bodyPaused && !bodyDone) {
            bodyEnded = false; // told once
            bodyDone = true; // nothing more comes
            try {
                bodyListener.onEnd();
            } catch (RuntimeException e) {
                handlerFailed(e);
            }
        }
    }

    /** Hands a part to the listener; one that throws is a failed handler and gets no more. */
    private void deliver(byte[] part) {
        try {
            bodyListener.onData(part);
        } catch (RuntimeException e) {
            bodyDone = true;
            heldParts = null;
            heldBytes = 0;
            handlerFailed(e);
        }
    }

    /** Whether the connection is to close once this response is out. */
    boolean closesConnection() { return closeAfter || !keepAlive; }

    /** A handler that sent something and returned without finishing starts streaming now. */
    void commitIfStarted() {
        if (!committed && !finished && !aborted && pendingLength > 0) commit(false);
    }

    /** The handler threw: answer with its status if nothing is out yet, else give up on the connection. */
    void handlerFailed(Throwable e) {
        if (e instanceof HttpException h) {
            LOG.log(Level.DEBUG, () -> "Handler of " + this + " answered " + h.status() + ": " + h.getMessage());
        } else {
            LOG.log(Level.ERROR, "Uncaught exception in the handler of " + this, e);
        }
        if (finished || aborted) return;
        if (!committed) {
            int s = e instanceof HttpException h ? h.status() : 500;
            String message = e instanceof HttpException h ? h.getMessage() : null;
            responseHeaders = null;
            declaredLength = -1;
            customDate = customServer = false;
            pending = null;
            pendingLength = 0;
            reason = null;
            sendResponse(errorBody(s, message), s, "text/plain; charset=utf-8");
        } else {
            // part of the response is out: the client can only tell it is cut short by the close
            closeAfter = true;
            chunkedResponse = false; // no last chunk: a complete-looking response would be a lie
            declaredLength = -1;
            finish();
        }
    }

    /** The plain-text body of an error response. */
    static String errorBody(int status, String message) {
        String reason = HttpStatus.reasonPhrase(status);
        String head = status + " " + reason;
        boolean extra = message != null && !message.isEmpty() && !message.equals(reason);
        return extra ? head + ": " + message + "\n" : head + "\n";
    }

    /** The connection closed first. */
    void abort() {
        if (aborted) return;
        aborted = true;
        pending = null;
        pendingLength = 0;
        deferred = null;
        deferredBytes = 0;
        if (!finished && abortCallback != null) runSafely("onAbort", abortCallback);
    }

    /** Earlier responses are done: what this one held back goes out now, and from now on directly. */
    void becameHeadOfLine() {
        if (deferred != null) {
            ArrayList<Object> parts = deferred;
            deferred = null;
            deferredBytes = 0;
            for (Object o : parts) {
                if (o instanceof byte[] a) connection.output(a, 0, a.length);
                else if (o instanceof FilePart f) connection.outputFile(f.path, f.offset, f.count);
            }
        }
        if (wantsDrain && connection.isWritable()) drained();
    }

    /** The connection's output is down to its low water mark. */
    void drained() {
        wantsDrain = false;
        if (!finished && !aborted && drainCallback != null) runSafely("onDrain", drainCallback);
    }

    /** For sendFile: a response whose body is {@code count} bytes of {@code file} from {@code offset}. */
    void respondWithFile(int status, Path file, long offset, long count) {
        this.status = status;
        this.reason = null;
        declaredLength = count;
        if (aborted) {
            finish();
            return;
        }
        commit(false);
        if (!headMethod && count > 0) {
            emitFile(file, offset, count);
            bodyBytes = count;
        }
        finish();
    }

    // ---------------------------------------------------------------- the response's bytes

    private void buffer(byte[] data, int off, int len, boolean owned) {
        if (pending == null && owned && off == 0) {
            pending = data; // a string's fresh bytes: kept as they are, no copy
            pendingLength = len;
        } else {
            if (pending == null) pending = new byte[Math.max(len, 256)];
            else if (pending.length - pendingLength < len) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + len));
            System.arraycopy(data, off, pending, pendingLength, len);
            pendingLength += len;
        }
        if (pendingLength > COMMIT_THRESHOLD) {
            commit(false);
        } else if (!commitScheduled && connection.dispatching != this) {
            // sent from a timer or another stream: if nothing finishes it this turn, start streaming next turn
            commitScheduled = true;
            connection.engine().callback(this::commitIfStarted);
        }
    }

    private boolean bodyAllowed() {
        return HttpStatus.allowsBody(status) && !headMethod;
    }

    /**
     * Sends the head; with {@code finishing}, the buffered body goes with it (its length now
     * known), else the response streams from here.
     */
    private void commit(boolean finishing) {
        committed = true;
        ByteBuilder out = connection.scratch;
        out.reset();
        HttpStatus.appendStatusLine(out, status, reason);
        if (!customServer) {
            byte[] server = connection.server.serverHeaderLine();
            if (server != null) out.append(server);
        }
        if (!customDate) out.append(HttpDates.dateHeaderLine());
        if (responseHeaders != null) {
            for (int i = 0; i < responseHeaders.size(); i += 2) {
                out.appendLatin1(responseHeaders.get(i)).append((byte) ':').append((byte) ' ')
                        .appendLatin1(responseHeaders.get(i + 1)).crlf();
            }
        }
        if (HttpStatus.allowsBody(status)) {
            if (declaredLength >= 0 || finishing) {
                long length = declaredLength >= 0 ? declaredLength : pendingLength;
                out.appendLatin1("Content-Length: ").appendDecimal(length).crlf();
            } else if (http11) {
                chunkedResponse = true;
                out.appendLatin1("Transfer-Encoding: chunked\r\n");
            } else {
                closeAfter = true; // HTTP/1.0 knows no chunks: the body ends where the connection does
            }
        }
        if (closesConnection()) out.appendLatin1("Connection: close\r\n");
        else if (!http11) out.appendLatin1("Connection: keep-alive\r\n");
        out.crlf();

        byte[] body = pending;
        int length = pendingLength;
        pending = null;
        pendingLength = 0;
        if (length == 0 || !bodyAllowed()) {
            bodyBytes += length;
            emit(out.bytes, 0, out.length);
        } else if (finishing) {
            bodyBytes += length;
            if (length <= GATHER_LIMIT) {
                out.append(body, 0, length);
                emit(out.bytes, 0, out.length);
            } else {
                emit(out.bytes, 0, out.length);
                emit(body, 0, length);
            }
        } else {
            emit(out.bytes, 0, out.length);
            writeBody(body, 0, length);
        }
    }

    private void writeBody(byte[] data, int off, int len) {
        if (len == 0) return;
        if (!bodyAllowed()) {
            bodyBytes += len;
            return;
        }
        if (declaredLength >= 0 && bodyBytes + len > declaredLength) {
            throw new IllegalStateException("sending " + (bodyBytes + len) + " bytes, more than the Content-Length of " + declaredLength);
        }
        bodyBytes += len;
        if (!chunkedResponse) {
            emit(data, off, len);
            return;
        }
        ByteBuilder out = connection.scratch;
        out.reset();
        out.appendHex(len).crlf();
        if (len <= GATHER_LIMIT) {
            out.append(data, off, len).crlf();
            emit(out.bytes, 0, out.length);
        } else {
            emit(out.bytes, 0, out.length);
            emit(data, off, len);
            emit(CRLF, 0, 2);
        }
    }

    /** Output goes to the connection if this is the oldest unfinished response, else waits its turn. */
    private void emit(byte[] b, int off, int len) {
        if (connection.isHeadOfLine(this)) {
            connection.output(b, off, len);
        } else {
            if (deferred == null) deferred = new ArrayList<>(4);
            deferred.add(Arrays.copyOfRange(b, off, off + len));
            deferredBytes += len;
        }
    }

    private void emitFile(Path file, long offset, long count) {
        if (connection.isHeadOfLine(this)) {
            connection.outputFile(file, offset, count);
        } else {
            if (deferred == null) deferred = new ArrayList<>(4);
            deferred.add(new FilePart(file, offset, count));
        }
    }

    // ---------------------------------------------------------------- checks and helpers

    private void checkThread(String what) {
        Engine e = connection.engine();
        if (e != null && e.isRunning() && !e.inLoopThread()) {
            throw new IllegalStateException("HttpRequest." + what + " was called on thread '" + Thread.currentThread().getName()
                    + "', not the engine's loop thread; hand it over with engine.execute(() -> ...)");
        }
    }

    private void checkHead(String what) {
        checkThread(what);
        if (finished && !aborted) throw new IllegalStateException(what + "() after finish() on " + this);
        if (committed) throw new IllegalStateException(what + "() after the head was sent on " + this + ": set status and headers first");
    }

    private void checkBody(String what) {
        checkThread(what);
        if (finished && !aborted) throw new IllegalStateException(what + "() after finish() on " + this);
    }

    private static void checkFieldName(String name) {
        if (name.isEmpty()) throw new IllegalArgumentException("empty header name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !RequestHeadParser.isTokenChar(c)) {
                throw new IllegalArgumentException("invalid character " + (int) c + " in header name '" + name + "'");
            }
        }
    }

    private static void checkFieldValue(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // CR and LF would let the value write headers of its own (response splitting)
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("invalid character " + (int) c + " in the value of " + name
                        + (c > 0xff ? " (header values are Latin-1; encode others, e.g. as RFC 8187 or percent-encoding)" : ""));
            }
        }
    }

    private static long parseLength(String value) {
        String v = value.trim();
        if (v.isEmpty() || v.length() > 18) return -1;
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
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

    private void runSafely(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Uncaught exception in the " + what + " callback of " + this, e);
        }
    }

    @Override
    public String toString() {
        return "HttpRequest[" + method + " " + target + " " + version + " from " + remoteAddress() + "]";
    }
}
