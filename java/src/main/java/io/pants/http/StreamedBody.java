// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The flow of a request body to its {@link BodyListener}: parts are handed on as they come, held
 * while there is no listener yet or it paused, and the connection stops reading while too much
 * is held ({@link #holdsBack()}). A request whose body came whole (or that had none) gets one
 * too if its handler asks, already ended: {@code onBody} then tells only the end.
 */
final class StreamedBody {
    /** Parts held for a handler that has not called onBody yet; beyond this, reading pauses. */
    private static final int HELD_LIMIT = 64 * 1024;

    private final HttpConnection connection;
    private final HttpRequest request;
    private BodyListener listener;
    /** Parts that came before onBody was called, or while the body was paused. */
    private ArrayDeque<byte[]> held;
    private long heldBytes;
    /** ended: all parts are in; done: the listener was told the end or an abort (or failed): nothing more goes to it. */
    private boolean ended, done, paused;

    StreamedBody(HttpConnection connection, HttpRequest request, boolean ended) {
        this.connection = connection;
        this.request = request;
        this.ended = ended;
    }

    // ---------------------------------------------------------------- the handler's side

    void listen(BodyListener listener) {
        Objects.requireNonNull(listener);
        if (this.listener != null) throw new IllegalStateException("onBody(): the body has a listener already");
        this.listener = listener;
        deliverHeld();
        connection.bodyFlowChanged(request); // reading may have paused for parts held
    }

    void pause() {
        if (paused) return;
        paused = true;
        connection.bodyFlowChanged(request);
    }

    void resume() {
        if (!paused) return;
        paused = false;
        deliverHeld();
        connection.bodyFlowChanged(request);
    }

    // ---------------------------------------------------------------- the connection's side

    /** Whether the connection should stop reading for this body: paused, or parts pile up unread. */
    boolean holdsBack() {
        return paused || (listener == null && !request.response().isFinished() && heldBytes >= HELD_LIMIT);
    }

    /** The next part, from the connection. */
    void part(byte[] part) {
        if (done) return;
        if (listener == null && request.response().isFinished()) {
            held = null; // answered without reading it: the rest is read and dropped
            heldBytes = 0;
            return;
        }
        if (listener != null && !paused && held == null) {
            deliver(part);
            return;
        }
        if (held == null) held = new ArrayDeque<>();
        held.add(part);
        heldBytes += part.length;
    }

    /** The body is complete. */
    void end() {
        if (done) return;
        ended = true;
        deliverHeld();
    }

    /** The body won't be completed. */
    void abort(IOException why) {
        if (done || (ended && held == null)) return;
        done = true;
        held = null;
        heldBytes = 0;
        if (listener != null) {
            try {
                listener.onAbort(why);
            } catch (RuntimeException e) {
                HttpRequest.LOG.log(Level.ERROR, "Uncaught exception in the onBody's onAbort callback of " + request, e);
            }
        }
    }

    private void deliverHeld() {
        if (listener == null || done) return;
        while (held != null && !paused) {
            byte[] part = held.pollFirst();
            if (part == null) {
                held = null;
                break;
            }
            heldBytes -= part.length;
            deliver(part);
        }
        if (ended && held == null && !paused && !done) {
            ended = false; // told once
            done = true; // nothing more comes
            try {
                listener.onEnd();
            } catch (RuntimeException e) {
                request.response().fail(e);
            }
        }
    }

    /** Hands a part to the listener; one that throws is a failed handler and gets no more. */
    private void deliver(byte[] part) {
        try {
            listener.onData(part);
        } catch (RuntimeException e) {
            done = true;
            held = null;
            heldBytes = 0;
            request.response().fail(e);
        }
    }
}
