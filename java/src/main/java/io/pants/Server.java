// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.PollerSocket;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Accepts connections and makes a {@link Stream} for each with its factory.
 *
 * <pre>{@code
 * new Server(Echo::new).listen(4040);              // all interfaces, IPv6 and IPv4
 * new Server(Echo::new).listen("127.0.0.1", 4040);
 * new Server(Echo::new).listen(UnixDomainSocketAddress.of("/tmp/echo.sock"));
 * Engine.instance().start();
 * }</pre>
 *
 * A server may listen on several addresses. Listening sockets use SO_REUSEADDR and a backlog of
 * 1024 by default. When the process runs out of file descriptors, the server stops accepting
 * for a moment (backing off up to a second, and retrying as soon as one of the engine's
 * streams closes) instead of spinning; connections already open are served as usual.
 * {@link #idleTimeout(Duration)} gives the streams it accepts an idle timeout (none by default).
 *
 * @since 0.1
 */
public class Server {
    /** The listen backlog unless {@link #backlog(int)} says otherwise. */
    public static final int DEFAULT_BACKLOG = 1024;

    private final Engine engine;
    private final Supplier<? extends Stream> factory;
    private final List<Listener> listeners = new ArrayList<>(1);
    private final ConnectionSet connections = new ConnectionSet();
    private int backlog = DEFAULT_BACKLOG;
    private boolean autoPause = true;
    private Duration idleTimeout = Duration.ZERO;
    private TlsConfig tls;
    private boolean closed;
    private long descriptorExhaustions;
    private long accepted, refused;

    /**
     * A server on the engine running the current callback (made in a callback of a server on
     * {@code new Engine("nio")}, it listens there), or, made off any loop thread, on the default
     * engine ({@link Engine#instance()}), as in the README's programs. Where that would be a
     * guess (no default engine yet, but others open), it throws and says to pass the engine.
     *
     * @param factory makes the stream for each accepted connection, on the loop thread
     * @throws IllegalStateException where the engine would be a guess, as said above
     */
    public Server(Supplier<? extends Stream> factory) {
        this(Engine.forNewChannel("a server made without an engine (new Server(factory), new HttpServer(handler))",
                "new Server(engine, factory), new HttpServer(engine, handler)"), factory);
    }

    /**
     * A server on {@code engine}.
     *
     * @param engine  the engine the server and its streams run on
     * @param factory makes the stream for each accepted connection, on the loop thread
     */
    public Server(Engine engine, Supplier<? extends Stream> factory) {
        this.engine = Objects.requireNonNull(engine);
        this.factory = Objects.requireNonNull(factory);
    }

    /**
     * The listen backlog for the following {@code listen} calls (1024 by default).
     *
     * @param backlog how many connections the system may hold before they are accepted
     * @return this server
     * @throws IllegalArgumentException if {@code backlog} is not positive
     */
    public Server backlog(int backlog) {
        if (backlog <= 0) throw new IllegalArgumentException("backlog must be positive, got " + backlog);
        this.backlog = backlog;
        return this;
    }

    /**
     * Whether the streams this server accepts from now on stop reading by themselves while their
     * send queue is over its high water mark ({@link Stream#autoPause(boolean)}; on by default).
     * Turn it off for streams that all manage their flow themselves; a stream may still turn it
     * on for itself in {@link Stream#onConnect()}. A stream that turns it off itself stays off.
     *
     * @param on whether the streams accepted from now on pause by themselves
     * @return this server
     */
    public Server autoPause(boolean on) {
        this.autoPause = on;
        return this;
    }

    /**
     * Whether the streams accepted from now on pause reading by themselves.
     *
     * @return the setting of {@link #autoPause(boolean)}
     */
    public boolean autoPause() { return autoPause; }

    /**
     * The {@link Stream#idleTimeout(Duration) idle timeout} of the streams accepted from now on
     * (off, {@link Duration#ZERO}, by default: what is idle depends on the protocol, and a plain
     * server can't know; {@link io.pants.http.HttpServer} has 60 s). A stream may set its own,
     * in its constructor or in {@code onConnect}.
     *
     * <pre>{@code
     * new Server(Echo::new).idleTimeout(Duration.ofMinutes(2)).listen(4040);
     * }</pre>
     *
     * @param timeout how long an accepted stream may be idle, or {@link Duration#ZERO} for never
     * @return this server
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Server idleTimeout(Duration timeout) {
        this.idleTimeout = Stream.checkIdleTimeout(timeout);
        return this;
    }

    /**
     * The idle timeout of the streams accepted from now on.
     *
     * @return the setting of {@link #idleTimeout(Duration)}; {@link Duration#ZERO} is none
     */
    public Duration idleTimeout() { return idleTimeout; }

    /**
     * Serves TLS with {@code context}; see {@link #tls(TlsConfig)}.
     *
     * @param context the server's certificate and key, e.g. {@link Tls#serverContext(java.nio.file.Path, java.nio.file.Path)}
     * @return this server
     */
    public Server tls(SSLContext context) {
        return tls(TlsConfig.of(context));
    }

    /**
     * Makes the streams accepted from now on TLS servers ({@link Stream#tls(TlsConfig)}): their
     * {@code onConnect} comes after the handshake, they read and write plaintext. A stream that
     * set TLS of its own in its constructor keeps it.
     *
     * <pre>{@code
     * new Server(Echo::new).tls(Tls.serverContext(Path.of("cert.pem"), Path.of("key.pem"))).listen(4443);
     * }</pre>
     *
     * @param config the context and the choices beside it (ALPN, SNI, client certificates, handshake timeout)
     * @return this server
     */
    public Server tls(TlsConfig config) {
        this.tls = Objects.requireNonNull(config, "config");
        return this;
    }

    /**
     * The TLS configuration of the streams it accepts.
     *
     * @return the configuration given to {@link #tls(TlsConfig)}, or null: plain
     */
    public TlsConfig tlsConfig() { return tls; }

    /**
     * Listens on {@code port} on every interface: IPv6 and IPv4 (dual-stack) where IPv6 exists.
     *
     * @param port the port, or 0 for a free one ({@link #port()} tells which)
     * @return this server
     * @throws UncheckedIOException if the port can't be bound (in use, not permitted, ...)
     */
    public Server listen(int port) {
        return listen(new InetSocketAddress(port));
    }

    /**
     * Listens on {@code host:port}; a host name is resolved now, on the calling thread.
     *
     * @param host an address or a host name of this machine
     * @param port the port, or 0 for a free one ({@link #port()} tells which)
     * @return this server
     * @throws UncheckedIOException if the host is unknown, or the address can't be bound
     */
    public Server listen(String host, int port) {
        return listen(Resolver.forListening(host, port));
    }

    /**
     * Listens on an IP socket address or a Unix domain socket path
     * ({@link java.net.UnixDomainSocketAddress}); the socket file is removed on {@link #close()}.
     *
     * @param address where to listen
     * @return this server
     * @throws UncheckedIOException if the address can't be bound (in use, not permitted, ...)
     * @throws IllegalStateException if the server is closed, or this is not the loop thread
     *         while the loop runs
     */
    public Server listen(SocketAddress address) {
        engine.checkLoopThread("Server.listen");
        if (closed) throw new IllegalStateException("listen(): this server is closed; create a new one");
        PollerSocket socket;
        try {
            socket = engine.poller().listen(address, backlog);
        } catch (IOException e) {
            String hint = address instanceof java.net.UnixDomainSocketAddress
                    ? " (if no server uses it any more, delete the stale socket file)" : "";
            throw new UncheckedIOException("could not listen on " + address + ": " + e.getMessage() + hint, e);
        }
        try {
            listeners.add(new Listener(this, engine, socket, address));
        } catch (IOException e) {
            socket.close();
            throw new UncheckedIOException("could not register the listener on " + address + ": " + e.getMessage(), e);
        }
        return this;
    }

    /** The addresses listened on, with the actual ports when port 0 was asked for. */
    public List<SocketAddress> localAddresses() {
        List<SocketAddress> all = new ArrayList<>(listeners.size());
        for (Listener l : listeners) all.add(l.socket.localAddress());
        return all;
    }

    /** The first address listened on, or null. */
    public SocketAddress localAddress() {
        return listeners.isEmpty() ? null : listeners.get(0).socket.localAddress();
    }

    /**
     * The port of the first IP address listened on, handy after {@code listen(0)}.
     *
     * @return the port
     * @throws IllegalStateException if the server listens on no IP address
     */
    public int port() {
        for (Listener l : listeners) {
            if (l.socket.localAddress() instanceof InetSocketAddress isa) return isa.getPort();
        }
        throw new IllegalStateException("this server listens on no IP address");
    }

    /**
     * The streams connected through this server right now, in the order they connected: a live,
     * read-only view. A stream leaves it when it starts closing, even while it still sends what
     * it had queued.
     *
     * <p>It is safe to iterate while streams close, the one at hand or others, as a chat server
     * does when it drops a slow client in the middle of a broadcast: the iteration goes on with
     * the others, never throws {@code ConcurrentModificationException} and never returns a stream
     * that has left; each stream connected throughout is returned once (one that connects during
     * the iteration may or may not be). Closing costs O(1), and nothing is copied to iterate.
     */
    public Set<Stream> connections() {
        return connections;
    }

    /**
     * {@link #connections()} as the type of stream the factory makes, for calling its methods
     * without casts:
     * <pre>{@code
     * for (Chat peer : server().connections(Chat.class)) {
     *     if (peer.isWritable()) peer.say(line);
     *     else peer.abort(); // too slow to keep up: dropped, the broadcast goes on
     * }
     * }</pre>
     *
     * @throws ClassCastException while iterating, at a connection that is not a {@code type}
     *         (a factory that makes several kinds of stream: iterate {@code connections()})
     */
    public <S extends Stream> Set<S> connections(Class<S> type) {
        return connections.as(type);
    }

    /**
     * The engine this server runs on.
     *
     * @return the engine its streams run on too
     */
    public Engine engine() { return engine; }

    /** How often accepting stopped because descriptors ran out (diagnostics). */
    public long descriptorExhaustions() { return descriptorExhaustions; }

    /**
     * Connections open, accepted and refused, and accept pauses, so far (see {@link ServerStats}
     * for what each counts). Safe to call from any thread; as consistent as {@link Engine#stats()}.
     */
    public ServerStats stats() {
        engine.counters.acquire();
        return new ServerStats(connections.size(), accepted, refused, descriptorExhaustions);
    }

    /**
     * Stops accepting connections: closes the listening sockets (and removes Unix socket files),
     * leaving the connections open. For a graceful shutdown: stop listening, let the connections
     * finish, then {@link #close()}. The server may {@link #listen} again afterwards.
     */
    public void stopListening() {
        engine.checkLoopThread("Server.stopListening");
        for (Listener l : listeners) l.closeNow();
        listeners.clear();
    }

    /** Whether the server has a listening socket open. */
    public boolean isListening() {
        for (Listener l : listeners) {
            if (!l.isClosedForEvents()) return true;
        }
        return false;
    }

    /** Stops listening and closes every connection (each sends what it has queued first). */
    public void close() {
        engine.checkLoopThread("Server.close");
        if (closed) return;
        closed = true;
        for (Listener l : listeners) l.closeNow();
        for (Stream s : connections) s.close();
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed; a closed server can't listen again
     */
    public boolean isClosed() { return closed; }

    void accepted(PollerSocket socket) {
        Stream stream;
        try {
            stream = Objects.requireNonNull(factory.get(), "the stream factory returned null");
        } catch (Throwable e) {
            engine.reportError(this, "the stream factory", e);
            socket.close();
            refused();
            return;
        }
        try {
            stream.attach(engine, socket, this);
        } catch (IOException | RuntimeException e) {
            Engine.LOG.log(Level.WARNING, "Dropping a connection accepted by " + this + ": " + e);
            socket.close();
            refused();
            return;
        }
        accepted++;
        engine.counters.accepts++;
        connections.join(stream);
        stream.opened();
    }

    void removed(Stream s) {
        connections.leave(s);
    }

    /** An accept failed, or a connection was dropped at once: see {@link ServerStats#refused()}. */
    void refused() {
        refused++;
        engine.counters.refused++;
    }

    void exhausted() {
        descriptorExhaustions++;
    }

    @Override
    public String toString() {
        return "Server" + localAddresses();
    }
}
