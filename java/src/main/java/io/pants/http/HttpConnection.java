// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Deadline;
import io.pants.Engine;
import io.pants.ReadDelimiter;
import io.pants.Stream;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * One HTTP/1.1 connection: parses requests from the bytes as they come, calls the handler for
 * each, and keeps their responses in request order.
 *
 * <h2>Input</h2>
 * The stream's buffer is the only one: a {@link ReadDelimiter#custom} decoder ({@link #decode})
 * parses heads and bodies where the read put them, and leaves what it has not parsed (part of a
 * head, a chunk-size line, or what waits while reading is paused) in the stream, which hands it
 * back with the bytes that follow.
 *
 * <h2>Pipelining</h2>
 * Requests are parsed and handed to the handler as soon as they are complete, also while
 * earlier ones are unfinished (up to {@link #MAX_PIPELINE}; then reading pauses). Only the
 * oldest unfinished request, the head of the line, writes to the stream; the others keep their
 * output until they get there (see {@link HttpRequest}).
 *
 * <h2>Errors</h2>
 * Bad input stops the parsing: the error response is queued behind the requests already taken
 * (answered first, in order), then the connection closes. The error response is written in one
 * place, {@link ErrorAnswer}, for every layer on top: status, {@code Content-Length},
 * {@code Connection: close}, and the text, except for a HEAD request. A malformed streamed body
 * is answered there too when nothing of its handler's response is on the way yet (the handler
 * is told the body and the request are aborted); otherwise the connection closes after (or
 * cuts) that response. Before closing it lingers briefly, reading and dropping what the client
 * still sends: closing with unread input makes the kernel send a reset, which can destroy the
 * error response before the client has read it.
 *
 * <h2>Timeouts</h2>
 * Both are engine {@link Deadline}s, O(1) to arm and move, so they fire on time (within about
 * 8 ms) and cost no timer heap operation per request: a head unfinished for the header timeout
 * (counted from its first byte) gets a 408; the stream's {@link #idleTimeout idle timeout},
 * pushed back by every read and write on the socket, ends a body or an idle connection without
 * progress with a 408 or a quiet close (see {@link #onTimeout()}). A handler may take as long as
 * it likes, but a response the client takes nothing of for the idle timeout is aborted (a write
 * timeout).
 *
 * <h2>Upgrades</h2>
 * Nothing after a request that asks to switch protocols ({@link HttpRequest#isUpgradeRequest()})
 * is parsed until it is answered: what follows is HTTP again if it is answered as HTTP, or the
 * new protocol's if it is upgraded ({@link ResponseState#UPGRADED}). Once the 101 heads the line,
 * the bytes not parsed yet (the stream's, delimited by {@link ReadDelimiter#none()} from then on)
 * and the stream's callbacks go to its {@link ConnectionProtocol}, and this class only passes
 * them on.
 *
 * <h2>End of input</h2>
 * A client's end of stream may be a half-close ({@code printf ... | nc -N}): the requests it
 * sent before are answered, then the connection closes.
 */
final class HttpConnection extends Stream {
    /** Requests taken before the oldest is finished; beyond this, reading pauses. */
    static final int MAX_PIPELINE = 16;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /** AWAIT_UPGRADE: a request asking to upgrade is unanswered; UPGRADED: the connection is {@code protocol}'s. */
    private static final int WAIT_HEAD = 0, BODY = 1, INPUT_DONE = 2, AWAIT_UPGRADE = 3, UPGRADED = 4;
    /** Lingering ends when the client is quiet for a step (input in flight arrives well within it), or after all steps. */
    private static final Duration LINGER_STEP = Duration.ofMillis(25);
    private static final int LINGER_STEPS = 80;

    final HttpServer server;
    /** Where response heads are encoded: the server's for this loop, as one response at a time encodes there. */
    ByteBuilder scratch;
    private final RequestHeadParser heads;
    /** The server's settings when the connection came: a later change applies to later connections. */
    private final int maxLine, maxHead;
    private final long maxBody;
    private final Duration headerTimeout;
    /** The responses of the requests taken, oldest first: only the first writes to the stream. */
    private final ArrayDeque<ResponseWriter> pipeline = new ArrayDeque<>(4);
    /** What the connection speaks after an upgrade; null while it speaks HTTP. */
    private ConnectionProtocol protocol;
    /** The request whose handler is running right now, if any. */
    private HttpRequest dispatching;

    // while decode runs, the stream's input: in[inStart, inEnd), inStart moving past what is parsed;
    // null otherwise (the bytes are the stream's)
    private byte[] in;
    private int inStart, inEnd;
    /** How many bytes the last decode left to the stream: what it hands back is those, then new ones. */
    private int unparsed;
    private int phase = WAIT_HEAD;
    /** The request whose body is being read (or, while it is parsed, whose head): bad input is answered as to it. */
    private HttpRequest reading;
    /** Reads the bodies, one after the other; made for the first. */
    private BodyReader bodies;
    private boolean parsing, pausedByUs, continuePending;
    /** The client sent its end of stream: what it sent before is answered, then the connection closes. */
    private boolean inputEnded;
    /** The server shuts down: the requests taken are answered, no new one is taken, then the connection closes. */
    private boolean draining;
    /** The answer to bad input, waiting for the requests before it to be answered. */
    private ErrorAnswer pendingError;
    /** The head just refused by the parser, and when it was found complete: an error answers as to what it got. */
    private boolean headRefused;
    private long refusedNanos;
    private boolean lingering;
    private int lingerSteps;
    /** The client sent something since the last linger step. */
    private boolean clientSent;

    /** Armed from a request's first byte to the end of its head (unless reading is paused by us). */
    private Deadline headDeadline;
    private boolean headBegun;

    HttpConnection(HttpServer server) {
        // flow is ours: reading pauses before the next head while the output is backed up
        // (readHead), and a streamed body is held back by its request; the timers count on input
        // coming whenever we haven't paused (header timeout), and lingering after an error must
        // go on dropping input however full the queue is
        autoPause(false);
        this.server = server;
        this.maxLine = server.maxHeaderLineSize();
        this.maxHead = server.maxHeaderSize();
        this.maxBody = server.maxBodySize();
        this.headerTimeout = server.headerTimeout();
        this.heads = new RequestHeadParser(maxLine, maxHead);
        // what decode leaves waiting is bounded by the parsers' own limits, which answer with
        // their statuses (431, 414, 400): the stream's limit must never trip before them
        bufferLimit(Math.max(DEFAULT_BUFFER_LIMIT, maxHead + maxLine));
        readDelimiter(ReadDelimiter.custom(this::decode));
    }

    @Override
    protected void onConnect() {
        scratch = server.scratchFor(engine());
        headDeadline = engine().deadline(this::headTimedOut);
    }

    /**
     * After an upgrade, the new protocol's input; before, only what the decoder left at the end
     * of input (part of a request), which nothing answers.
     */
    @Override
    protected void onRead(byte[] data) {
        if (protocol != null) protocol.onRead(data);
        else unparsed = 0;
    }

    /**
     * The stream's decoder: parses and dispatches what the stream holds, {@code b[start, end)},
     * and returns how much of it is taken; the rest stays in the stream. (HttpBenchmark, in the
     * benchmarks, calls it with requests already read.)
     */
    int decode(byte[] b, int start, int end) {
        if (end - start > unparsed) { // not only what the last call left: the client sent more
            clientSent = true;
            if (phase == WAIT_HEAD && !headBegun) beginHead();
        }
        in = b;
        inStart = start;
        inEnd = end;
        processInput();
        // nothing is parsed after an error or a last request, nor new requests in a shutdown: dropped
        boolean dropping = phase == INPUT_DONE || phase == WAIT_HEAD && draining;
        int taken = dropping ? end - start : inStart - start;
        in = null;
        inStart = inEnd = 0;
        unparsed = phase == UPGRADED ? 0 : end - start - taken; // upgraded, the rest is the new protocol's
        // what the client sends before an upgrade is answered is the new protocol's or HTTP:
        // it waits unparsed, and no more of it is read
        if (phase == AWAIT_UPGRADE && unparsed > 0) pauseForUs();
        closeIfAllAnswered();
        return taken;
    }

    /** Whether input waits unparsed: in the decoder, what is left of the stream's; else what the stream keeps. */
    private boolean hasUnparsed() {
        return in != null ? inStart < inEnd : unparsed > 0;
    }

    /** Parses and dispatches the input lent by the stream; the handlers it calls may re-enter the connection. */
    private void processInput() {
        parsing = true;
        try {
            while (inStart < inEnd && isConnected()) {
                boolean progressed = switch (phase) {
                    case WAIT_HEAD -> !draining && readHead();
                    case BODY -> readBody();
                    default -> false;
                };
                if (!progressed) break;
            }
        } catch (HttpException e) {
            fail(e.status(), e.getMessage());
        } catch (RuntimeException e) {
            HttpRequest.LOG.log(Level.ERROR, "Unexpected failure parsing input on " + this, e);
            fail(400, null);
        } finally {
            parsing = false;
        }
    }

    private boolean readHead() {
        if (pipeline.size() >= MAX_PIPELINE || !isWritable()) {
            pauseForUs();
            return false;
        }
        if (heads.atStart()) {
            // a server should ignore empty lines before a request line (RFC 9112 2.2)
            while (inEnd - inStart >= 2 && in[inStart] == '\r' && in[inStart + 1] == '\n') inStart += 2;
            if (inEnd - inStart == 1 && in[inStart] == '\r') return false;
            if (inStart == inEnd) return false;
        }
        int length = heads.findEnd(in, inStart, inEnd);
        if (length < 0) return false;
        long received = server.accessLog() != null ? System.nanoTime() : 0;
        try {
            heads.parse(in, inStart, inStart + length);
        } catch (HttpException e) {
            headRefused = true; // answered as to the method, if it was read
            refusedNanos = received;
            throw e;
        }
        HttpRequest r = new HttpRequest(this, heads, received);
        reading = r; // a request refused now (its body too large) is answered as to it
        inStart += length;
        headBegun = false;
        headDeadline.cancel();
        startRequest(r);
        return true;
    }

    /** The head of {@code r} is in (the parser still holds it): on to its body, or to its handler. */
    private void startRequest(HttpRequest r) {
        boolean chunked = heads.chunked(), expectContinue = heads.expectContinue();
        long length = heads.contentLength();
        if (!chunked && length <= 0) {
            reading = null;
            dispatch(r);
            return;
        }
        boolean streamed = server.streamsBody(r);
        if (!streamed && !chunked && length > maxBody) {
            throw new HttpException(413, "request body of " + length + " bytes, over " + maxBody);
        }
        if (streamed) r.streamBody();
        if (bodies == null) bodies = new BodyReader(maxBody, maxLine, maxHead);
        if (chunked) bodies.startChunked(!streamed);
        else bodies.startFixed(length, !streamed);
        phase = BODY;
        boolean headOfLine = pipeline.isEmpty();
        if (streamed) {
            // the handler is called now and the body's parts follow as they arrive; the request
            // after it is read once the body is complete. A handler that answered at once
            // doesn't want the body: no go-ahead for it
            callHandler(r);
            if (!isConnected() || reading != r || r.isCommitted() || r.isFinished()) return;
        }
        if (expectContinue && inStart == inEnd) {
            // the client waits for a go-ahead before sending the body; an interim response must
            // not cut into an earlier response still being sent, so it may have to wait its turn
            if (headOfLine) output(CONTINUE, 0, CONTINUE.length);
            else continuePending = true;
        }
    }

    private boolean readBody() {
        continuePending = false;
        boolean streamed = reading.isBodyStreamed();
        if (streamed && bodyHeldBack()) return false;
        inStart += bodies.read(in, inStart, inEnd);
        byte[] part = streamed ? bodies.takePart() : null;
        if (part != null) reading.streamedBody().part(part);
        if (!bodies.isDone()) return false;
        reading.trailersArrived(bodies.trailers()); // empty but for a chunked body's
        if (!streamed) reading.bodyArrived(bodies.body());
        bodies.clear();
        return streamed ? streamedBodyDone() : bodyDone();
    }

    /** Whether the streamed body's listener holds it back; reading pauses until it lets go (bodyFlowChanged). */
    private boolean bodyHeldBack() {
        if (!reading.streamedBody().holdsBack()) return false;
        pauseForUs();
        return true;
    }

    private boolean streamedBodyDone() {
        HttpRequest r = reading;
        reading = null;
        afterRequest(r);
        r.streamedBody().end();
        return true;
    }

    /** A streamed body's listener paused or resumed it: stop reading, or go on. */
    void bodyFlowChanged(HttpRequest r) {
        if (reading != r) return; // its body is all in: holding it back is the request's own business
        if (r.streamedBody().holdsBack()) {
            pauseForUs();
        } else {
            resumeIfPaused(); // and the stream hands back what waits
        }
    }

    private boolean bodyDone() {
        HttpRequest r = reading;
        reading = null;
        dispatch(r);
        return true;
    }

    private void dispatch(HttpRequest r) {
        afterRequest(r);
        callHandler(r);
    }

    /** The request is read: on to the next one, or to nothing if it closes the connection. */
    private void afterRequest(HttpRequest r) {
        // a streamed body ends after its handler was called: it may have answered already
        boolean answered = r.isBodyStreamed() && !pipeline.contains(r.response());
        if (r.clientKeepAlive() && r.asksUpgrade() && !answered) {
            phase = AWAIT_UPGRADE; // what follows may be another protocol's: parse nothing until it is answered
        } else if (r.clientKeepAlive()) {
            phase = WAIT_HEAD;
            if (hasUnparsed()) beginHead(); // the next one is here already
        } else {
            phase = INPUT_DONE; // nothing after a request that closes the connection is read
        }
    }

    private void callHandler(HttpRequest r) {
        pipeline.addLast(r.response());
        dispatching = r;
        try {
            server.handler().handle(r);
            r.response().commitIfStarted(); // sent something and returned unfinished: it streams
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError v && !(e instanceof StackOverflowError)) throw v;
            r.response().fail(e);
        } finally {
            dispatching = null;
        }
    }

    // ---------------------------------------------------------------- responses

    boolean isHeadOfLine(ResponseWriter r) {
        return pipeline.peekFirst() == r;
    }

    /** Whether {@code r}'s body is still coming (streamed to its handler). */
    boolean isReadingBody(HttpRequest r) {
        return reading == r;
    }

    /** Whether {@code r}'s handler is running right now (what it sends may yet be finished in the same call). */
    boolean isDispatching(HttpRequest r) {
        return dispatching == r;
    }

    /** Refuses a call from a thread other than the loop's, naming the way over. */
    void checkLoopThread(String what) {
        Engine e = engine();
        if (e != null) e.checkLoopThread("HttpRequest." + what);
    }

    void output(byte[] b, int off, int len) {
        if (isConnected()) write(b, off, len);
    }

    void outputFile(Path file, long offset, long count) {
        if (isConnected()) writeFile(file, offset, count);
    }

    /** A request's response is finished: if it heads the line, the line moves on. */
    void finished(ResponseWriter r) {
        if (pipeline.peekFirst() != r) return;
        ResponseWriter h;
        while ((h = pipeline.peekFirst()) != null && (h.isFinished() || h.isUpgraded())) {
            pipeline.pollFirst();
            if (h.isUpgraded()) {
                switchTo(h.upgradedTo()); // the last request taken: nothing after it was parsed
                return;
            }
            if (h.closesConnection()) {
                phase = INPUT_DONE;
                close(); // after what is queued; requests behind this one are dropped
                return;
            }
            ResponseWriter next = pipeline.peekFirst();
            if (next != null) next.becameHeadOfLine();
        }
        if (continuePending && reading != null && reading.isBodyStreamed() && pipeline.peekFirst() == reading.response()
                && !reading.isCommitted()) {
            continuePending = false; // its turn: the go-ahead for the body it waits for
            output(CONTINUE, 0, CONTINUE.length);
        }
        if (!pipeline.isEmpty() || !isConnected()) return;
        if (phase == AWAIT_UPGRADE) {
            phase = WAIT_HEAD; // answered as HTTP: what follows is HTTP too
            if (hasUnparsed()) beginHead();
        }
        if (pendingError != null) {
            sendError();
            return;
        }
        if (continuePending) {
            continuePending = false;
            output(CONTINUE, 0, CONTINUE.length);
        }
        // input waiting behind a pause comes back to decode, which goes on, then closes if all is answered
        if (!(resumeIfPaused() && hasUnparsed())) closeIfAllAnswered();
    }

    /**
     * The client half-closed (it may still read): requests it sent are answered before the
     * connection closes; an unfinished one can't be, and is dropped.
     */
    /** The upgrade's 101 heads the line: the input not parsed and the callbacks go to {@code next}. */
    private void switchTo(ConnectionProtocol next) {
        phase = UPGRADED;
        protocol = next;
        headBegun = false;
        headDeadline.cancel();
        // the input not parsed, and what follows, as it comes: onRead passes it on, after onUpgrade
        unparsed = 0;
        bufferLimit(DEFAULT_BUFFER_LIMIT);
        readDelimiter(ReadDelimiter.none());
        if (pausedByUs) {
            pausedByUs = false;
            resumeReading();
        }
        next.onUpgrade(this);
        if (inputEnded && isConnected()) next.onEndOfInput();
        if (draining && isConnected()) next.onShutdown(); // upgraded while the server shuts down: it ends too
    }

    @Override
    protected void onEndOfInput() {
        if (protocol != null) {
            protocol.onEndOfInput();
            return;
        }
        inputEnded = true;
        if (reading != null && reading.isBodyStreamed()) {
            // its handler may still answer; the body it waits for won't come
            HttpRequest r = reading;
            reading = null;
            phase = INPUT_DONE;
            r.streamedBody().abort(new EOFException("the client ended its output before the request body was complete"));
        }
        if (lingering) close(); // the client stopped sending: nothing left to drain
        else closeIfAllAnswered();
    }

    private void closeIfAllAnswered() {
        if (!(inputEnded || draining) || phase == AWAIT_UPGRADE || phase == UPGRADED || parsing || !pipeline.isEmpty()
                || pendingError != null || lingering || !isConnected()) return;
        if (pausedByUs && hasUnparsed() && !draining) return; // parsed and answered once our output drains
        close();
    }

    /**
     * A graceful shutdown ({@link HttpServer#shutdown}): an idle connection (no request taken,
     * or only part of a head) closes now; a busy one answers the requests it took, reads the
     * body it is reading, takes no new request, and closes after its last response. An upgraded
     * one is its protocol's to end ({@link ConnectionProtocol#onShutdown()}), also if the
     * upgrade comes later.
     */
    void closeWhenIdle() {
        if (draining) return;
        draining = true;
        if (protocol != null) {
            protocol.onShutdown(); // the connection is the protocol's: it decides how to end
            return;
        }
        if (phase == WAIT_HEAD && pipeline.isEmpty() && !parsing && pendingError == null && !lingering) {
            close();
            return;
        }
        ResponseWriter last = pipeline.peekLast(); // the requests before it are answered first
        if (last != null) last.closeConnectionAfter();
        closeIfAllAnswered();
    }

    @Override
    protected void onDrain() {
        if (protocol != null) {
            protocol.onDrain();
            return;
        }
        ResponseWriter h = pipeline.peekFirst();
        if (h != null) h.drained();
        resumeIfPaused(); // and the stream hands back what waits
    }

    @Override
    protected void onClose() {
        if (headDeadline != null) headDeadline.cancel();
        if (reading != null && reading.isBodyStreamed()) {
            HttpRequest r = reading;
            reading = null;
            r.streamedBody().abort(new IOException("the connection closed before the request body was complete"));
        }
        ResponseWriter[] open = pipeline.toArray(new ResponseWriter[0]);
        pipeline.clear();
        for (ResponseWriter r : open) r.abort();
        if (protocol != null) protocol.onClose();
    }

    private void pauseForUs() {
        if (pausedByUs) return;
        pausedByUs = true;
        pauseReading();
        if (headBegun) headDeadline.cancel(); // not the client's doing: no header timeout while we don't read
    }

    /** Returns whether reading resumed (then the stream hands back the input it kept, to decode). */
    private boolean resumeIfPaused() {
        if (!pausedByUs || phase == AWAIT_UPGRADE) return false;
        if (phase != INPUT_DONE && (pipeline.size() >= MAX_PIPELINE || !isWritable())) return false;
        if (reading != null && reading.isBodyStreamed() && reading.streamedBody().holdsBack()) return false;
        pausedByUs = false;
        resumeReading();
        if (headBegun) headDeadline.after(headerTimeout);
        return true;
    }

    // ---------------------------------------------------------------- errors

    /** Bad input: stop parsing; the error is answered once the requests before it are. */
    private void fail(int status, String message) {
        if (pendingError != null || lingering || !isConnected()) return;
        HttpRequest r = reading;
        phase = INPUT_DONE; // decode drops what is left, and what comes
        reading = null;
        if (bodies != null) bodies.clear();
        continuePending = false;
        resumeIfPaused(); // keep reading, to drop what comes instead of leaving it unread
        if (r != null && r.isBodyStreamed() && !takeFromHandler(r, message)) {
            HttpRequest.LOG.log(Level.DEBUG, () -> "Closing " + this + ": " + status + " (" + message + ") in a streamed body already answered");
            if (!isConnected()) return;
            if (pipeline.isEmpty()) lingerThenClose(); // its response is all out: only the close is left
            else abort(); // it heads the line, its response partly out: only closing tells the client it is cut
            return;
        }
        HttpRequest.LOG.log(Level.DEBUG, () -> "Answering " + status + " (" + message + ") on " + this);
        boolean refused = r == null && headRefused; // the head itself: as far as the parser got
        long since = r != null ? r.receivedNanos() : refused ? refusedNanos : 0;
        pendingError = new ErrorAnswer(status, message,
                r != null ? r.isHeadMethod() : refused && heads.isHeadMethod(),
                r != null ? r.method() : refused ? heads.method() : null,
                r != null ? r.target() : refused ? heads.target() : null,
                since != 0 ? since : server.accessLog() != null ? System.nanoTime() : 0);
        if (pipeline.isEmpty() && isConnected()) sendError();
    }

    /**
     * A streamed body is malformed while its handler runs. If nothing of the handler's response
     * is on the way yet (it is uncommitted, or held back behind earlier responses), the request
     * is taken from the handler (aborted: what it sends is dropped) for the error to answer it,
     * and this returns true. Either way the body's listener is told.
     */
    private boolean takeFromHandler(HttpRequest r, String message) {
        IOException why = new IOException("the request body is cut off: " + message);
        ResponseWriter response = r.response();
        boolean answerable = pipeline.peekLast() == response && !(pipeline.peekFirst() == response && response.isCommitted());
        if (answerable) {
            pipeline.pollLast(); // the error takes its place, behind the requests before it
            response.abort();
        }
        r.streamedBody().abort(why);
        return answerable;
    }

    /** Writes the error answer, then lingers and closes. */
    private void sendError() {
        ErrorAnswer e = pendingError;
        pendingError = null;
        int bodyBytes = e.encode(server, scratch);
        output(scratch.bytes, 0, scratch.length);
        server.logAccess(e.method(), e.target(), e.status(), bodyBytes, e.sinceNanos(), remoteAddress());
        lingerThenClose();
    }

    /** Closes after a short linger, reading and dropping what the client still sends (see the class comment). */
    private void lingerThenClose() {
        lingering = true;
        clientSent = false;
        engine().defer(LINGER_STEP, this::lingerStep);
    }

    /** Closes once the error is sent and the client has been quiet for a step (or after the last step). */
    private void lingerStep() {
        if (!isConnected()) return;
        if (++lingerSteps < LINGER_STEPS && (clientSent || queuedBytes() > 0)) {
            clientSent = false;
            engine().defer(LINGER_STEP, this::lingerStep);
            return;
        }
        close();
    }

    // ---------------------------------------------------------------- timeouts

    private void beginHead() {
        headBegun = true;
        headDeadline.after(headerTimeout);
    }

    private void headTimedOut() {
        if (phase == WAIT_HEAD && headBegun && !pausedByUs && isConnected()) fail(408, "the request head took too long");
    }

    /**
     * No bytes read or written for the idle timeout. A stream closing with output still queued
     * is aborted by the stream itself; this decides for an open connection.
     */
    @Override
    protected void onTimeout() {
        if (protocol != null) {
            protocol.onTimeout();
            return;
        }
        if (lingering) return; // it closes at the end of its lingering
        if (phase == WAIT_HEAD && headBegun && !pausedByUs) return; // a head on its way: the header timeout's business
        long queued = queuedBytes();
        if (!pipeline.isEmpty()) {
            // a handler is on it: its business how long it takes, unless what it sent is not
            // taken: a client that stopped reading would hold the response (and a JDK-API
            // handler's thread, blocked in write) forever
            // likewise a streamed body that stopped coming while its handler waits for it
            boolean waitingForBody = reading != null && reading.isBodyStreamed() && !reading.streamedBody().holdsBack();
            if (queued == 0 && !waitingForBody) return;
            HttpRequest.LOG.log(Level.DEBUG, () -> "Closing " + this + ": no progress for the idle timeout");
            abort();
            return;
        }
        if (phase == BODY) fail(408, "the request body stalled");
        else if (queued > 0) abort(); // the client stopped reading: nothing left to say
        else close();
    }
}
