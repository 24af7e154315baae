// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One response: its head as the handler sets it, its body's framing, and its turn on the
 * connection. {@link HttpRequest}'s response methods come here; their contract is written there.
 *
 * <p>Its life is a {@link ResponseState}. While {@link ResponseState#OPEN OPEN} the body is held
 * (up to {@link #COMMIT_THRESHOLD}) so that a response finished in the callback that sent it goes
 * out with a {@code Content-Length}, head and small body in one write. Committing the head
 * chooses the framing once: the declared length, or chunked, or (to an HTTP/1.0 client) the
 * connection's close. Output goes to the connection only while this response heads its
 * pipeline; before that it waits in a {@link DeferredOutput}.
 */
final class ResponseWriter implements ByteSink {
    /** Body bytes held before the head is sent; past this, the response starts streaming. */
    private static final int COMMIT_THRESHOLD = 16 * 1024;
    /** Output a response behind others in the pipeline holds before it reports itself not writable. */
    private static final int DEFERRED_HIGH_WATER = 64 * 1024;
    private static final String[] NO_FIELDS = new String[0];

    private final HttpConnection connection;
    private final HttpRequest request;
    private ResponseState state = ResponseState.OPEN;
    /** The head went out (or was queued): stays true when the response is aborted after. */
    private boolean headSent;

    // the head, as the handler sets it
    private int status = 200;
    private String reason;
    /** name, value, name, value, ...: the fields given by the handler, {@code fieldsLength} of them used. */
    private String[] fields = NO_FIELDS;
    private int fieldsLength;
    private boolean customDate, customServer;
    /** The Content-Length the handler declared (or a file's), else -1. */
    private long declaredLength = -1;
    /** Connection: close was asked for, or the body's framing needs it. */
    private boolean closeAfter;

    // the body
    /** The body is framed in chunks (chosen at commit). */
    private boolean chunked;
    /** Body sent while OPEN: it goes out with the head, so that its length can be known. */
    private byte[] pending;
    private int pendingLength;
    private boolean commitScheduled;
    private long bodyBytes;

    // the turn
    private DeferredOutput deferred;
    /** What the connection speaks once this 101 heads the line; null unless upgraded. */
    private ConnectionProtocol upgradedTo;
    private boolean wantsDrain;
    private Runnable drainCallback, abortCallback;

    ResponseWriter(HttpConnection connection, HttpRequest request) {
        this.connection = connection;
        this.request = request;
    }

    // ---------------------------------------------------------------- the head

    void status(int status, String reason) {
        checkHead("sendStatus");
        if (status < 200 || status > 599) throw new IllegalArgumentException("a response status is 200 to 599, got " + status);
        if (reason != null) HttpHeaders.checkValue("reason phrase", reason);
        this.status = status;
        this.reason = reason;
    }

    int status() { return status; }

    void header(String name, String value) {
        checkHead("sendHeader");
        HttpHeaders.checkName(name);
        HttpHeaders.checkValue(name, value);
        if (name.equalsIgnoreCase(HeaderNames.CONTENT_LENGTH)) {
            long n = HttpHeaders.parseLength(value);
            if (n < 0) throw new IllegalArgumentException("Content-Length must be a number of bytes, got '" + value + "'");
            declaredLength = n;
            return;
        }
        if (name.equalsIgnoreCase(HeaderNames.TRANSFER_ENCODING)) {
            throw new IllegalArgumentException("the server chooses the transfer coding: send a Content-Length, or stream");
        }
        if (name.equalsIgnoreCase(HeaderNames.CONNECTION)) {
            if (HttpHeaders.listContains(value, "close")) closeAfter = true;
            return;
        }
        if (name.equalsIgnoreCase(HeaderNames.DATE)) customDate = true;
        if (name.equalsIgnoreCase(HeaderNames.SERVER)) customServer = true;
        if (fieldsLength == fields.length) fields = Arrays.copyOf(fields, Math.max(8, fields.length * 2));
        fields[fieldsLength++] = name;
        fields[fieldsLength++] = value;
    }

    /** Sets the Content-Type field, replacing any given before. */
    void contentType(String type) {
        int kept = 0;
        for (int i = 0; i < fieldsLength; i += 2) {
            if (fields[i].equalsIgnoreCase(HeaderNames.CONTENT_TYPE)) continue;
            fields[kept++] = fields[i];
            fields[kept++] = fields[i + 1];
        }
        Arrays.fill(fields, kept, fieldsLength, null);
        fieldsLength = kept;
        header(HeaderNames.CONTENT_TYPE, type);
    }

    // ---------------------------------------------------------------- the body

    /** Adds to the body; {@code owned}: the array is ours (a string's fresh bytes), kept without a copy. */
    void send(byte[] data, int off, int len, boolean owned) {
        checkBody("send");
        if (state == ResponseState.OPEN) hold(data, off, len, owned);
        else if (state == ResponseState.STREAMING) putBody(data, off, len);
    }

    /** A whole response in one call (sendResponse). */
    void sendWhole(byte[] body, int status, String contentType) {
        checkWhole("sendResponse");
        status(status, null);
        if (contentType != null) contentType(contentType);
        if (state == ResponseState.OPEN) {
            pending = body;
            pendingLength = body.length;
        }
        finish();
    }

    /** For sendFile: refused after send(), as sendResponse is. */
    void checkWhole(String what) {
        checkHead(what);
        if (pendingLength > 0) throw new IllegalStateException(what + "() after send(): use one or the other");
    }

    /** For sendFile: a response whose body is {@code count} bytes of {@code file} from {@code offset}. */
    void sendFileRegion(int status, Path file, long offset, long count) {
        this.status = status;
        this.reason = null;
        declaredLength = count;
        if (state == ResponseState.OPEN) {
            commit(false);
            if (!request.isHeadMethod() && count > 0) {
                if (connection.isHeadOfLine(this)) connection.outputFile(file, offset, count);
                else deferred().addFile(file, offset, count);
                bodyBytes = count;
            }
        }
        finish();
    }

    void finish() {
        connection.checkLoopThread("finish");
        if (state.isFinished() || state.isUpgraded()) return;
        if (state == ResponseState.OPEN && declaredLength >= 0 && pendingLength > declaredLength && bodyAllowed()) {
            throw new IllegalStateException("the body is " + pendingLength + " bytes, more than the Content-Length of " + declaredLength);
        }
        if (state.isAborted()) {
            state = state.moveTo(ResponseState.ABORTED_FINISHED);
            return;
        }
        if (state == ResponseState.OPEN) commit(true);
        else if (chunked && bodyAllowed()) ChunkedEncoder.putLastChunk(this);
        state = state.moveTo(ResponseState.FINISHED);
        if (declaredLength >= 0 && bodyBytes != declaredLength && bodyAllowed()) {
            // the client counts on the length it was given: only closing can end this response
            HttpRequest.LOG.log(Level.WARNING, "Response to " + request + " declared Content-Length " + declaredLength
                    + " but sent " + bodyBytes + " bytes; closing the connection");
            closeAfter = true;
        }
        if (request.receivedNanos() != 0) {
            connection.server.logAccess(request.method(), request.target(), status, bodyBytes, request.receivedNanos(), connection.remoteAddress());
        }
        connection.finished(this);
    }

    /**
     * Answers {@code 101 Switching Protocols} with {@code Upgrade: token} and the fields the
     * handler set; the connection speaks {@code next} once this response heads the line.
     */
    void upgrade(String token, ConnectionProtocol next) {
        checkHead("upgrade");
        if (state.isAborted()) throw new IllegalStateException("upgrade() on " + request + ": the connection closed already");
        if (!request.asksUpgrade()) {
            throw new IllegalStateException("upgrade() on " + request + ", which did not ask for one: a client asks with"
                    + " HTTP/1.1, 'Connection: upgrade' and an 'Upgrade' field; answer it as HTTP (426 Upgrade Required, say)");
        }
        if (pendingLength > 0) throw new IllegalStateException("upgrade() after send() on " + request + ": a 101 has no body");
        if (connection.isReadingBody(request)) {
            // the new protocol starts after the request, body and all (RFC 9110 7.8)
            throw new IllegalStateException("upgrade() on " + request + " while its streamed body is still coming: upgrade once it has ended");
        }
        if (token.isEmpty() || !token.chars().allMatch(c -> FieldParser.isTokenChar((char) c) || c == '/')) {
            throw new IllegalArgumentException("an upgrade protocol is a token (websocket, h2c, name/version): '" + token + "'");
        }
        status = 101;
        reason = null;
        ByteBuilder out = connection.scratch;
        connection.server.startHead(out, 101, null, !customServer, !customDate);
        for (int i = 0; i < fieldsLength; i += 2) {
            out.appendLatin1(fields[i]).append((byte) ':').append((byte) ' ').appendLatin1(fields[i + 1]).crlf();
        }
        out.appendLatin1("Connection: Upgrade\r\nUpgrade: ").appendLatin1(token).crlf().crlf();
        headSent = true;
        upgradedTo = next;
        state = state.moveTo(ResponseState.UPGRADED);
        put(out.bytes, 0, out.length);
        if (request.receivedNanos() != 0) {
            connection.server.logAccess(request.method(), request.target(), 101, 0, request.receivedNanos(), connection.remoteAddress());
        }
        connection.finished(this);
    }

    /** The protocol a 101 switches to, or null. */
    ConnectionProtocol upgradedTo() { return upgradedTo; }

    boolean isUpgraded() { return state.isUpgraded(); }

    void flush() {
        checkBody("flush");
        if (state == ResponseState.OPEN) commit(false);
    }

    /** The handler threw: answer with its status if nothing is out yet, else give up on the connection. */
    void fail(Throwable e) {
        if (e instanceof HttpException h) {
            HttpRequest.LOG.log(Level.DEBUG, () -> "Handler of " + request + " answered " + h.status() + ": " + h.getMessage());
        } else {
            HttpRequest.LOG.log(Level.ERROR, "Uncaught exception in the handler of " + request, e);
        }
        if (!state.isLive()) return;
        if (state == ResponseState.OPEN) {
            int s = e instanceof HttpException h ? h.status() : 500;
            String message = e instanceof HttpException h ? h.getMessage() : null;
            fields = NO_FIELDS;
            fieldsLength = 0;
            declaredLength = -1;
            customDate = customServer = false;
            pending = null;
            pendingLength = 0;
            reason = null;
            sendWhole(errorBody(s, message).getBytes(StandardCharsets.UTF_8), s, "text/plain; charset=utf-8");
        } else {
            // part of the response is out: the client can only tell it is cut short by the close
            closeAfter = true;
            chunked = false; // no last chunk: a complete-looking response would be a lie
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

    // ---------------------------------------------------------------- state, for the request and the connection

    boolean isFinished() { return state.isFinished(); }

    boolean isCommitted() { return headSent; }

    boolean isAborted() { return state.isAborted(); }

    /** Whether the connection is to close once this response is out. */
    boolean closesConnection() { return closeAfter || !request.clientKeepAlive(); }

    /** Whether the handler asked to close, or the framing needs it. */
    boolean closesAfter() { return closeAfter; }

    /** The connection closes after this response (a graceful shutdown): its head says so, unless it is out already. */
    void closeConnectionAfter() { closeAfter = true; }

    boolean isWritable() {
        if (!state.isLive()) return false;
        boolean writable = connection.isHeadOfLine(this) ? connection.isWritable()
                : deferredBytes() + pendingLength < DEFERRED_HIGH_WATER;
        if (!writable) wantsDrain = true;
        return writable;
    }

    void onDrain(Runnable callback) { drainCallback = callback; }

    void onAbort(Runnable callback) {
        abortCallback = callback;
        if (state == ResponseState.ABORTED) runSafely("onAbort", callback);
    }

    /** A handler that sent something and returned without finishing starts streaming now. */
    void commitIfStarted() {
        if (state == ResponseState.OPEN && pendingLength > 0) commit(false);
    }

    /** The connection closed first. */
    void abort() {
        if (state.isAborted()) return;
        boolean unfinished = state.isLive();
        state = state.moveTo(unfinished ? ResponseState.ABORTED : ResponseState.ABORTED_FINISHED);
        pending = null;
        pendingLength = 0;
        deferred = null;
        if (unfinished && abortCallback != null) runSafely("onAbort", abortCallback);
    }

    /** Earlier responses are done: what this one held back goes out now, and from now on directly. */
    void becameHeadOfLine() {
        if (deferred != null) {
            DeferredOutput held = deferred;
            deferred = null;
            held.writeTo(connection);
        }
        if (wantsDrain && connection.isWritable()) drained();
    }

    /** The connection's output is down to its low water mark. */
    void drained() {
        wantsDrain = false;
        if (state.isLive() && drainCallback != null) runSafely("onDrain", drainCallback);
    }

    // ---------------------------------------------------------------- the bytes

    private void hold(byte[] data, int off, int len, boolean owned) {
        if (pending == null && owned && off == 0) {
            pending = data;
            pendingLength = len;
        } else {
            if (pending == null) pending = new byte[Math.max(len, 256)];
            else if (pending.length - pendingLength < len) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + len));
            System.arraycopy(data, off, pending, pendingLength, len);
            pendingLength += len;
        }
        if (pendingLength > COMMIT_THRESHOLD) {
            commit(false);
        } else if (!commitScheduled && !connection.isDispatching(request)) {
            // sent from a timer or another stream: if nothing finishes it this turn, start streaming next turn
            commitScheduled = true;
            connection.engine().callback(this::commitIfStarted);
        }
    }

    private boolean bodyAllowed() {
        return HttpStatus.allowsBody(status) && !request.isHeadMethod();
    }

    /**
     * Sends the head; with {@code finishing}, the held body goes with it (its length now known),
     * else the response streams from here.
     */
    private void commit(boolean finishing) {
        if (!finishing) state = state.moveTo(ResponseState.STREAMING);
        headSent = true;
        ByteBuilder out = connection.scratch;
        connection.server.startHead(out, status, reason, !customServer, !customDate);
        for (int i = 0; i < fieldsLength; i += 2) {
            out.appendLatin1(fields[i]).append((byte) ':').append((byte) ' ').appendLatin1(fields[i + 1]).crlf();
        }
        if (HttpStatus.allowsBody(status)) {
            if (declaredLength >= 0 || finishing) {
                long length = declaredLength >= 0 ? declaredLength : pendingLength;
                out.appendLatin1("Content-Length: ").appendDecimal(length).crlf();
            } else if (request.isHttp11()) {
                chunked = true;
                out.appendLatin1("Transfer-Encoding: chunked\r\n");
            } else {
                closeAfter = true; // HTTP/1.0 knows no chunks: the body ends where the connection does
            }
        }
        if (closesConnection()) out.appendLatin1("Connection: close\r\n");
        else if (!request.isHttp11()) out.appendLatin1("Connection: keep-alive\r\n");
        out.crlf();

        byte[] body = pending;
        int length = pendingLength;
        pending = null;
        pendingLength = 0;
        if (length == 0 || !bodyAllowed()) {
            bodyBytes += length;
            put(out.bytes, 0, out.length);
        } else if (finishing) {
            bodyBytes += length;
            if (length <= ChunkedEncoder.GATHER_LIMIT) {
                out.append(body, 0, length);
                put(out.bytes, 0, out.length);
            } else {
                put(out.bytes, 0, out.length);
                put(body, 0, length);
            }
        } else {
            put(out.bytes, 0, out.length);
            putBody(body, 0, length);
        }
    }

    /** A part of a streaming body, framed. */
    private void putBody(byte[] data, int off, int len) {
        if (len == 0) return;
        if (!bodyAllowed()) {
            bodyBytes += len; // counted for the log, dropped: HEAD, 204 and 304 have no body
            return;
        }
        if (declaredLength >= 0 && bodyBytes + len > declaredLength) {
            throw new IllegalStateException("sending " + (bodyBytes + len) + " bytes, more than the Content-Length of " + declaredLength);
        }
        bodyBytes += len;
        if (chunked) ChunkedEncoder.putChunk(connection.scratch, data, off, len, this);
        else put(data, off, len);
    }

    /** Output goes to the connection if this is the oldest unfinished response, else waits its turn. */
    @Override
    public void put(byte[] b, int off, int len) {
        if (connection.isHeadOfLine(this)) connection.output(b, off, len);
        else deferred().add(b, off, len);
    }

    private DeferredOutput deferred() {
        if (deferred == null) deferred = new DeferredOutput();
        return deferred;
    }

    private long deferredBytes() { return deferred == null ? 0 : deferred.bytes(); }

    // ---------------------------------------------------------------- checks

    private void checkHead(String what) {
        checkBody(what);
        if (headSent) throw new IllegalStateException(what + "() after the head was sent on " + request + ": set status and headers first");
    }

    private void checkBody(String what) {
        connection.checkLoopThread(what);
        if (state == ResponseState.FINISHED) throw new IllegalStateException(what + "() after finish() on " + request);
        if (state.isUpgraded()) throw new IllegalStateException(what + "() after upgrade() on " + request + ": the connection speaks another protocol now");
    }

    private void runSafely(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            HttpRequest.LOG.log(Level.ERROR, "Uncaught exception in the " + what + " callback of " + request, e);
        }
    }
}
