// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.Chunk;
import io.pants.spi.FileRegion;
import io.pants.spi.OutboundQueue;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS in a {@link Stream}'s data path, on the JDK's {@link SSLEngine}. The stream hands it the
 * ciphertext it receives ({@link #received}) and the plaintext its user writes
 * ({@link #plaintext()}); the layer gives the stream plaintext ({@code Stream.receivePlain},
 * which goes on to the read delimiter and {@code onRead}) and puts records into the stream's
 * send queue, the one the engine flushes, so TLS output is part of the turn's single flush.
 *
 * <h2>Writing</h2>
 * Plaintext is staged in pooled chunks until the flush, then encrypted into as few records as
 * it fills (a large write becomes full 16 KiB records; many small writes of one turn share
 * one). At most {@link #WRAP_AHEAD} bytes of records wait in the send queue; the rest stays
 * plaintext until the socket takes them, so a large file is read as the peer reads, not at once.
 * Queued bytes and the water marks count plaintext: staged bytes plus those of records not yet
 * wholly sent ({@link #unsentPlaintext()}).
 *
 * <h2>Closing</h2>
 * close() and shutdownOutput() queue close_notify behind what is staged; the peer's
 * close_notify is the end of input. Before TLS 1.3 the engine answers the peer's close_notify
 * with its own and wraps no application data after it, so the layer wraps all that is staged
 * before it unwraps an alert record (whose type is in the clear there), sends the answer at once,
 * and tells the stream that its output is over ({@code Stream.tlsOutputClosed}); see "TLS" in
 * {@link Stream}'s comment for what the user sees.
 *
 * <h2>Threads</h2>
 * Everything here runs on the engine's loop thread except the handshake's delegated tasks
 * ({@link SSLEngine#getDelegatedTask()}: key exchange, certificate checks), which run on the
 * daemon threads "pants-tls-task-N" ({@link TlsTasks}: one per processor); while they run the
 * stream goes on receiving (ciphertext is kept), and when they are done the handshake resumes on the loop through
 * {@link Engine#execute(Runnable)}. The loop never waits for them.
 */
final class TlsLayer {
    /** Records kept in the send queue ahead of the socket; more plaintext waits staged. */
    static final int WRAP_AHEAD = 64 * 1024;
    /** Ciphertext kept waiting for a delegated task or a whole record, at most. */
    private static final int MAX_CARRY = 256 * 1024;
    private static final int GATHER = 8;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** The content type of an alert record. */
    private static final byte ALERT = 21;

    private final Stream stream;
    private final TlsConfig config;
    private Engine engine;
    private SSLEngine ssl;
    private OutboundQueue plaintext;
    /** Ciphertext not unwrapped yet (a part of a record, or input that came during a delegated task); in write mode. */
    private ByteBuffer carry;
    private Timer handshakeTimer;
    /** Upgraded by STARTTLS: onConnect was called already, for the plain connection. */
    private boolean upgrade;
    private boolean handshakeDone, tasksRunning, failed, released;
    /** This end is the TLS client. */
    private boolean client;
    /** The handshake's Flight Recorder event while it runs, when a recording wants it (else null). */
    private FlightEvents.TlsHandshake recorded;
    /** close() or shutdownOutput(): close_notify once what is staged is encrypted. */
    private boolean closeAfterStaged, closeNotifyQueued;
    /** The peer's close_notify ended this side's output too (TLS 1.2): nothing more can be written. */
    private boolean outputClosedByPeer;

    // the plaintext of records queued and not yet sent: (queue offset where the record ends, its plaintext bytes)
    private long[] recordEnds = new long[16];
    private int[] recordPlain = new int[16];
    private int recordHead, recordCount;
    private long recordsPlain;

    private final Chunk[] gathered = new Chunk[GATHER];
    private final ByteBuffer[] sources = new ByteBuffer[GATHER];

    TlsLayer(Stream stream, TlsConfig config) {
        this.stream = stream;
        this.config = config;
    }

    /** Where writes go: plaintext, staged until the handshake is done and the flush encrypts it. */
    OutboundQueue plaintext() {
        if (plaintext == null) plaintext = new OutboundQueue(stream.engine().chunks);
        return plaintext;
    }

    /**
     * Starts the handshake on a connected socket. {@code early}: ciphertext that arrived with the
     * plain input before a STARTTLS upgrade, or null.
     */
    void start(boolean client, boolean upgrade, byte[] early) {
        engine = stream.engine();
        this.upgrade = upgrade;
        this.client = client;
        recorded = FlightEvents.tlsHandshakeStarted();
        handshakeTimer = engine.defer(config.handshakeTimeout(), this::handshakeTimedOut);
        try {
            if (client) {
                String host = null;
                int port = -1;
                SocketAddress peer = stream.connectAddress();
                if (peer == null) peer = stream.remoteAddress();
                if (peer instanceof InetSocketAddress isa) {
                    host = isa.getHostString();
                    port = isa.getPort();
                }
                ssl = config.clientEngine(host, port);
            } else if (!config.choosesByServerName()) {
                ssl = config.serverEngine(config.context(), stream.remoteAddress());
            } // else made when the ClientHello names the server (received)
            if (ssl != null) ssl.beginHandshake();
        } catch (SSLException | RuntimeException e) {
            fail(e instanceof SSLException s ? s : new SSLException(e.getMessage(), e));
            return;
        }
        if (early != null && early.length > 0) {
            keep(ByteBuffer.wrap(early));
            engine.callback(this::resume);
        } else if (ssl != null) {
            drive(EMPTY); // a client's hello
        }
    }

    // ---------------------------------------------------------------- input

    /** Ciphertext from the socket; valid only during the call. */
    void received(ByteBuffer data) {
        if (failed || released) return;
        if (carry == null || carry.position() == 0) {
            if (ssl != null && !tasksRunning) {
                drive(data);
                if (data.hasRemaining() && !failed && !released) keep(data);
                return;
            }
        }
        keep(data);
        if (!failed) resume();
    }

    /** Goes on with what is kept: after a delegated task, after more input, after a STARTTLS upgrade. */
    private void resume() {
        if (failed || released || tasksRunning) return;
        if (ssl == null && !chooseServerEngine()) return;
        if (carry == null || carry.position() == 0) {
            drive(EMPTY);
            return;
        }
        carry.flip();
        try {
            drive(carry);
        } finally {
            if (carry != null) carry.compact();
        }
    }

    private void keep(ByteBuffer data) {
        int n = data.remaining();
        if (carry == null) carry = ByteBuffer.allocate(Math.max(n, ssl != null ? ssl.getSession().getPacketBufferSize() : 17 * 1024));
        if (carry.remaining() < n) {
            if (carry.position() + n > MAX_CARRY) {
                fail(new SSLException("more than " + MAX_CARRY + " bytes of TLS input arrived without a complete record"));
                return;
            }
            ByteBuffer bigger = ByteBuffer.allocate(Math.min(MAX_CARRY, Math.max(2 * carry.capacity(), carry.position() + n)));
            carry.flip();
            bigger.put(carry);
            carry = bigger;
        }
        carry.put(data);
    }

    /** A server with contexts per name: makes its engine once the ClientHello (its first record) is in. */
    private boolean chooseServerEngine() {
        ByteBuffer hello = carry.duplicate().flip();
        String name = ClientHelloServerName.read(hello);
        if (name == ClientHelloServerName.MORE && carry.position() < 17 * 1024) return false;
        try {
            ssl = config.serverEngine(config.contextFor(name == ClientHelloServerName.MORE ? null : name), stream.remoteAddress());
            ssl.beginHandshake();
        } catch (SSLException | RuntimeException e) {
            fail(e instanceof SSLException s ? s : new SSLException(e.getMessage(), e));
            return false;
        }
        return true;
    }

    /**
     * Runs the engine on {@code src} until it needs more input, waits for a delegated task, or
     * the stream closes: unwraps records (plaintext to the stream), wraps what the handshake
     * wants to send.
     */
    private void drive(ByteBuffer src) {
        try {
            while (!failed && !released && !tasksRunning && stream.isConnected()) {
                HandshakeStatus hs = ssl.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_TASK) {
                    runTasks();
                    return;
                }
                if (hs == HandshakeStatus.NEED_WRAP) {
                    if (!wrapHandshake()) return;
                    continue;
                }
                if (!src.hasRemaining() || ssl.isInboundDone()) return;
                if (alertEndsOutput(src)) wrapStaged(); // while the engine still takes application data
                ByteBuffer dst = engine.tlsBuffers.unwrapped();
                SSLEngineResult r = ssl.unwrap(src, dst);
                if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                    engine.tlsBuffers.growUnwrapped();
                    continue;
                }
                if (r.getStatus() == Status.BUFFER_UNDERFLOW) return; // the rest of the record is still on its way
                if (handshakeDone && r.getStatus() == Status.OK && isRenegotiation(r.getHandshakeStatus())) {
                    fail(new SSLException("the peer asked to renegotiate TLS 1.2; renegotiation is refused"));
                    return;
                }
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) handshakeFinished();
                if (dst.position() > 0 && stream.isConnected()) stream.receivePlain(dst.flip());
                if (r.getStatus() == Status.CLOSED) {
                    peerClosed();
                    stream.receivedEnd(); // the peer's close_notify: its end of input, as a FIN is
                    return;
                }
                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && r.getHandshakeStatus() == hs) return;
            }
        } catch (SSLException e) {
            fail(e);
        } catch (RuntimeException e) { // the JDK reports some malformed input this way
            fail(new SSLException(e.toString(), e));
        }
    }

    /**
     * The next record is an alert (its content type, 21, is in the clear before TLS 1.3) on a
     * session whose close_notify ends both directions, and plaintext is staged: once the engine
     * has unwrapped a close_notify it wraps no more application data.
     */
    private boolean alertEndsOutput(ByteBuffer src) {
        return handshakeDone && plaintext != null && !plaintext.isEmpty() && !closeNotifyQueued
                && src.get(src.position()) == ALERT && !"TLSv1.3".equals(ssl.getSession().getProtocol());
    }

    /**
     * Encrypts all that is staged now, past {@link #WRAP_AHEAD}: the plaintext chunks give way to
     * records as they are wrapped, so this holds no more memory than before, except for a file
     * still staged, which is read whole.
     */
    private void wrapStaged() throws SSLException {
        OutboundQueue net = stream.queue();
        try {
            while (!plaintext.isEmpty() && !failed) wrapRecord(net);
        } catch (SSLException e) {
            throw e;
        } catch (IOException e) {
            throw new SSLException("could not read the file written to " + stream + ": " + e.getMessage(), e);
        }
        stream.tlsOutput();
    }

    /**
     * The peer's close_notify was unwrapped. Before TLS 1.3 (RFC 5246 7.2.1) the JDK's engine
     * answers it with its own and takes no more output (it may do so on TLS 1.3 too, when
     * {@code jdk.tls.acknowledgeCloseNotify} is set): send that answer now, and the stream's
     * output is over, as after shutdownOutput().
     */
    private void peerClosed() throws SSLException {
        if (ssl.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) wrapHandshake();
        if (!ssl.isOutboundDone() || closeNotifyQueued) return;
        closeNotifyQueued = true;
        outputClosedByPeer = true;
        // nothing before TLS 1.3, where it was wrapped ahead of the alert; on TLS 1.3 (an acknowledging
        // engine) the alert's type is hidden, and what is staged can no longer be sent
        if (plaintext != null) plaintext.clear();
        stream.tlsOutputClosed();
    }

    /** After the handshake, TLS 1.2 going back to handshaking is the peer renegotiating (TLS 1.3 has no renegotiation). */
    private boolean isRenegotiation(HandshakeStatus hs) {
        return hs != HandshakeStatus.NOT_HANDSHAKING && hs != HandshakeStatus.FINISHED
                && "TLSv1.2".equals(ssl.getSession().getProtocol());
    }

    /** Wraps what the engine wants to send outside application data: handshake messages, alerts, close_notify. */
    private boolean wrapHandshake() throws SSLException {
        OutboundQueue net = stream.queue();
        boolean wrote = false;
        try {
            while (true) {
                ByteBuffer dst = engine.tlsBuffers.wrapped();
                SSLEngineResult r = ssl.wrap(EMPTY, dst);
                if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                    engine.tlsBuffers.growWrapped();
                    continue;
                }
                if (dst.position() > 0) {
                    net.add(dst.flip());
                    wrote = true;
                }
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) handshakeFinished();
                if (r.getStatus() == Status.CLOSED || ssl.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) return true;
                if (r.bytesProduced() == 0) return false;
            }
        } finally {
            if (wrote) stream.tlsOutput();
        }
    }

    private void runTasks() {
        tasksRunning = true;
        if (recorded != null && !client) FlightEvents.tlsServerNameSeen(recorded, ssl);
        List<Runnable> tasks = new ArrayList<>(2);
        for (Runnable t; (t = ssl.getDelegatedTask()) != null; ) tasks.add(t);
        Engine loop = engine;
        TlsTasks.run(() -> {
            for (Runnable task : tasks) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // the engine remembers the failure and reports it at the next wrap or unwrap
                }
            }
            try {
                loop.execute(() -> {
                    tasksRunning = false;
                    if (recorded != null && !client) FlightEvents.tlsServerNameSeen(recorded, ssl);
                    resume();
                });
            } catch (RuntimeException closed) {
                // the engine closed meanwhile; its streams are gone
            }
        });
    }

    private void handshakeFinished() {
        if (handshakeDone) return;
        handshakeDone = true;
        handshakeTimer.cancel();
        record(null);
        stream.tlsHandshakeDone(ssl.getSession(), upgrade);
        if (wrapsMore()) stream.tlsOutput(); // what was written during the handshake
    }

    private void handshakeTimedOut() {
        if (handshakeDone || failed || released) return;
        fail(new SSLHandshakeException("no TLS handshake within " + config.handshakeTimeout().toMillis() + " ms"));
    }

    /**
     * The socket's end of stream. True when it ends the input cleanly (close_notify came first),
     * or the stream's user accepts a truncated end ({@link Stream#onTlsError} left it open).
     */
    boolean socketEnded() {
        if (failed || released) return false;
        if (ssl != null && ssl.isInboundDone()) return true;
        if (!handshakeDone) {
            fail(new SSLHandshakeException("the peer closed the connection during the TLS handshake"));
            return false;
        }
        SSLException truncated;
        try {
            ssl.closeInbound();
            truncated = new SSLException("the peer ended the connection without close_notify (truncated)");
        } catch (SSLException e) {
            truncated = e;
        }
        return stream.tlsFailed(truncated, false);
    }

    // ---------------------------------------------------------------- output

    /** Before the engine flushes the stream: encrypts staged plaintext into records, up to {@link #WRAP_AHEAD}. */
    void wrapPending() {
        if (ssl == null || !handshakeDone || failed || released || closeNotifyQueued) return;
        OutboundQueue net = stream.queue();
        try {
            while (plaintext != null && !plaintext.isEmpty() && net.bytes() < WRAP_AHEAD && !failed) wrapRecord(net);
            if (closeAfterStaged && (plaintext == null || plaintext.isEmpty()) && !failed) sendCloseNotify();
        } catch (SSLException e) {
            fail(e);
        } catch (IOException e) {
            fail(new SSLException("could not read the file written to " + stream + ": " + e.getMessage(), e));
        }
    }

    private void wrapRecord(OutboundQueue net) throws IOException {
        ByteBuffer dst = engine.tlsBuffers.wrapped();
        FileRegion file = plaintext.headFile();
        SSLEngineResult r;
        if (file == null) {
            int n = plaintext.gather(gathered, GATHER);
            for (int i = 0; i < n; i++) sources[i] = gathered[i].readableBuffer();
            try {
                r = ssl.wrap(sources, 0, n, dst);
            } finally {
                for (int i = 0; i < n; i++) {
                    sources[i] = null;
                    gathered[i] = null;
                }
            }
            if (r.bytesConsumed() > 0) plaintext.consume(r.bytesConsumed());
        } else {
            // read on the loop thread, a record at a time, as the socket takes the previous ones
            ByteBuffer piece = engine.tlsBuffers.file();
            piece.limit((int) Math.min(piece.capacity(), file.remaining()));
            int read = file.channel().read(piece, file.position());
            if (read < 0) throw new IOException("it ended " + file.remaining() + " bytes before the region written");
            piece.flip();
            r = ssl.wrap(piece, dst);
            if (r.bytesConsumed() > 0) plaintext.consumeFile(r.bytesConsumed());
        }
        if (r.getStatus() == Status.BUFFER_OVERFLOW) {
            engine.tlsBuffers.growWrapped();
            return;
        }
        if (dst.position() > 0) { // a record; or, from a closed engine, the close_notify it still owed
            net.add(dst.flip());
            queuedRecord(net, r.bytesConsumed());
        }
        if (r.getStatus() == Status.CLOSED) {
            throw new SSLException("the TLS session of " + stream + " is closed; " + plaintext.bytes() + " bytes written after it closed are dropped");
        }
        if (r.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) drive(EMPTY); // a key update to answer
    }

    private void sendCloseNotify() throws SSLException {
        closeNotifyQueued = true;
        ssl.closeOutbound();
        wrapHandshake();
    }

    /** close(): close_notify after what is staged, or at once (staged output dropped) if the handshake is not done. */
    void close() {
        if (closeNotifyQueued || failed || released) return;
        if (ssl == null || !handshakeDone) {
            if (plaintext != null) plaintext.clear();
            if (ssl == null) {
                closeNotifyQueued = true; // nothing was said yet: nothing to end
                return;
            }
            try {
                sendCloseNotify();
            } catch (SSLException e) {
                // closing anyway
            }
            return;
        }
        closeAfterStaged = true;
    }

    /** shutdownOutput(): close_notify after what is staged, once the handshake is done; the FIN follows it. */
    void shutdownOutput() {
        closeAfterStaged = true;
    }

    /** Nothing more will go into the send queue: nothing staged, no close_notify to send. */
    boolean drained() {
        return failed || released || ((plaintext == null || plaintext.isEmpty()) && (!closeAfterStaged || closeNotifyQueued));
    }

    /** Staged output (or a close_notify) that the next flush will encrypt. */
    boolean wrapsMore() {
        return handshakeDone && !drained();
    }

    private void queuedRecord(OutboundQueue net, int plain) {
        if (recordCount == recordEnds.length) {
            long[] ends = new long[2 * recordCount];
            int[] plains = new int[2 * recordCount];
            for (int i = 0; i < recordCount; i++) {
                ends[i] = recordEnds[(recordHead + i) % recordCount];
                plains[i] = recordPlain[(recordHead + i) % recordCount];
            }
            recordEnds = ends;
            recordPlain = plains;
            recordHead = 0;
        }
        int at = (recordHead + recordCount) % recordEnds.length;
        recordEnds[at] = net.sent() + net.bytes();
        recordPlain[at] = plain;
        recordCount++;
        recordsPlain += plain;
    }

    /** Plaintext written and not yet sent: staged, or in records not wholly taken by the socket. */
    long unsentPlaintext() {
        if (recordCount > 0) {
            long sent = stream.queue().sent();
            while (recordCount > 0 && recordEnds[recordHead] <= sent) {
                recordsPlain -= recordPlain[recordHead];
                recordHead = (recordHead + 1) % recordEnds.length;
                recordCount--;
            }
        }
        return (plaintext == null ? 0 : plaintext.bytes()) + recordsPlain;
    }

    // ---------------------------------------------------------------- state

    private void fail(SSLException e) {
        if (failed || released) return;
        failed = true;
        if (handshakeTimer != null) handshakeTimer.cancel();
        record(e);
        if (plaintext != null) plaintext.clear();
        if (ssl != null) {
            try {
                ssl.closeOutbound();
                wrapHandshake(); // the alert that tells the peer why
            } catch (SSLException | RuntimeException ignored) {
                // closing anyway
            }
        }
        stream.tlsFailed(e, true);
    }

    /** The stream closed: drop what is staged and kept. */
    void release() {
        if (released) return;
        released = true;
        if (handshakeTimer != null) handshakeTimer.cancel();
        if (recorded != null) record(new SSLHandshakeException("the connection closed during the TLS handshake"));
        if (plaintext != null) plaintext.clear();
        carry = null;
    }

    /** Commits the handshake's event, if it is recorded: it ended, done ({@code failure} null) or not. */
    private void record(SSLException failure) {
        if (recorded == null) return;
        FlightEvents.tlsHandshakeEnded(recorded, stream, client, ssl, failure);
        recorded = null;
    }

    boolean isHandshakeDone() { return handshakeDone; }

    /** Whether the peer's close_notify ended this side's output (before TLS 1.3). */
    boolean outputClosedByPeer() { return outputClosedByPeer; }

    SSLSession session() { return handshakeDone ? ssl.getSession() : null; }

    String applicationProtocol() {
        if (!handshakeDone) return null;
        String p = ssl.getApplicationProtocol();
        return p == null || p.isEmpty() ? null : p;
    }
}
