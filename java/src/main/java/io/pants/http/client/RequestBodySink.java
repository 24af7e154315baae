// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.wire.HttpWire;

/**
 * The {@link BodySink} of a streamed request body: frames what the {@link BodySource} writes as
 * chunks, or checks it against the Content-Length the request set, and passes on the connection's
 * flow control. Once the request ends it is detached, and writes are dropped.
 */
final class RequestBodySink implements BodySink {
    private final Exchange exchange;
    private ClientConnection connection;
    /** The Content-Length, or -1 for chunked. */
    private final long length;
    /** The chunk framing, the server's own (null with a Content-Length). */
    private final HttpWire.ChunkWriter chunks;
    private long written;
    private boolean ended;
    private Runnable drain;

    RequestBodySink(ClientConnection connection, Exchange exchange, long length) {
        this.connection = connection;
        this.exchange = exchange;
        this.length = length;
        this.chunks = length < 0 ? HttpWire.get().chunkWriter(connection::write) : null;
    }

    @Override
    public void write(byte[] data) {
        write(data, 0, data.length);
    }

    @Override
    public void write(byte[] data, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, data.length);
        if (ended) throw new IllegalStateException("write() after end() of the body of " + exchange);
        if (connection == null || len == 0) return;
        if (length >= 0 && written + len > length) {
            throw new IllegalStateException("the body of " + exchange + " goes over its Content-Length of " + length
                    + " bytes (" + (written + len) + " written)");
        }
        written += len;
        if (chunks != null) chunks.chunk(data, off, len);
        else connection.write(data, off, len);
    }

    @Override
    public boolean isWritable() {
        return connection != null && connection.isWritable();
    }

    @Override
    public void onDrain(Runnable callback) {
        if (connection == null) return;
        if (connection.isWritable()) {
            connection.engine().callback(() -> {
                if (connection != null) callback.run();
            });
        } else {
            drain = callback;
        }
    }

    @Override
    public void end() {
        if (ended) return;
        ended = true;
        if (connection == null) return;
        if (length >= 0 && written != length) {
            exchange.fail(new HttpClientException("the body of " + exchange + " ended after " + written
                    + " bytes, short of its Content-Length of " + length));
            return;
        }
        if (chunks != null) chunks.last();
        connection.bodyEnded();
    }

    @Override
    public boolean isClosed() { return connection == null || exchange.isDone(); }

    void drained() {
        Runnable d = drain;
        drain = null;
        if (d != null && connection != null) d.run();
    }

    void detach() {
        connection = null;
        drain = null;
    }
}
