// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.Headers;
import io.pants.http.HttpRequest;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The response body of a {@link PantsHttpExchange}: written by the handler, sent on the loop
 * thread.
 *
 * <p>Small writes gather in a buffer; full buffers, larger writes (in pieces) and
 * {@link #flush()} hand bytes to the loop with {@code engine.execute}. A handler on another
 * thread waits (backpressure) while the bytes handed over but not yet taken by the loop reach
 * {@link #MAX_IN_FLIGHT}, and while the connection reports itself not writable, until the loop's
 * drain callback; the connection's closing wakes it with an {@link IOException}. So a response
 * of any size holds at most about {@code MAX_IN_FLIGHT} plus the connection's high water mark in
 * memory. The handler waits on a {@link ReentrantLock}'s condition, as in {@link RequestBody},
 * so that a virtual thread waiting for a slow client leaves its carrier thread on Java 21 to 23.
 *
 * <p>A handler on the loop thread (the server has no executor) never waits, since the loop it
 * would wait for is its own: what it writes is queued to the connection, all of it in memory
 * until the client takes it.
 *
 * <p>A fixed-length response's head waits for its first body bytes, so that a small response
 * leaves in one task, one write; a streamed one's head leaves at once.
 */
final class ResponseBody extends OutputStream {
    /** Bytes gathered on the handler's thread before they are handed over. */
    static final int BUFFER_SIZE = 8 * 1024;
    /** The largest piece handed over in one task. */
    static final int PIECE_SIZE = 32 * 1024;
    /** Bytes handed over but not yet taken by the loop before the handler waits. */
    static final int MAX_IN_FLIGHT = 128 * 1024;

    private final PantsHttpServer server;
    private final PantsHttpExchange exchange;
    /** Only touched in tasks run on the loop thread. */
    private final HttpRequest request;
    /** HEAD: the HTTP layer drops the body, so a short one is no error. */
    private final boolean headRequest;

    // the handler's thread (the exchange's methods are called from one thread at a time)
    private boolean started, closed;
    /** Bytes the body may still take; -1: any number. */
    private long remaining;
    /** The head, until it goes to the loop with the first bytes. */
    private Head head;
    private byte[] buffer;
    private int count;

    // shared with the loop thread, guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the loop takes bytes, the connection drains, or it closes. */
    private final Condition progress = lock.newCondition();
    private long inFlight;
    private boolean notWritable, connectionClosed;

    /** Status, fields and declared length, as they were when sendResponseHeaders was called. */
    private record Head(int status, List<String> fields, long contentLength) {
        void applyTo(HttpRequest r) {
            r.sendStatus(status);
            for (int i = 0; i < fields.size(); i += 2) r.sendHeader(fields.get(i), fields.get(i + 1));
            if (contentLength >= 0) r.sendHeader("Content-Length", Long.toString(contentLength));
        }
    }

    ResponseBody(PantsHttpServer server, PantsHttpExchange exchange, HttpRequest request, boolean headRequest) {
        this.server = server;
        this.headRequest = headRequest;
        this.exchange = exchange;
        this.request = request;
    }

    // ---------------------------------------------------------------- from sendResponseHeaders

    /** A response without a body: the exchange ends here. */
    void sendHead(int status, Headers fields) throws IOException {
        started = true;
        closed = true;
        remaining = 0;
        // a HEAD response may tell a GET's length; without one it goes out as a streamed
        // response would, rather than with a false Content-Length: 0
        submit(new Head(status, fieldsOf(fields, headRequest), -1), null, headRequest, true);
    }

    void startStreaming(int status, Headers fields) throws IOException {
        started = true;
        remaining = -1;
        submit(new Head(status, fieldsOf(fields, false), -1), null, true, false);
    }

    void startFixed(int status, Headers fields, long length) {
        started = true;
        remaining = length;
        head = new Head(status, fieldsOf(fields, false), length);
    }

    /**
     * The application's fields, except those the server decides: the framing ones (the length
     * goes in from sendResponseHeaders), unless {@code keepLength} lets an explicit
     * {@code Content-Length} through (a HEAD response telling a GET's length).
     */
    private static List<String> fieldsOf(Headers fields, boolean keepLength) {
        List<String> out = new ArrayList<>(fields.size() * 2);
        for (Map.Entry<String, List<String>> e : fields.entrySet()) {
            String name = e.getKey();
            if (name.equalsIgnoreCase("Transfer-Encoding")) continue;
            if (name.equalsIgnoreCase("Content-Length") && !keepLength) continue;
            for (String v : e.getValue()) {
                out.add(name);
                out.add(v == null ? "" : v);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- OutputStream

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (!started) throw new IOException("response headers not sent yet: call sendResponseHeaders() first");
        // nothing to write is no error, even after -1: for the common
        // sendResponseHeaders(200, body.length == 0 ? -1 : body.length); out.write(body);
        if (len == 0) return;
        if (closed) throw new IOException("the response body is closed");
        if (remaining >= 0) {
            if (len > remaining) throw new IOException("too many bytes to write: " + len + " more than the " + remaining + " left of the Content-Length");
            remaining -= len;
        }
        if (count + len <= BUFFER_SIZE) {
            if (buffer == null) buffer = new byte[BUFFER_SIZE];
            System.arraycopy(b, off, buffer, count, len);
            count += len;
            return;
        }
        handOverBuffer(false);
        while (len > 0) {
            int n = Math.min(len, PIECE_SIZE);
            byte[] piece = new byte[n];
            System.arraycopy(b, off, piece, 0, n);
            submit(takeHead(), piece, false, false);
            off += n;
            len -= n;
        }
    }

    /** Sends what is buffered (and the head, if it waits) now. */
    @Override
    public void flush() throws IOException {
        if (!started || closed) return;
        handOverBuffer(true);
    }

    /** Ends the response. For a fixed length, closing short of it throws and closes the connection. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        if (!started) throw new IOException("response headers not sent yet: call sendResponseHeaders() first");
        closed = true;
        byte[] rest = takeBuffer();
        submit(takeHead(), rest, false, true);
        if (remaining > 0 && !headRequest) {
            // the loop finishes the response short, which closes the connection
            throw new IOException("insufficient bytes written to the response body: " + remaining + " of its Content-Length missing");
        }
    }

    private void handOverBuffer(boolean flush) throws IOException {
        byte[] data = takeBuffer();
        Head h = takeHead();
        if (data != null || h != null || flush) submit(h, data, flush, false);
    }

    private byte[] takeBuffer() {
        if (count == 0) return null;
        byte[] data = java.util.Arrays.copyOf(buffer, count);
        count = 0;
        return data;
    }

    private Head takeHead() {
        Head h = head;
        head = null;
        return h;
    }

    /** Whether the response was ended (closed, or needs no body): nothing the handler does can change it. */
    boolean isComplete() { return started && closed; }

    /** The handler failed: 500 if the head is not out, else the connection closes. */
    void fail(Throwable cause) {
        closed = true;
        started = true;
        head = null;
        count = 0;
        if (!server.onLoop(request, () -> {
            request.fail(cause);
            exchange.connectionClosed(); // finished or cut off: either way the exchange is over
        })) {
            exchange.connectionClosed();
        }
    }

    // ---------------------------------------------------------------- to the loop

    /**
     * Hands a head, bytes, a flush or the end to the loop thread, first waiting while too much
     * is in flight or the connection is not writable.
     */
    private void submit(Head h, byte[] data, boolean flush, boolean finish) throws IOException {
        int n = data == null ? 0 : data.length;
        // a handler on the loop thread itself (no executor, or one that runs tasks where they
        // are given) must not wait for the loop: its output queues up instead
        boolean mayWait = !request.engine().inLoopThread();
        lock.lock();
        try {
            while (mayWait && !connectionClosed && (notWritable || (inFlight > 0 && inFlight + n > MAX_IN_FLIGHT))) progress.await();
            if (connectionClosed) throw new IOException("the connection is closed");
            inFlight += n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the client to take the response");
        } finally {
            lock.unlock();
        }
        if (!server.onLoop(request, () -> onLoop(h, data, flush, finish))) {
            connectionClosed();
            throw new IOException("the server is stopped");
        }
    }

    /** On the loop thread: one submitted step. */
    private void onLoop(Head h, byte[] data, boolean flush, boolean finish) {
        boolean over = finish;
        try {
            if (!request.isAborted() && !request.isFinished()) {
                if (h != null) h.applyTo(request);
                if (data != null) request.send(data);
                if (flush) request.flush();
                if (finish) request.finish();
            }
        } catch (RuntimeException e) {
            request.fail(e); // a header the HTTP layer refuses, say
            over = true;
        } finally {
            lock.lock();
            try {
                if (data != null) inFlight -= data.length;
                if (!over && !request.isWritable() && !request.isAborted()) notWritable = true;
                progress.signalAll();
            } finally {
                lock.unlock();
            }
        }
        if (over) exchange.connectionClosed();
    }

    /** On the loop thread: the connection can take more. */
    void drained() {
        lock.lock();
        try {
            notWritable = false;
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The connection is gone (or the exchange over): waiting writers give up. */
    void connectionClosed() {
        lock.lock();
        try {
            connectionClosed = true;
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
