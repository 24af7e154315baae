// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.FileRegion;
import io.pants.spi.OutboundQueue;
import io.pants.spi.Poller;
import io.pants.spi.StreamSocket;
import io.pants.spi.WriteBatch;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import static io.pants.ChannelState.CLOSED;
import static io.pants.ChannelState.CLOSING;
import static io.pants.ChannelState.CONNECTING;
import static io.pants.ChannelState.NEW;
import static io.pants.ChannelState.OPEN;
import static io.pants.ChannelState.RESOLVING;

/**
 * A connection: a socket accepted by a {@link Server}, or one this side {@link #connect}s.
 * Subclass it and override the callbacks you need; they all run on the engine's loop thread.
 *
 * <pre>{@code
 * class Echo extends Stream {
 *     @Override protected void onRead(byte[] data) { write(data); }
 * }
 * new Server(Echo::new).listen(4040);
 * Engine.instance().start();
 * }</pre>
 *
 * <h2>Reading</h2>
 * Input is cut into pieces by the {@link #readDelimiter(ReadDelimiter) read delimiter} (by default
 * every chunk as it arrives) and handed to {@link #onRead(byte[])}. Each piece is a new array
 * the stream never touches again: keep it as long as you like. A protocol's own decoder may take
 * its messages from the stream's buffer instead, and leave the rest there
 * ({@link ReadDelimiter#custom}). {@link #pauseReading()} stops
 * reading (the peer is slowed down by TCP flow control) until {@link #resumeReading()}.
 *
 * <h2>Flow control by default</h2>
 * When what {@link #onRead(byte[])} writes takes the send queue above the high water mark, the
 * stream stops reading by itself, and starts again once the queue is down to the low water mark:
 * a peer that sends without reading what we answer (the echo above, with a client that only
 * writes) is slowed down by TCP instead of growing our queue without bound. This
 * {@link #autoPause(boolean) automatic pause} is separate from {@link #pauseReading()}: reading
 * happens only when neither stops it, and a drained queue never undoes a pause of yours. Turn it
 * off for a stream that manages its flow itself ({@code autoPause(false)}, or
 * {@link Server#autoPause(boolean)} for all the streams of a server).
 *
 * <h2>Writing</h2>
 * {@code write(...)} copies the data into the stream's send queue and returns at once; queued
 * data goes out at the end of the loop turn (or at {@link #flush()}). When more than the high
 * water mark is queued, {@link #isWritable()} turns false; stop writing then, and resume in
 * {@link #onDrain()}, called once the queue is down to the low water mark.
 * {@link #onWrite()} is called whenever the queue has been written out completely.
 *
 * <h2>Closing</h2>
 * {@link #close()} sends what is queued, then closes; {@link #abort()} closes at once and drops
 * it. When the peer closes, what is buffered is delivered (see {@link ReadDelimiter}), then
 * {@link #onEndOfInput()} closes the stream (override it to stay half-open). {@link #onClose()} is called exactly once for every stream that was accepted
 * or asked to connect, whatever ended it.
 *
 * <p>{@link #shutdownOutput()} half-closes: the peer gets its end of stream once everything
 * queued is written, and this side goes on reading until the peer's end of stream, when the
 * stream closes (as {@code java.net.Socket.shutdownOutput()} and Netty's {@code shutdownOutput()}).
 *
 * <h2>TLS</h2>
 * {@link #tls(SSLContext)} before connecting (or {@link Server#tls} for accepted streams) makes
 * it a TLS stream, and {@link #startTls(SSLContext)} upgrades a connected one: the callbacks
 * stay the same, with plaintext; {@link #onConnect()} comes after the handshake,
 * {@link #onTlsHandshake} with the session just before, {@link #onTlsError} when TLS fails.
 * Contexts from PEM files or key stores: {@link Tls}; more choices: {@link TlsConfig}.
 *
 * <p>Ending a TLS stream: {@link #close()} sends {@code close_notify} after what is queued; the
 * peer's {@code close_notify} ends the input as a FIN does ({@link #onEndOfInput()}), and a FIN
 * without it is reported to {@link #onTlsError} as a truncation. Half-close depends on the
 * version. On TLS 1.3 it is as on a plain stream, both ways. On TLS 1.2 (RFC 5246 7.2.1):
 * <ul>
 * <li>{@link #shutdownOutput()} sends {@code close_notify}, then the FIN, and the stream goes on
 * reading what the peer sends until its end, as on a plain stream. Whether the peer goes on
 * sending is up to it: OpenSSL can; the JDK's {@code SSLSocket} and {@code SSLEngine} answer
 * with their own {@code close_notify} at once and send nothing more, which is a clean end of
 * input here.</li>
 * <li>The peer's {@code close_notify} ends this side's output too (the JDK's engine answers it
 * and encrypts nothing more): what was written before it came is still sent, then our
 * {@code close_notify} and the FIN, and the stream closes once its input is delivered. In
 * {@link #onEndOfInput()} the stream is {@linkplain #isOutputShutdown() shut for output} and not
 * {@linkplain #isWritable() writable}, and writing throws an {@link IllegalStateException}: answer
 * in {@link #onRead} instead, or use TLS 1.3. (Input held back by {@link #pauseReading()} when
 * the {@code close_notify} arrives can no longer be answered either.)</li>
 * </ul>
 *
 * <h2>Timeouts</h2>
 * {@link #idleTimeout(Duration)} (off by default, or the {@link Server#idleTimeout accepting
 * server's}) calls {@link #onTimeout()}, which closes the stream, once nothing was read or
 * written for that long; {@link #connectTimeout(Duration)} bounds connecting (30 s by default).
 *
 * @since 0.1
 */
public abstract class Stream extends Channel<StreamSocket> {
    /** Defaults: send-queue water marks and the read buffer limit. */
    public static final int DEFAULT_LOW_WATER_MARK = 32 * 1024, DEFAULT_HIGH_WATER_MARK = 64 * 1024,
            DEFAULT_BUFFER_LIMIT = 64 * 1024;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private Server server;
    /** Where the server keeps this stream among its connections; -1 when not one of them. */
    int connectionSlot = -1;
    private SocketAddress connectAddress;
    private Timer connectTimer;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    /** TLS in the data path, or null: a plain stream. */
    TlsLayer tls;
    /** Socket options set before there was a socket: applied as it opens. */
    private Map<SocketOption<?>, Object> pendingOptions;

    /** The read buffer, the delimiter and the pauses: everything between the socket's bytes and onRead. */
    private final StreamInput input = new StreamInput(this);

    // output
    private OutboundQueue out;
    private boolean writeArmed;
    /** shutdownOutput() was called; finSent once the socket's output is shut (after the queue). */
    private boolean outputShutdown, finSent;

    // idle timeout
    /** As set on this stream; null: not set, the accepting server's applies. {@link Duration#ZERO}: off. */
    private Duration idleTimeout;
    private long idleNanos;
    /** Made when the stream opens with an idle timeout; pushed back on every read and write. */
    private Deadline idle;
    /** {@code out.sent()} after the last flush: a flush that moves it is progress. */
    private long sentBefore;

    /**
     * A stream on the engine it is used on: a server's engine for the streams its factory makes;
     * for one that {@link #connect}s, the engine running the callback that connects it (a client
     * made in a server's {@code onRead} connects on the server's engine), or, connected off any
     * loop thread, the default engine ({@link Engine#instance()}). Where that would be a guess
     * (no default engine yet, but others open), {@code connect} throws and says to pass one.
     */
    protected Stream() {}

    /** A stream on {@code engine}. */
    protected Stream(Engine engine) {
        this.engine = Objects.requireNonNull(engine);
    }

    // ---------------------------------------------------------------- callbacks

    /** The connection is established (accepted, or our connect succeeded). */
    protected void onConnect() {}

    /** The next piece of input, cut by the read delimiter. The array is yours to keep. */
    protected void onRead(byte[] data) {}

    /** Everything queued has been written. */
    protected void onWrite() {}

    /** The send queue went above the high water mark and is now down to the low one. */
    protected void onDrain() {}

    /**
     * The peer closed its sending side (end of stream); everything it sent has been delivered.
     * By default this closes the stream, after sending what is queued. Override it to keep the
     * connection half-open, to go on writing (an answer streamed with {@link #onDrain()}, say),
     * and call {@link #close()} when done.
     */
    protected void onEndOfInput() {
        close();
    }

    /** The stream closed. Called once. */
    protected void onClose() {}

    /**
     * Nothing was read or written for the {@link #idleTimeout(Duration) idle timeout}. By
     * default this closes the stream, after sending what is queued (which, if the peer keeps
     * taking none of it, is dropped after one more idle timeout). Override it to send a
     * keep-alive, say; unless the stream closes, the timeout counts again from now.
     */
    protected void onTimeout() {
        Engine.LOG.log(Level.DEBUG, () -> "Closing " + this + ": idle for " + idleTimeout().toMillis() + " ms");
        close();
    }

    /**
     * A TLS stream finished its handshake (before {@link #onConnect()}, or, after
     * {@link #startTls}, instead of it): the session gives the protocol, cipher suite and peer
     * certificates. Also see {@link #applicationProtocol()}.
     */
    protected void onTlsHandshake(SSLSession session) {}

    /**
     * TLS failed: the handshake (an untrusted certificate, no common protocol, a peer that sends
     * garbage or plain text, a {@link TlsConfig#handshakeTimeout handshake timeout}), or a
     * record, or the peer ended the connection without {@code close_notify} (truncation: the
     * end of input may be forged). By default it is logged at DEBUG level, in one line, and the
     * stream closed. After a truncation, a stream that this leaves open gets
     * {@link #onEndOfInput()} as for a clean end (for protocols that frame their own messages);
     * after other failures the stream closes in any case.
     */
    protected void onTlsError(SSLException e) {
        Engine.LOG.log(Level.DEBUG, () -> "Closing " + this + ": TLS: " + e.getMessage());
        close();
    }

    /** Connecting failed: refused, unreachable, timed out, unknown host. {@link #onClose()} follows. */
    protected void onConnectError(IOException cause) {
        Engine.LOG.log(Level.WARNING, "Connect failed for " + this + ": " + cause);
    }

    /**
     * More input was buffered than {@link #bufferLimit(int)} allows without completing a piece.
     * The buffered input has been dropped; by default the error is logged and the stream closed.
     */
    protected void onOverflowError(ReadBufferOverflowException e) {
        Engine.LOG.log(Level.WARNING, "Closing " + this + ": " + e.getMessage());
        close();
    }

    // ---------------------------------------------------------------- connecting

    /** Connects to {@code host:port}; a host name is resolved off the loop thread. */
    public Stream connect(String host, int port) {
        return connect(InetSocketAddress.createUnresolved(host, port));
    }

    /**
     * Connects to an IP address (resolved or not) or a Unix domain socket
     * ({@link UnixDomainSocketAddress}). Returns at once; {@link #onConnect()} or
     * {@link #onConnectError(IOException)} follows.
     */
    public Stream connect(SocketAddress address) {
        openingOnce("Stream.connect", "MyStream", address, "a stream connects once");
        connectAddress = address;
        state = RESOLVING;
        if (address instanceof InetSocketAddress isa && isa.isUnresolved()) {
            if (Resolver.isLiteral(isa.getHostString())) {
                InetSocketAddress resolved;
                try {
                    resolved = Resolver.literal(isa);
                } catch (IOException e) {
                    engine.callback(() -> failConnect(e));
                    return this;
                }
                startConnect(resolved);
            } else {
                Resolver.resolve(engine, isa, (resolved, failure) -> {
                    if (state != RESOLVING) return; // closed meanwhile
                    if (failure != null) failConnect(failure);
                    else startConnect(resolved);
                });
            }
        } else {
            startConnect(address);
        }
        return this;
    }

    /** How long a connect may take before {@link #onConnectError} gets a timeout (30 s by default). */
    public Stream connectTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("connect timeout must be positive");
        this.connectTimeout = timeout;
        return this;
    }

    /**
     * Calls {@link #onTimeout()} (which closes the stream, by default) when no bytes were read
     * from the stream or written to it for {@code timeout}; {@link Duration#ZERO} turns it off.
     * Off by default, unless the {@link Server#idleTimeout(Duration) server} that accepted the
     * stream has one. Written means taken by the socket (or queued when nothing was waiting):
     * while the peer takes nothing of what is queued, the stream is idle however much more is
     * queued, so this is a write timeout too. A
     * stream closing with output queued that the peer takes nothing of is aborted after it.
     * Settable any time, also in {@link #onConnect()}; it counts from now. Fires within
     * {@link Deadline#RESOLUTION_NANOS} (about 8 ms) after the timeout, never before.
     *
     * <pre>{@code
     * class Chat extends Stream {
     *     @Override protected void onConnect() { idleTimeout(Duration.ofMinutes(5)); }
     * }
     * }</pre>
     */
    public Stream idleTimeout(Duration timeout) {
        checkThread("Stream.idleTimeout");
        setIdleTimeout(timeout);
        if (state == OPEN || state == CLOSING) startIdleTimeout();
        return this;
    }

    /** The idle timeout; {@link Duration#ZERO} when off. */
    public Duration idleTimeout() { return idleTimeout == null ? Duration.ZERO : idleTimeout; }

    private void setIdleTimeout(Duration timeout) {
        this.idleTimeout = checkIdleTimeout(timeout);
        this.idleNanos = Math.min(Engine.saturatedNanos(timeout), DeadlineWheel.MAX_DELAY_NANOS);
    }

    static Duration checkIdleTimeout(Duration timeout) {
        if (Objects.requireNonNull(timeout, "idle timeout (Duration.ZERO turns it off)").isNegative()) {
            throw new IllegalArgumentException("an idle timeout must not be negative (Duration.ZERO turns it off), got " + timeout);
        }
        return timeout;
    }

    private void startIdleTimeout() {
        if (idleNanos == 0) {
            if (idle != null) engine.disarm(idle);
            return;
        }
        if (idle == null) idle = new Deadline(engine, this::idleTimedOut);
        idle.afterNanos(idleNanos);
    }

    /** Bytes moved: the idle timeout counts again from now. O(1), no allocation. */
    private void active() {
        if (idle != null && idle.armed) idle.afterNanos(idleNanos);
    }

    private void idleTimedOut() {
        if (state == CLOSING) {
            Engine.LOG.log(Level.DEBUG, () -> "Aborting " + this + ": its peer took none of its last output for the idle timeout");
            closeNow();
            return;
        }
        if (state != OPEN) return;
        idle.afterNanos(idleNanos); // first: onTimeout may change the timeout or close
        safely("onTimeout", this::onTimeout);
    }

    private void startConnect(SocketAddress address) {
        try {
            socket = engine.poller().connect(address);
            applyOptions(Map.of());
            token = engine.register(this);
            state = CONNECTING;
            engine.poller().register(socket, token, Poller.WRITE, true);
            registeredWith(Poller.WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            IOException failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            engine.callback(() -> failConnect(failure));
            return;
        }
        connectTimer = engine.defer(connectTimeout, () -> failConnect(
                new SocketTimeoutException("connect to " + address + " timed out after " + connectTimeout.toMillis() + " ms")));
    }

    private void finishConnect() {
        try {
            socket.finishConnect();
        } catch (IOException e) {
            failConnect(e);
            return;
        }
        if (connectTimer != null) connectTimer.cancel();
        state = OPEN; // its options were set as it began to connect
        startIdleTimeout();
        updateInterest();
        if (tls != null) tls.start(true, false, null); // its hello goes first; onConnect after the handshake
        if (!outputDrained()) queueFlush();
        else if (outputShutdown) sendFin();
        if (state == OPEN) {
            FlightEvents.connectionOpened(this, false);
            if (tls == null) safely("onConnect", this::onConnect);
        }
    }

    private void failConnect(IOException cause) {
        if (state == CLOSED || state == OPEN || state == CLOSING) return;
        safely("onConnectError", () -> onConnectError(cause));
        closeNow();
    }

    /** Called by the server for an accepted socket. */
    void attach(Engine engine, StreamSocket socket, Server server) throws IOException {
        if (this.engine != null && this.engine != engine) {
            throw new IllegalStateException("the server's factory made a stream for another engine: " + this.engine + " vs " + engine);
        }
        if (state != NEW) throw new IllegalStateException("the server's factory returned a stream that is already in use: " + this);
        this.engine = engine;
        this.socket = socket;
        this.server = server;
        if (!server.autoPause()) input.autoPause(false); // a stream may turn it on again in onConnect
        configureAccepted(); // before registering: a refused option drops the connection without a trace
        if (tls == null && server.tlsConfig() != null) tls = new TlsLayer(this, server.tlsConfig());
        this.token = engine.register(this);
        state = OPEN;
        engine.poller().register(socket, token, Poller.READ, true);
        registeredWith(Poller.READ);
        if (idleTimeout == null) setIdleTimeout(server.idleTimeout());
        startIdleTimeout();
    }

    void opened() {
        FlightEvents.connectionOpened(this, true);
        if (tls != null) tls.start(false, false, null); // onConnect after the handshake
        else safely("onConnect", this::onConnect);
    }

    private void configureAccepted() throws IOException {
        applyOptions(server != null ? server.streamOptions() : Map.of());
    }

    /**
     * Sets TCP_NODELAY (unless an option says otherwise), then the server's options, then this
     * stream's own, on an IP socket; a Unix domain socket gets only this stream's own.
     */
    private void applyOptions(Map<SocketOption<?>, Object> fromServer) throws IOException {
        boolean ip = !(socket.remoteAddress() instanceof UnixDomainSocketAddress);
        boolean noDelaySet = fromServer.containsKey(StandardSocketOptions.TCP_NODELAY)
                || pendingOptions != null && pendingOptions.containsKey(StandardSocketOptions.TCP_NODELAY);
        if (ip && !noDelaySet) {
            try {
                socket.setNoDelay(true);
            } catch (IOException e) {
                Engine.LOG.log(Level.DEBUG, "could not set TCP_NODELAY on " + this + ": " + e);
            }
        }
        if (ip) for (Map.Entry<SocketOption<?>, Object> e : fromServer.entrySet()) setUnchecked(e.getKey(), e.getValue());
        if (pendingOptions != null) {
            for (Map.Entry<SocketOption<?>, Object> e : pendingOptions.entrySet()) setUnchecked(e.getKey(), e.getValue());
            pendingOptions = null;
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void setUnchecked(SocketOption<T> option, Object value) throws IOException {
        socket.setOption(option, (T) value);
    }

    // ---------------------------------------------------------------- socket options

    /**
     * Sets a socket option: {@code TCP_NODELAY} (on by default), {@code SO_KEEPALIVE},
     * {@code SO_RCVBUF}, {@code SO_SNDBUF}, {@code SO_LINGER} (seconds; negative is off), and
     * {@code jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL},
     * {@code TCP_KEEPCOUNT} where the system has them. Before the stream connects, the option is
     * kept and set as its socket opens; once open, it is set at once.
     *
     * <pre>{@code
     * stream.option(StandardSocketOptions.SO_KEEPALIVE, true)
     *       .option(ExtendedSocketOptions.TCP_KEEPIDLE, 60);
     * }</pre>
     *
     * @throws IllegalArgumentException for an option Pants does not set on streams
     * @throws UnsupportedOperationException if the backend can't set it; the message names the backend
     * @throws UncheckedIOException if the system refuses it
     */
    public <T> Stream option(SocketOption<T> option, T value) {
        checkThread("Stream.option");
        SocketOptions.check(option, value);
        if (option == StandardSocketOptions.SO_REUSEPORT) {
            throw new IllegalArgumentException("SO_REUSEPORT is an option of listening sockets: set it with Server.option");
        }
        if (state == CLOSED || state == CLOSING) throw new IllegalStateException("option(): " + this + " is closed");
        if (socket == null) {
            if (pendingOptions == null) pendingOptions = new LinkedHashMap<>();
            pendingOptions.put(option, value);
            return this;
        }
        try {
            socket.setOption(option, value);
        } catch (IOException e) {
            throw new UncheckedIOException("could not set " + option.name() + " = " + value + " on " + this + ": " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * A socket option's value, as the system reports it (getsockopt): Linux reports twice the
     * {@code SO_RCVBUF} and {@code SO_SNDBUF} asked for, say.
     *
     * @throws IllegalStateException before the stream has a socket, or once it is closed
     * @throws UnsupportedOperationException if the backend can't read it; the message names the backend
     */
    public <T> T option(SocketOption<T> option) {
        checkThread("Stream.option");
        Objects.requireNonNull(option);
        if (socket == null || state == CLOSED) throw new IllegalStateException("option(): " + this + " has no socket (not connected, or closed)");
        try {
            return socket.getOption(option);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + option.name() + " of " + this + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- TLS

    /** Speaks TLS with {@code context}; see {@link #tls(TlsConfig)}. */
    public Stream tls(SSLContext context) {
        return tls(TlsConfig.of(context));
    }

    /**
     * Makes this a TLS stream: set before {@link #connect} (as a client, checking the server's
     * certificate and host name), or in the constructor of a stream a {@link Server} makes (as a
     * server; {@link Server#tls} does it for all its streams). {@link #onConnect()} then comes
     * after the handshake, {@link #onRead} gets plaintext and {@code write} takes plaintext; the
     * water marks and {@link #queuedBytes()} count plaintext. To upgrade a connected plain
     * stream, use {@link #startTls(TlsConfig)}.
     *
     * <pre>{@code
     * new Greeter().tls(Tls.clientContext()).connect("example.org", 443);
     * }</pre>
     *
     * The handshake's delegated tasks (key exchange, certificate checks) run on daemon threads
     * named "pants-tls-task-N", one per processor, shared by every engine (handshakes beyond that
     * wait for one, first come, first served); the handshake resumes, and every callback runs, on the loop thread.
     * {@link #writeFile} over TLS reads the file on the loop thread, one 16 KiB record at a time
     * as the socket takes the previous ones (no {@code sendfile}: the kernel can't encrypt): fine
     * from the page cache or a local disk, a stall of the loop from a slow network file system.
     */
    public Stream tls(TlsConfig config) {
        Objects.requireNonNull(config, "config");
        if (state != NEW) {
            throw new IllegalStateException("tls(): " + this + " is already " + stateName() + "; set TLS before connect(), or upgrade"
                    + " a connected stream with startTls()");
        }
        tls = new TlsLayer(this, config);
        return this;
    }

    /** Upgrades this connected plain stream to TLS; see {@link #startTls(TlsConfig)}. */
    public Stream startTls(SSLContext context) {
        return startTls(TlsConfig.of(context));
    }

    /**
     * STARTTLS: upgrades this connected plain stream to TLS in place, as a client if it
     * connected, as a server if a server accepted it. What was written before goes out in plain
     * text first; what is written from now on is encrypted, after the handshake. Input the
     * stream holds that was not delivered yet (the peer's hello, sent right after the command)
     * goes to the handshake. {@link #onTlsHandshake} follows (not {@code onConnect} again).
     *
     * <pre>{@code
     * protected void onRead(byte[] line) {          // a server, reading lines
     *     if (new String(line).equals("STARTTLS")) {
     *         write("OK\r\n");                      // in plain text
     *         startTls(serverContext);              // then the client's hello
     *     }
     * }
     * }</pre>
     */
    public Stream startTls(TlsConfig config) {
        Objects.requireNonNull(config, "config");
        checkThread("Stream.startTls");
        if (tls != null) throw new IllegalStateException("startTls(): " + this + " speaks TLS already");
        if (state != OPEN || outputShutdown) {
            throw new IllegalStateException("startTls(): " + this + " is " + (outputShutdown ? "shut down for output" : stateName())
                    + "; upgrade a connected stream, after the STARTTLS exchange (in onRead, say)");
        }
        if (input.decoding()) {
            throw new IllegalStateException("startTls(): called in the ReadDelimiter.custom decoder of " + this + ", before the stream"
                    + " knows how much of its input the decoder took; pauseReading(), return what was taken, and call startTls (then"
                    + " resumeReading()) once the decoder has returned, from engine().execute(...) say");
        }
        byte[] early = input.takeBuffered();
        tls = new TlsLayer(this, config);
        tls.start(server == null, true, early);
        return this;
    }

    /** The TLS session once the handshake is done; null before, and on a plain stream. */
    public SSLSession tlsSession() { return tls == null ? null : tls.session(); }

    /** Whether this stream speaks TLS and its handshake is done. */
    public boolean isSecure() { return tls != null && tls.isHandshakeDone(); }

    /** The protocol ALPN chose ({@link TlsConfig#alpn}), e.g. {@code "http/1.1"}; null if none was (or before the handshake). */
    public String applicationProtocol() { return tls == null ? null : tls.applicationProtocol(); }

    /** The handshake is done: the user hears of it, then of the connection (unless upgraded). */
    void tlsHandshakeDone(SSLSession session, boolean upgrade) {
        if (state != OPEN) return;
        safely("onTlsHandshake", () -> onTlsHandshake(session));
        if (!upgrade && state == OPEN) safely("onConnect", this::onConnect);
    }

    /**
     * TLS failed, or was {@code truncated} ({@code fatal} false). Returns whether the stream is
     * still open (only after a truncation its user accepts).
     */
    boolean tlsFailed(SSLException e, boolean fatal) {
        if (state == CLOSING) {
            // closing already: the alert telling the peer goes out, if there is one, then the stream closes
            if (outputDrained()) closeNow();
            else queueFlush();
            return false;
        }
        if (state != OPEN) return false;
        safely("onTlsError", () -> onTlsError(e));
        if (fatal && state == OPEN) close();
        return state == OPEN;
    }

    /**
     * The peer's close_notify ended this side's output too (TLS 1.2): as after
     * {@link #shutdownOutput()}, the FIN follows what is queued (our close_notify last), and the
     * stream closes once its input has ended as well.
     */
    void tlsOutputClosed() {
        outputShutdown = true;
        if (state == OPEN) queueFlush();
    }

    /** The TLS layer queued records: flush them with the turn. */
    void tlsOutput() {
        if (state == OPEN || state == CLOSING) queueFlush();
    }

    SocketAddress connectAddress() { return connectAddress; }

    // ---------------------------------------------------------------- reading

    /** Sets the read delimiter; see {@link ReadDelimiter}. Applies at once to buffered input. */
    public Stream readDelimiter(ReadDelimiter d) {
        checkThread("Stream.readDelimiter");
        input.delimiter(Objects.requireNonNull(d));
        return this;
    }

    /** Exactly {@code count} bytes at a time. */
    public Stream readDelimiter(int count) { return readDelimiter(ReadDelimiter.bytes(count)); }

    /** Data up to each {@code delimiter} (UTF-8), without it. */
    public Stream readDelimiter(String delimiter) { return readDelimiter(ReadDelimiter.of(delimiter)); }

    /** Data up to each {@code delimiter}, without it. */
    public Stream readDelimiter(byte[] delimiter) { return readDelimiter(ReadDelimiter.of(delimiter)); }

    /** Data before each match of {@code pattern}, without the match. */
    public Stream readDelimiter(Pattern pattern) { return readDelimiter(ReadDelimiter.pattern(pattern)); }

    /** One {@code struct.size()}-byte record at a time. */
    public Stream readDelimiter(Struct struct) { return readDelimiter(ReadDelimiter.struct(struct)); }

    public ReadDelimiter readDelimiter() { return input.delimiter(); }

    /**
     * The largest piece {@link #onRead} gets: the maximum line or frame size, 64 KiB by default.
     * A piece that would be longer is never delivered, however its bytes arrive (in one read or
     * many): {@link #onOverflowError} gets it instead, as soon as it is known to be too long. For
     * each {@link ReadDelimiter}:
     * <ul>
     *   <li>a byte sequence ({@code readDelimiter("\n")}): a line of more than the limit, its
     *       delimiter not counted; at most the limit plus the delimiter's length waits;
     *   <li>a pattern: the same, except that a match still arriving counts (its length is not
     *       known until it is complete): at most the limit waits for a match;
     *   <li>{@code bytes(n)}, {@code struct}: a size over the limit overflows at the first byte;
     *   <li>{@code lengthPrefixed}: a frame announcing more than the limit (prefix not counted)
     *       overflows as soon as its prefix has arrived;
     *   <li>{@code none()}: never overflows; chunks larger than the limit come in pieces of the limit;
     *   <li>{@code custom}: what its decoder leaves waiting for more, when it is over the limit;
     *       or at once, when the decoder says {@link ReadDelimiter.Decoder#TOO_LARGE}.
     * </ul>
     * It protects memory from a peer that never sends the delimiter and from a peer that sends a
     * huge line at once alike. {@link Datagram}s have no such limit: a datagram bounds its pieces.
     */
    public Stream bufferLimit(int bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer limit must be positive, got " + bytes);
        input.bufferLimit(bytes);
        return this;
    }

    public int bufferLimit() { return input.bufferLimit(); }

    /**
     * Stops reading until {@link #resumeReading()}; input already received stays buffered. This
     * pause is yours alone: the {@link #autoPause(boolean) automatic pause} never ends it, and
     * resuming doesn't end an automatic pause in effect (reading starts once the queue drains).
     */
    public void pauseReading() {
        checkThread("Stream.pauseReading");
        input.pause();
    }

    /** Restarts reading and delivers what was buffered meanwhile. */
    public void resumeReading() {
        checkThread("Stream.resumeReading");
        input.resume();
    }

    /** Whether {@link #pauseReading()} is in effect (the automatic pause doesn't count). */
    public boolean isReadingPaused() { return input.isPaused(); }

    /**
     * Whether the stream stops reading by itself when what it writes while handling input (in
     * {@link #onRead(byte[])}) finds more than the high water mark queued, until the queue is down
     * to the low one (on by default, or as its {@link Server#autoPause(boolean) server} says).
     * That bounds what a peer that sends without reading our answers can make us queue: a few
     * times the high water mark instead of all it sends.
     *
     * <p>Output written elsewhere (in {@link #onConnect()}, {@link #onDrain()}, a timer, a task)
     * doesn't pause reading: a stream that sends a large request and reads the answer as it
     * comes must go on reading while its queue is full, or a peer that answers as it reads (an
     * echo) would back up too, and neither queue could drain. Such output is paced by
     * {@link #isWritable()} and {@link #onDrain()}.
     *
     * <p>Turn it off for a stream that manages its flow itself: one that writes what it reads to
     * another stream and pauses that one (see the {@code tcp-proxy} example), or one whose input
     * must keep coming while its output waits.
     *
     * <pre>{@code
     * class Relay extends Stream {
     *     Relay() { autoPause(false); } // pauses its peer stream instead, see the tcp-proxy example
     * }
     * }</pre>
     */
    public Stream autoPause(boolean on) {
        checkThread("Stream.autoPause");
        input.autoPause(on);
        return this;
    }

    public boolean autoPause() { return input.autoPause(); }

    /** Whether reading stops: paused by the user, or automatically until the queue drains. */
    boolean readingStopped() { return input.stopped(); }

    /** Whether the peer's end of stream has been read (for tests). */
    boolean endOfStreamRead() { return input.ended(); }

    /*
     * The two seams of the data path: handleReceived() is where bytes come in from the poller,
     * writeQueue().add() in write() where they go out. The TLS layer (TlsLayer, on SSLEngine)
     * slots in at exactly these two places, unwrapping before delimiting (into receivePlain) and
     * wrapping what write() staged before the flush (addTo), which is why neither delimiting (StreamInput) nor
     * the send queue knows anything about sockets or TLS.
     */
    @Override
    void handleReceived(ByteBuffer data) {
        engine.counters.bytesRead += data.remaining(); // read from the socket, wanted or not
        if (state != OPEN) return; // closing or closed: input is no longer wanted
        active();
        if (tls != null) tls.received(data); // which hands the plaintext to receivePlain
        else input.receive(data);
    }

    /** Input for the read delimiter and onRead: what TLS decrypted. */
    void receivePlain(ByteBuffer data) {
        input.receive(data);
    }

    @Override
    void handleReceiveEnded(IOException error) {
        if (state == CONNECTING && error != null) { // the poller could not register the socket
            failConnect(error);
            return;
        }
        if (state != OPEN && state != CLOSING) return;
        if (error != null) {
            Engine.LOG.log(Level.DEBUG, "read failed on " + this + ": " + error);
            closeNow();
            return;
        }
        if (state == CLOSING) return; // the peer stopped sending; it may still take what we queued
        if (tls != null && !tls.socketEnded()) return; // a TLS end without close_notify: reported, and closed
        receivedEnd();
    }

    /** The end of input: the socket's, or TLS's close_notify. */
    void receivedEnd() {
        input.receivedEnd();
    }

    @Override
    void handleReady(int events) {
        if (state == CONNECTING) {
            finishConnect();
            return;
        }
        if ((events & Poller.WRITE) != 0 && (state == OPEN || state == CLOSING)) flushLater();
        if ((events & (Poller.HANGUP | Poller.ERROR)) != 0 && input.ended()) {
            // reported whatever the interest: the connection is gone, stop hearing of it. After a
            // half-close both directions ended cleanly, but a pause may hold input back: the socket
            // has nothing more to give or take and is closed now; the stream stays open until its
            // input is delivered (resumeReading())
            if (finSent && (events & Poller.ERROR) == 0 && state == OPEN) closeSocket();
            else closeNow();
            return;
        }
        if ((events & (Poller.READ | Poller.HANGUP | Poller.ERROR)) != 0 && state == OPEN && !input.ended()) {
            ByteBuffer buf = engine.readBuffer();
            int n;
            try {
                n = socket.read(buf);
            } catch (IOException e) {
                handleReceiveEnded(e);
                return;
            }
            if (n > 0) handleReceived(buf.flip());
            else if (n < 0) handleReceiveEnded(null);
        }
    }

    // ---------------------------------------------------------------- writing

    /** Queues {@code data} for sending. */
    public Stream write(byte[] data) {
        return write(data, 0, data.length);
    }

    /** Queues {@code len} bytes of {@code data} from {@code off}. */
    public Stream write(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        checkWritable("write");
        if (len == 0) return this;
        writeQueue().add(data, off, len);
        queued(len);
        return this;
    }

    /** Queues the remaining bytes of {@code data}, advancing its position. */
    public Stream write(ByteBuffer data) {
        checkWritable("write");
        int len = data.remaining();
        if (len == 0) return this;
        writeQueue().add(data);
        queued(len);
        return this;
    }

    /** Queues {@code text} encoded as UTF-8. */
    public Stream write(String text) {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Queues a whole file; sent with {@code sendfile} on native backends. */
    public Stream writeFile(Path path) throws IOException {
        return writeFile(path, 0, Files.size(path));
    }

    /** Queues {@code count} bytes of a file from {@code offset}; sent with {@code sendfile} on native backends. */
    public Stream writeFile(Path path, long offset, long count) {
        return writeRegion(new FileRegion(path, offset, count), offset, count);
    }

    /**
     * Queues {@code count} bytes of an open channel from {@code offset}. The channel stays
     * yours: close it after {@link #onWrite()} (or {@link #onClose()}). NIO uses
     * {@code transferTo}; native backends, which cannot reach a channel's descriptor, copy.
     */
    public Stream writeFile(FileChannel channel, long offset, long count) {
        return writeRegion(new FileRegion(channel, offset, count), offset, count);
    }

    /** Both writeFiles: {@code region} (made, not opened yet) is {@code count} bytes from {@code offset}. */
    private Stream writeRegion(FileRegion region, long offset, long count) {
        if (offset < 0 || count < 0) throw new IllegalArgumentException("offset and count must not be negative: " + offset + ", " + count);
        checkWritable("writeFile");
        if (count == 0) return this;
        writeQueue().add(region);
        queued(count);
        return this;
    }

    /** Tries to write what is queued now rather than at the end of the loop turn. */
    public Stream flush() {
        checkThread("Stream.flush");
        if (state == OPEN || state == CLOSING) engine.flushNow(this);
        return this;
    }

    /**
     * False while more than the high water mark is queued (wait for {@link #onDrain()}), and
     * after {@link #shutdownOutput()}.
     */
    public boolean isWritable() { return writable() && !outputShutdown; }

    /** Bytes queued and not yet written (on a TLS stream, plaintext bytes). */
    public long queuedBytes() {
        if (tls != null) return tls.unsentPlaintext();
        return out == null ? 0 : out.bytes();
    }

    /** Sets the send-queue water marks (32/64 KiB by default). */
    public Stream waterMarks(int low, int high) {
        setWaterMarks(low, high);
        return this;
    }

    /** What the socket sends (on a TLS stream, records). */
    OutboundQueue queue() {
        if (out == null) out = new OutboundQueue(engine.chunks);
        return out;
    }

    /** Where write() puts its bytes: the socket's queue, or the TLS layer's plaintext. */
    private OutboundQueue writeQueue() {
        return tls != null ? tls.plaintext() : queue();
    }

    /** Nothing left to send: the socket's queue is empty, and TLS has nothing staged (nor a close_notify) to add. */
    private boolean outputDrained() {
        return (out == null || out.isEmpty()) && (tls == null || tls.drained());
    }

    private void checkWritable(String what) {
        checkThread("Stream." + what);
        if (outputShutdown && state != CLOSED && state != CLOSING && tls != null && tls.outputClosedByPeer()) {
            throw new IllegalStateException(what + "() on " + this + ": the peer ended its " + tlsSession().getProtocol()
                    + " session with close_notify, which ends this side's output too (RFC 5246 7.2.1), so nothing more can be written;"
                    + " answer before the peer's end (in onRead), or use TLS 1.3, where the connection can stay half-open");
        }
        if (outputShutdown && state != CLOSED && state != CLOSING) {
            throw new IllegalStateException(what + "() on " + this + ": its output was shut down with shutdownOutput(), so"
                    + " nothing more can be written; it still reads until the peer's end of stream (close() to stop)");
        }
        if (state == OPEN || state == CONNECTING || state == RESOLVING) return;
        if (state == NEW) throw new IllegalStateException(what + "() on " + this + ": it is not connected yet; connect() it first");
        throw new IllegalStateException(what + "() on " + this + ": the stream is " + stateName()
                + "; check isConnected() or stop writing in onClose()");
    }

    /** {@code added} bytes were queued. */
    private void queued(long added) {
        engine.counters.messagesWritten++;
        // output that starts waiting is activity: the peer has the idle timeout from now to take
        // some of it, however late in the turn (after this turn's deadlines ran, say) it is sent
        long queued = queuedBytes();
        if (queued == added) active();
        if (filledAboveHighWaterMark(queued)) input.outputAboveHighWaterMark();
        if (state == OPEN) queueFlush();
    }

    private void queueFlush() {
        if (!writeArmed) flushLater(); // else the poller says when the socket takes more
    }

    /** Adds what is queued to the batch the engine writes (for all streams at once); false when there is nothing to write. */
    boolean addTo(WriteBatch batch) {
        if (tls != null && (state == OPEN || state == CLOSING)) tls.wrapPending(); // staged plaintext into records
        if ((state != OPEN && state != CLOSING) || out == null || out.isEmpty()) return false;
        batch.add(socket, out);
        return true;
    }

    void afterFlush(IOException error) {
        LoopCounters counters = engine.counters;
        counters.flushes++;
        if (error != null) {
            Engine.LOG.log(Level.DEBUG, "write failed on " + this + ": " + error);
            closeNow();
            return;
        }
        long sent = out.sent();
        if (sent != sentBefore) {
            counters.bytesWritten += sent - sentBefore;
            sentBefore = sent;
            active();
        }
        boolean empty = out.isEmpty() && (tls == null || !tls.wrapsMore()); // TLS may have more to encrypt
        if (!empty) counters.partialWrites++;
        if (writeArmed == empty) {
            writeArmed = !empty;
            updateInterest();
        }
        if (drainedToLowWaterMark(queuedBytes())) {
            input.outputDrained();
            if (state == OPEN && !outputShutdown) safely("onDrain", this::onDrain);
        }
        if (empty && state == OPEN && outputDrained()) safely("onWrite", this::onWrite);
        if (state == CLOSING && outputDrained()) closeNow();
        else if (state == OPEN && outputShutdown && outputDrained()) sendFin();
    }

    // ---------------------------------------------------------------- closing

    /**
     * Half-closes: once everything queued is written, the peer gets its end of stream (FIN);
     * this side goes on reading. Writing afterwards throws an {@link IllegalStateException}, and
     * {@link #isWritable()} is false. When the peer's end of stream comes, {@link #onEndOfInput()}
     * runs as usual and the stream closes (both directions are done). Calling it again, or on a
     * stream that is closing, does nothing; {@link #close()} and {@link #abort()} work as ever.
     * On a TLS stream the end of stream is {@code close_notify}, then the FIN; on TLS 1.2 the
     * peer may answer with its own and send nothing more (see "TLS" in the class comment).
     *
     * <pre>{@code
     * protected void onConnect() {
     *     write(request);
     *     shutdownOutput(); // "that was all": the server answers and closes
     * }
     * }</pre>
     */
    public void shutdownOutput() {
        checkThread("Stream.shutdownOutput");
        if (outputShutdown || state == CLOSING || state == CLOSED) return;
        if (state == NEW) throw new IllegalStateException("shutdownOutput() on " + this + ": it is not connected yet; connect() it first");
        outputShutdown = true;
        if (tls != null) tls.shutdownOutput(); // close_notify after what is queued, the FIN after it
        if (state == OPEN && outputDrained()) sendFin();
        else if (state == OPEN && tls != null) queueFlush();
        // else after the queue is written (afterFlush), or once connected (finishConnect)
    }

    /** Whether {@link #shutdownOutput()} was called (the end of stream may still wait behind queued output). */
    public boolean isOutputShutdown() { return outputShutdown; }

    /** Whether the socket's output is shut: the FIN went out, after everything queued. */
    boolean finSent() { return finSent; }

    private void sendFin() {
        if (finSent) return;
        finSent = true;
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            Engine.LOG.log(Level.DEBUG, "shutdown of the output failed on " + this + ": " + e);
            closeNow();
            return;
        }
        if (input.endDelivered()) closeNow(); // the peer's end of stream came first: both directions are done
    }

    /** Sends what is queued, then closes. */
    public void close() {
        close(true);
    }

    /** Closes after sending what is queued ({@code flush}), or at once, dropping it. */
    public void close(boolean flush) {
        close(flush, "Stream.close");
    }

    @Override
    boolean closeAfterQueue() {
        if (tls != null) tls.close(); // close_notify after what is queued
        if (outputDrained()) return false;
        state = CLOSING;
        // no longer connected: out of server.connections(), where writes would throw
        if (server != null) server.removed(this);
        updateInterest();
        queueFlush();
        return true;
    }

    /** Closes at once; queued output is dropped. */
    public void abort() {
        close(false);
    }

    @Override
    void closeNow() {
        if (state == CLOSED) return;
        // a connection that was open is recorded as closed; its addresses are read while it still has them
        boolean recordClose = (state == OPEN || state == CLOSING) && FlightEvents.connectionClosedEnabled();
        SocketAddress local = recordClose ? localAddress() : null, remote = recordClose ? remoteAddress() : null;
        state = CLOSED;
        if (connectTimer != null) connectTimer.cancel();
        if (idle != null) engine.disarm(idle);
        if (tls != null) tls.release();
        closeSocket();
        if (out != null) out.clear();
        input.release();
        if (server != null) server.removed(this);
        if (recordClose) FlightEvents.connectionClosed(local, remote, server != null);
        safely("onClose", this::onClose);
    }

    // ---------------------------------------------------------------- state

    /** True once connected and until closed or closing. */
    public boolean isConnected() { return state == OPEN; }

    /** True once closed (or closing, with output still being sent). */
    public boolean isClosed() { return state == CLOSED || state == CLOSING; }

    /** The local address, or null before connecting. */
    public SocketAddress localAddress() { return socket == null ? null : socket.localAddress(); }

    /** The peer's address, or the address being connected to, or null. */
    public SocketAddress remoteAddress() {
        SocketAddress a = socket == null ? null : socket.remoteAddress();
        return a != null ? a : connectAddress;
    }

    /** The engine this stream runs on (null until connected or accepted, for streams made without one). */
    public Engine engine() { return engine; }

    /** The server that accepted this stream, or null for streams that connected. */
    public Server server() { return server; }

    /** Tells the poller what to report: connected, whether to read (not stopped, not at the end) and to write. */
    void updateInterest() {
        if (socket == null || socket.isClosed() || state == CLOSED) return;
        int want;
        if (state == CONNECTING) want = Poller.WRITE;
        else want = (state == OPEN && !input.stopped() && !input.ended() ? Poller.READ : 0) | (writeArmed ? Poller.WRITE : 0);
        setInterest(want);
    }

    @Override
    String stateName() {
        return switch (state) {
            case NEW -> "not connected";
            case RESOLVING -> "resolving";
            case CONNECTING -> "connecting";
            case OPEN -> "open";
            case CLOSING -> "closing";
            default -> "closed";
        };
    }

    @Override
    public String toString() {
        SocketAddress local = socket == null ? null : socket.localAddress();
        SocketAddress remote = remoteAddress();
        return typeName() + "[" + (local == null ? "" : local + " ") + (server != null ? "<- " : "-> ") + remote + ", " + stateName() + "]";
    }
}
