// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import io.pants.http.BodyListener;
import io.pants.http.HttpRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The request body of a {@link PantsHttpExchange}: received on the loop thread as it arrives
 * (the HTTP server streams every body for the provider), read by the handler.
 *
 * <p>The exchange starts (its handler is called) once the body is complete, or once more than
 * {@code startAt} bytes of it have come (the HTTP server's body limit, 10 MB by default): so a
 * body up to that size is all in memory before the handler runs, as before bodies were
 * streamed, and a handler on the loop thread reads it without waiting ({@link #isComplete});
 * a larger one streams while the handler reads it on another thread, and has no limit. A body
 * that ends early (the client half-closed) before the exchange starts is answered with a 400
 * here; a malformed one, by the HTTP server (a 400 behind the responses to the requests before
 * it, which the exchange does not get).
 *
 * <p>Parts wait in a queue; a reader with nothing to read waits for the next part, the end, or
 * the failure (the connection closed, the client went quiet for the idle timeout). When more
 * than {@link #HIGH_WATER} bytes wait unread, the loop stops reading from the client until the
 * handler has read them down to {@link #LOW_WATER}: an upload of any size holds a bounded amount
 * of memory. Closing the stream before the end drops the rest of the body as it comes, so that
 * the connection can carry the next request, as the JDK's server does.
 */
final class RequestBody extends InputStream implements BodyListener {
    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;

    private final PantsHttpServer server;
    /** Only touched on the loop thread, as are the three below. */
    private final HttpRequest request;
    private final long startAt;
    private final Consumer<RequestBody> start;
    private boolean started;

    // shared between the loop and the handler thread, guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a part, the end or a failure comes. */
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<byte[]> parts = new ArrayDeque<>();
    private byte[] current;
    private int offset;
    private long buffered;
    private boolean ended, closed, pausedForUs, resumeAsked;
    /** Closed, or the exchange is over: what of the body still comes is dropped. */
    private boolean dropping;
    private IOException failure;

    RequestBody(PantsHttpServer server, HttpRequest request, long startAt, Consumer<RequestBody> start) {
        this.server = server;
        this.request = request;
        this.startAt = startAt;
        this.start = start;
    }

    private void startExchange() {
        if (started) return;
        started = true;
        start.accept(this);
    }

    // ---------------------------------------------------------------- the loop thread

    @Override
    public void onData(byte[] part) {
        boolean pause, full;
        lock.lock();
        try {
            if (dropping) return; // the handler is done with the body: the rest is dropped
            parts.add(part);
            buffered += part.length;
            arrived.signalAll();
            full = buffered > startAt;
            pause = started && buffered > HIGH_WATER && !pausedForUs;
            if (pause) pausedForUs = true;
        } finally {
            lock.unlock();
        }
        if (pause) request.pauseBody();
        if (full) startExchange();
    }

    @Override
    public void onEnd() {
        lock.lock();
        try {
            ended = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        startExchange();
    }

    @Override
    public void onAbort(IOException why) {
        lock.lock();
        try {
            failure = why;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (!started) {
            started = true; // no handler for a request that never came whole
            request.sendHeader("Connection", "close");
            request.sendResponse("400 Bad Request: the request body is incomplete\n", 400, "text/plain; charset=utf-8");
        }
    }

    /** On the loop thread, once the exchange starts: whether the whole body is in, so that reading it never waits. */
    boolean isComplete() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The exchange is over (its response finished, its connection closed, or the server
     * stopped): readers wake, and what of the body still comes is dropped.
     */
    void exchangeOver() {
        lock.lock();
        try {
            if (failure == null && !ended) failure = new IOException("the exchange is over: its response is finished or its connection closed");
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        drop();
    }

    /** From now on the body's parts are dropped; reading from the client goes on if we paused it. */
    private void drop() {
        boolean resume;
        lock.lock();
        try {
            dropping = true;
            parts.clear();
            current = null;
            buffered = 0;
            resume = pausedForUs && !resumeAsked;
            if (resume) resumeAsked = true;
        } finally {
            lock.unlock();
        }
        if (resume) server.onLoop(request, this::resumeOnLoop);
    }

    private void resumeOnLoop() {
        lock.lock();
        try {
            pausedForUs = false;
            resumeAsked = false;
        } finally {
            lock.unlock();
        }
        request.resumeBody();
    }

    // ---------------------------------------------------------------- the handler thread

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        boolean resume;
        int n;
        lock.lock();
        try {
            if (closed) throw new IOException("the request body is closed");
            while (current == null) {
                current = parts.pollFirst();
                offset = 0;
                if (current != null) break;
                if (ended) return -1;
                if (failure != null) throw new IOException("the request body is incomplete: " + failure.getMessage(), failure);
                if (request.engine().inLoopThread()) {
                    // only an executor that runs the handler where it is given (Runnable::run) gets
                    // here: without one, a body that is not all in goes to the large-body thread
                    throw new IOException("the request body is not in yet, and a handler on the loop thread can't wait for it:"
                            + " give the server no executor (a body over the in-memory limit then goes to a thread of the"
                            + " server's), or one that runs handlers on threads of their own");
                }
                try {
                    arrived.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the request body");
                }
            }
            n = Math.min(len, current.length - offset);
            System.arraycopy(current, offset, b, off, n);
            offset += n;
            if (offset == current.length) current = null;
            buffered -= n;
            resume = pausedForUs && !resumeAsked && buffered <= LOW_WATER;
            if (resume) resumeAsked = true;
        } finally {
            lock.unlock();
        }
        if (resume && !server.onLoop(request, this::resumeOnLoop)) throw new IOException("the server is stopped");
        return n;
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, buffered);
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is buffered; the rest of the body is read and dropped as it comes. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
        } finally {
            lock.unlock();
        }
        drop();
    }
}
