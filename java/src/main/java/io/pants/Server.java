// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.StreamSocket;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
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
 * <h2>On several loops</h2>
 * A server on an {@link EngineGroup} ({@code new Server(group, factory)}, or made without an
 * engine in a program that uses {@link Engine#group(int)}) accepts on every loop, and each
 * stream it accepts lives on one loop for its whole life ({@link Stream#engine()}). Where the
 * kernel spreads connections among listening sockets that share a port (Linux, DragonFly, FreeBSD: see
 * {@link io.pants.spi.Poller#kernelBalancesListeners()}), every loop has its own listening
 * socket, bound with {@code SO_REUSEPORT}, and accepting costs no handover; elsewhere (macOS,
 * Windows, Unix domain sockets), the first loop accepts and hands the connections to the loops
 * round robin. The choice is made per backend and logged once; {@code -Dpants.accept=reuseport}
 * or {@code handoff} overrides it. Running out of descriptors pauses accepting per loop.
 *
 * <p>Threads: {@link #connections()} called on one of the server's loops is that loop's share of
 * them (the streams code on that loop may touch); {@link #stats()} counts all, from any thread.
 * {@link #stopListening()}, {@link #close()} and {@link #shutdown(Duration)} may be called from
 * any thread: each loop does its part on its own thread (off the loops, the call waits until
 * every loop has stopped listening). {@link #listen} is called before the loops start, or from
 * a thread that is not one of them.
 *
 * @since 0.1
 */
public class Server {
    /** The listen backlog unless {@link #backlog(int)} says otherwise. */
    public static final int DEFAULT_BACKLOG = 1024;

    private final Supplier<? extends Stream> factory;
    /** This server's part on each loop: one for a server on one engine; set again when it joins the default group. */
    private volatile ServerLoop[] loops;
    /** Null for a server on one engine. */
    private volatile EngineGroup group;
    private int backlog = DEFAULT_BACKLOG;
    private boolean autoPause = true;
    private Duration idleTimeout = Duration.ZERO;
    /** Read by every loop as it accepts; may change while they run (the JDK provider's setHttpsConfigurator). */
    private volatile TlsConfig tls;
    private volatile boolean closed;
    /** Options set on every accepted stream, and on the listening sockets. */
    private final Map<SocketOption<?>, Object> streamOptions = new LinkedHashMap<>(), listenerOptions = new LinkedHashMap<>();
    /** Null: as the backend suggests (see the class comment); otherwise whether to hand accepted sockets over. */
    private Boolean handOff;
    /** The next loop a handed-over connection goes to; touched by the accepting loop only. */
    private int nextLoop;
    /** The graceful shutdown under way, if any. */
    private volatile ServerDrain drain;

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
        Engine e = loops[0].engine;
        // made off any loop on the default engine: the program's server, which serves on the default group if there is one
        if (Engine.current() == null && e.group == null && e == Engine.instance()) {
            EngineGroup g = EngineGroup.forDefaultServer(this);
            if (g != null) onGroup(g);
        } else if (Engine.current() == null && e.group != null && e.group == EngineGroup.defaultGroupIfMade()) {
            onGroup(e.group);
        }
    }

    /**
     * A server on every loop of {@code group}: each connection it accepts lives on one of them
     * (see "On several loops" above).
     *
     * <pre>{@code
     * EngineGroup loops = new EngineGroup(4);
     * new Server(loops, Echo::new).listen(4040);
     * loops.start();
     * }</pre>
     *
     * @param group   the loops the server accepts on and its streams run on
     * @param factory makes the stream for each accepted connection, on the loop it will live on
     */
    public Server(EngineGroup group, Supplier<? extends Stream> factory) {
        this.factory = Objects.requireNonNull(factory);
        onGroup(Objects.requireNonNull(group));
    }

    private void onGroup(EngineGroup g) {
        ServerLoop[] all = new ServerLoop[g.size()];
        for (int i = 0; i < all.length; i++) all[i] = new ServerLoop(this, g.engine(i));
        this.group = g;
        this.loops = all;
    }

    /**
     * A server on {@code engine}.
     *
     * @param engine  the engine the server and its streams run on
     * @param factory makes the stream for each accepted connection, on the loop thread
     */
    public Server(Engine engine, Supplier<? extends Stream> factory) {
        this.factory = Objects.requireNonNull(factory);
        this.loops = new ServerLoop[] {new ServerLoop(this, Objects.requireNonNull(engine))};
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
        Objects.requireNonNull(address);
        ServerLoop[] all = loops;
        if (all.length == 1) all[0].engine.checkLoopThread("Server.listen");
        else checkListenOnGroup();
        if (closed) throw new IllegalStateException("listen(): this server is closed; create a new one");
        if (all.length == 1) {
            all[0].listen(address, backlog, listenerOptions);
        } else if (handsOff(address, all[0].engine)) {
            onLoopAndWait(all[0], l -> l.listen(address, backlog, listenerOptions).handsOff = true);
        } else {
            listenOnEveryLoop(all, address);
        }
        return this;
    }

    /** One listening socket per loop, all bound to the address the first one got (its port, after port 0). */
    private void listenOnEveryLoop(ServerLoop[] all, SocketAddress address) {
        Map<SocketOption<?>, Object> options = withReusePort();
        List<Listener> opened = new ArrayList<>(all.length);
        try {
            SocketAddress[] bound = {address};
            for (ServerLoop part : all) {
                onLoopAndWait(part, l -> {
                    Listener listener = l.listen(bound[0], backlog, options);
                    opened.add(listener);
                    bound[0] = listener.socket.localAddress();
                });
            }
        } catch (RuntimeException e) {
            for (Listener l : opened) onLoopAndWait(l.server(), p -> p.unlisten(l));
            throw e;
        }
    }

    private Map<SocketOption<?>, Object> withReusePort() {
        Map<SocketOption<?>, Object> options = new LinkedHashMap<>(listenerOptions);
        options.put(StandardSocketOptions.SO_REUSEPORT, true);
        return options;
    }

    /** listen() on several loops touches every loop's poller: only while none runs, or from a thread that is none of them. */
    private void checkListenOnGroup() {
        EngineGroup g = group;
        if (g.isRunning() && g.contains(Engine.current())) {
            throw new IllegalStateException("Server.listen() on a server of " + g.size() + " loops was called on one of them ('"
                    + Thread.currentThread().getName() + "'): listen before the group starts, or from another thread");
        }
    }

    /** Whether connections accepted at {@code address} are handed round robin from the first loop (see the class comment). */
    private boolean handsOff(SocketAddress address, Engine first) {
        if (address instanceof UnixDomainSocketAddress) return true; // SO_REUSEPORT is for IP sockets
        if (handOff != null) return handOff;
        return AcceptDistribution.handsOff(first.poller());
    }

    /** For tests: hand accepted connections over (true) or listen on every loop (false), whatever the backend suggests. */
    Server handOff(boolean on) {
        this.handOff = on;
        return this;
    }

    /**
     * Runs {@code op} on {@code part}'s loop and waits for it: directly when that loop does not
     * run or this is its thread, else through {@code execute}, waiting at most 10 seconds.
     */
    private static void onLoopAndWait(ServerLoop part, Consumer<ServerLoop> op) {
        Engine e = part.engine;
        if (!e.isRunning() || e.inLoopThread()) {
            op.accept(part);
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        e.execute(() -> {
            try {
                op.accept(part);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for loop " + e.indexInGroup, ex);
        } catch (TimeoutException ex) {
            throw new IllegalStateException("loop " + e.indexInGroup + " of " + part.server + " did not answer within 10 seconds", ex);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException r) throw r;
            if (ex.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(ex.getCause());
        }
    }

    /**
     * Runs {@code op} on every loop of the server, each on its own thread: at once for a loop
     * that does not run or is the calling thread's, through {@code execute} for the others. Off
     * the server's loops, waits until every loop has done it.
     */
    private void onEveryLoop(String what, Consumer<ServerLoop> op) {
        ServerLoop[] all = loops;
        if (all.length == 1) {
            all[0].engine.checkLoopThread(what);
            op.accept(all[0]);
            return;
        }
        boolean wait = !group.contains(Engine.current());
        for (ServerLoop part : all) {
            if (wait) {
                onLoopAndWait(part, op);
            } else if (!part.engine.isRunning() || part.engine.inLoopThread()) {
                op.accept(part);
            } else {
                try {
                    part.engine.execute(() -> op.accept(part));
                } catch (RejectedExecutionException e) {
                    // that loop's engine is closed, and with it this server's part there
                }
            }
        }
    }

    /** The addresses listened on, with the actual ports when port 0 was asked for. */
    public List<SocketAddress> localAddresses() {
        List<Listener> listeners = loops[0].listeners; // on several loops, the first listens on every address
        List<SocketAddress> all = new ArrayList<>(listeners.size());
        for (Listener l : listeners) all.add(l.socket.localAddress());
        return all;
    }

    /** The first address listened on, or null. */
    public SocketAddress localAddress() {
        List<Listener> listeners = loops[0].listeners;
        return listeners.isEmpty() ? null : listeners.get(0).socket.localAddress();
    }

    /**
     * The port of the first IP address listened on, handy after {@code listen(0)}.
     *
     * @return the port
     * @throws IllegalStateException if the server listens on no IP address
     */
    public int port() {
        for (Listener l : loops[0].listeners) {
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
     *
     * <p>On several loops, each loop has its own connections: called on one of the server's
     * loops, this is that loop's share (the streams code there may touch; {@link #stats()}
     * counts them all). Off the loops it throws, but before they start, when it is loop 0's.
     *
     * @throws IllegalStateException on several running loops, called on none of them
     */
    public Set<Stream> connections() {
        return connectionsHere();
    }

    private ConnectionSet connectionsHere() {
        ServerLoop[] all = loops;
        if (all.length == 1) return all[0].connections;
        Engine here = Engine.current();
        if (group.contains(here)) return all[here.indexInGroup].connections;
        if (!group.isRunning()) return all[0].connections;
        throw new IllegalStateException("connections() of a server on " + all.length + " loops was called on thread '"
                + Thread.currentThread().getName() + "', none of them: each loop has its own; call it on a loop"
                + " (group.engine(i).submit(() -> server.connections()...)), or count them all with stats().open()");
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
        return connectionsHere().as(type);
    }

    /**
     * The engine this server runs on; on several loops, the first of them (see {@link #group()}).
     *
     * @return the engine its streams run on too
     */
    public Engine engine() { return loops[0].engine; }

    /**
     * The loops this server serves on, or null for a server on one engine.
     *
     * @return its group, or null
     */
    public EngineGroup group() { return group; }

    /**
     * Connections open, accepted and refused, and accept pauses, so far, on all its loops (see
     * {@link ServerStats} for what each counts). Safe to call from any thread; as consistent as
     * {@link Engine#stats()}.
     */
    public ServerStats stats() {
        long open = 0, accepted = 0, refused = 0, acceptPauses = 0;
        for (ServerLoop part : loops) {
            part.engine.counters.acquire();
            open += part.connections.size();
            accepted += part.accepted;
            refused += part.refused;
            acceptPauses += part.acceptPauses;
        }
        return new ServerStats((int) open, accepted, refused, acceptPauses);
    }

    /**
     * Stops accepting connections: closes the listening sockets (and removes Unix socket files),
     * leaving the connections open. For a graceful shutdown: stop listening, let the connections
     * finish, then {@link #close()} (or {@link #shutdown(Duration)}, which does all of it). The
     * server may {@link #listen} again afterwards. On several loops, see "Threads" above.
     */
    public void stopListening() {
        onEveryLoop("Server.stopListening", ServerLoop::stopListening);
    }

    /** Whether the server has a listening socket open (on any of its loops). */
    public boolean isListening() {
        for (ServerLoop part : loops) if (part.isListening()) return true;
        return false;
    }

    /** Stops listening and closes every connection (each sends what it has queued first). */
    public void close() {
        if (loops.length == 1) loops[0].engine.checkLoopThread("Server.close");
        if (closed) return;
        closed = true;
        EngineGroup.forget(this);
        onEveryLoop("Server.close", ServerLoop::close);
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed; a closed server can't listen again
     */
    public boolean isClosed() { return closed; }

    /**
     * Shuts down gracefully, on every loop: stops accepting at once, lets each connection
     * finish (see {@link #drain(Stream)}), and closes what is still open when {@code grace} has
     * passed, dropping its queued output; then closes the server and completes the future. Safe
     * from any thread; a second call returns the first one's future.
     *
     * <pre>{@code
     * server.shutdown(Duration.ofSeconds(10)).join();
     * }</pre>
     *
     * @param grace how long connections may take to finish
     * @return completed once every connection is closed
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        Objects.requireNonNull(grace);
        synchronized (this) {
            if (drain != null) return drain.done;
            drain = new ServerDrain(this, loops.length, grace);
        }
        ServerDrain d = drain;
        ServerLoop[] all = loops;
        for (ServerLoop part : all) {
            Runnable begin = () -> d.begin(part);
            Engine e = part.engine;
            if (!e.isRunning() || e.inLoopThread()) begin.run();
            else {
                try {
                    e.execute(begin);
                } catch (RejectedExecutionException ex) {
                    d.loopDrained(part); // that loop is gone, and its connections with it
                }
            }
        }
        return d.done;
    }

    /**
     * How a graceful {@link #shutdown(Duration)} asks one connection to finish, on its loop:
     * nothing by default (a plain stream's protocol decides when it is done, and it closes
     * itself); {@link io.pants.http.HttpServer} closes idle connections at once and busy ones
     * after their current response.
     *
     * @param stream a connection of this server, still open
     */
    protected void drain(Stream stream) {}

    /** The graceful shutdown is over on every loop: the server is closed. */
    void drained() {
        closed = true;
        EngineGroup.forget(this);
    }

    // ---------------------------------------------------------------- socket options

    /**
     * A socket option for the streams this server accepts from now on, or for its listening
     * sockets: {@code TCP_NODELAY} (on by default), {@code SO_KEEPALIVE}, {@code SO_RCVBUF} (set
     * on the listening sockets too, so that accepted ones start with it), {@code SO_SNDBUF},
     * {@code SO_LINGER}, {@code jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE},
     * {@code TCP_KEEPINTERVAL} and {@code TCP_KEEPCOUNT} where the system has them, and
     * {@code SO_REUSEPORT} for the listening sockets (from the next {@link #listen}).
     *
     * <pre>{@code
     * new Server(Echo::new).option(StandardSocketOptions.SO_KEEPALIVE, true).listen(4040);
     * }</pre>
     *
     * An option the backend can't set makes {@code listen} (for listener options) or the
     * accepted stream's setup fail with a message that names the backend; the stream is dropped.
     *
     * @throws IllegalArgumentException for an option Pants does not set on TCP streams
     */
    public <T> Server option(SocketOption<T> option, T value) {
        SocketOptions.check(option, value);
        if (option == StandardSocketOptions.SO_REUSEPORT) {
            listenerOptions.put(option, value);
        } else {
            streamOptions.put(option, value);
            if (option == StandardSocketOptions.SO_RCVBUF) listenerOptions.put(option, value);
        }
        return this;
    }

    /** The options set with {@link #option} for accepted streams, read by them as they open. */
    Map<SocketOption<?>, Object> streamOptions() { return streamOptions; }

    // ---------------------------------------------------------------- what the loops call

    Stream newStream() { return factory.get(); }

    /**
     * {@code from} accepted {@code socket}: opened there, or, from a listener that hands over,
     * given to the next loop round robin, which takes it over from the acceptor's poller.
     */
    void distribute(ServerLoop from, StreamSocket socket, boolean handsOff) {
        ServerLoop[] all = loops;
        if (!handsOff || all.length == 1) {
            from.attach(socket);
            return;
        }
        ServerLoop target = all[Math.floorMod(nextLoop++, all.length)];
        if (target == from) {
            from.attach(socket);
            return;
        }
        try {
            target.engine.execute(new HandedOver(target, socket));
        } catch (RejectedExecutionException e) {
            socket.close();
            from.refused();
        }
    }

    /** A connection on its way from the accepting loop to the one it will live on. */
    private static final class HandedOver implements Engine.DroppedTask {
        private final ServerLoop target;
        private final StreamSocket socket;

        HandedOver(ServerLoop target, StreamSocket socket) {
            this.target = target;
            this.socket = socket;
        }

        @Override
        public void run() {
            StreamSocket mine;
            try {
                mine = target.engine.poller().adopt(socket);
            } catch (RuntimeException e) {
                Engine.LOG.log(Level.WARNING, "Dropping a connection handed to loop " + target.engine.indexInGroup
                        + " of " + target.server + ": " + e);
                socket.close();
                target.refused();
                return;
            }
            target.attach(mine);
        }

        @Override
        public void dropped() {
            socket.close();
        }
    }

    void removed(Stream s) {
        loopOf(s.engine()).removed(s);
    }

    ServerLoop loopOf(Engine e) {
        ServerLoop[] all = loops;
        return all.length == 1 ? all[0] : all[e.indexInGroup];
    }

    ServerLoop[] loops() { return loops; }

    /**
     * Joins the default group, made after this server (on the default engine, without an
     * engine) listened: its listeners on loop 0 stay, get {@code SO_REUSEPORT} where the kernel
     * balances, and the other loops listen beside them; where that fails, loop 0 hands over.
     * Called while no loop runs.
     */
    void spreadOnto(EngineGroup g) {
        ServerLoop[] before = loops;
        if (closed || before.length != 1 || before[0].engine != g.engine(0)) return;
        ServerLoop first = before[0];
        ServerLoop[] all = new ServerLoop[g.size()];
        all[0] = first;
        for (int i = 1; i < all.length; i++) all[i] = new ServerLoop(this, g.engine(i));
        group = g;
        loops = all;
        for (Listener l : new ArrayList<>(first.listeners)) {
            if (l.isClosedForEvents()) continue;
            SocketAddress at = l.socket.localAddress();
            if (handsOff(at, first.engine)) {
                l.handsOff = true;
                continue;
            }
            List<Listener> opened = new ArrayList<>();
            try {
                l.socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                for (int i = 1; i < all.length; i++) opened.add(all[i].listen(at, backlog, withReusePort()));
            } catch (IOException | RuntimeException e) {
                Engine.LOG.log(Level.INFO, this + " could not listen on every loop at " + at + " (" + e
                        + "); its first loop hands the connections over instead");
                for (Listener o : opened) o.server().unlisten(o);
                l.handsOff = true;
            }
        }
    }

    @Override
    public String toString() {
        return "Server" + localAddresses();
    }
}
