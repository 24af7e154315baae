// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.pants.Engine;
import io.pants.EngineGroup;
import io.pants.Stream;
import io.pants.http.HttpRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@code com.sun.net.httpserver.HttpServer} on an engine of its own: an
 * {@link io.pants.http.HttpServer} parses the requests on the loop thread, finds each one's
 * context, and runs the exchange's handler there, or hands it to the application's executor.
 *
 * <p>A request goes to the context whose path is the longest prefix of the request's path,
 * compared as plain strings, as in the JDK ({@code /app} takes {@code /app/x} and also
 * {@code /apple}); none: 404.
 *
 * <p>With {@code -Dpants.loops=N} (N above 1), or a provider made with a number of loops, the
 * server runs on an {@link EngineGroup} of N loops ({@code pants-loop-0} ...) instead of one
 * engine: each connection is parsed on one of them.
 *
 * <p>Without an executor, a handler runs on its connection's loop thread, as a Pants
 * {@code HttpHandler} does: one handler at a time per loop, in order, as the JDK promises for
 * its dispatcher thread, and no hand-over between threads. The loop can't wait for itself, so
 * what a handler there would wait for is taken care of before or after it runs: its request
 * body is all in memory before it is called (up to the HTTP server's
 * {@link io.pants.http.HttpServer#maxBodySize body limit}, 10 MB), and what it writes is queued
 * to the connection without waiting for the client (a large response is held in memory). A body
 * over the limit does not fit that: its exchange goes to a thread of the server's,
 * {@code pants-httpserver-PORT-large-body}, made when first needed, where the handler reads the
 * body as it comes, as on an executor. A handler that blocks stalls every connection of its
 * loop; one that blocks, or writes very large responses, should be given an executor.
 *
 * <p>{@code stop(delay)}, as the JDK's: stops accepting on every loop (new clients are refused)
 * through the HTTP server's {@link io.pants.http.HttpServer#shutdown graceful shutdown}, waits up
 * to {@code delay} seconds for the exchanges under way to finish, then closes every connection
 * and the engines. Meanwhile, a new request on a
 * connection that is still open is answered with 503 and {@code Connection: close}: the JDK's
 * API has no idle state to close such a connection on, so it is not drained. Called from a
 * handler on a loop, it returns at once and a thread {@code pants-httpserver-PORT-stop} does
 * the waiting: the exchanges it would wait for (the caller's own among them) finish on that loop.
 */
final class PantsHttpServer extends HttpServer {
    static final System.Logger LOG = System.getLogger("io.pants.httpserver");
    /** How long after stop()'s delay the HTTP server's shutdown would close connections itself (stop() closes them first). */
    private static final Duration STOP_BACKSTOP = Duration.ofSeconds(10);
    /**
     * The JDK's API has no access log hook: each completed response is logged here, at DEBUG, as
     * an {@link io.pants.http.AccessLogEntry} line, if this logger logs DEBUG when the server is
     * made (off by default, as DEBUG is below the default level; no cost then).
     */
    static final System.Logger ACCESS = System.getLogger("io.pants.httpserver.access");

    /** The engine, or the first loop of the group; the group is null on one engine. */
    private final Engine engine;
    private final EngineGroup group;
    private final io.pants.http.HttpServer http;
    private final List<PantsHttpContext> contexts = new CopyOnWriteArrayList<>();
    /** Exchanges dispatched and not yet finished (or cut off); stop() waits for them. */
    private final Set<PantsHttpExchange> active = ConcurrentHashMap.newKeySet();
    /**
     * stop() waits on this for {@link #active} to empty: a lock, not a monitor, so that a stop
     * called by a handler on a virtual thread leaves its carrier thread (Java 21 to 23).
     */
    private final ReentrantLock activeLock = new ReentrantLock();
    private final Condition exchangeDone = activeLock.newCondition();

    // guarded by this
    private boolean bound, started, stopped;
    private InetSocketAddress address;
    private Executor executor;
    private Thread loopThread;
    /** Without an executor: the thread for exchanges whose bodies are over the in-memory limit, made when first needed. */
    private ExecutorService largeBody;
    /** Set once stop() is done with the large-body thread: none is made after. */
    private boolean largeBodyShut;

    /** Where handlers run: the application's executor, or null for the loops (and the large-body thread). Set by start(). */
    private volatile Executor handlers;
    /**
     * Bytes of a request body taken in before its handler runs, or -1: the HTTP server's body
     * limit. Lowered only by tests, so that many handlers can wait for their bodies without as
     * many 10 MB uploads, or that a small body goes to the large-body thread.
     */
    private volatile long bodyInMemory = -1;
    /** Set by stop(): new requests get a 503. Read on the loop thread. */
    private volatile boolean stopping;
    /** What the application holds and contexts return from getServer(): this, or the HttpsServer around it. */
    private volatile HttpServer facade = this;

    PantsHttpServer(String pollerName, InetSocketAddress address, int backlog) throws IOException {
        this(pollerName, EngineGroup.configuredLoops(1), address, backlog);
    }

    PantsHttpServer(String pollerName, int loops, InetSocketAddress address, int backlog) throws IOException {
        if (loops > 1) {
            this.group = pollerName == null ? new EngineGroup(loops) : new EngineGroup(loops, pollerName);
            this.engine = group.engine(0);
            this.http = new Undrained(group, this::dispatch);
        } else {
            this.group = null;
            this.engine = pollerName == null ? new Engine() : new Engine(pollerName);
            this.http = new Undrained(engine, this::dispatch);
        }
        // every body streams, as the JDK's do: no body limit, and no more in memory than it takes
        http.streamBodies(request -> true);
        if (ACCESS.isLoggable(Level.DEBUG)) http.accessLog(entry -> ACCESS.log(Level.DEBUG, entry.toString()));
        if (address != null) {
            try {
                bind(address, backlog);
            } catch (IOException | RuntimeException e) {
                closeEngines();
                throw e;
            }
        }
    }

    /**
     * The HTTP server under the JDK's API: a graceful shutdown stops accepting and keeps its
     * deadline, but leaves the connections to {@link #stop}, which closes them once the
     * exchanges are done (a request on one meanwhile gets a 503).
     */
    private static final class Undrained extends io.pants.http.HttpServer {
        Undrained(Engine engine, io.pants.http.HttpHandler handler) { super(engine, handler); }

        Undrained(EngineGroup group, io.pants.http.HttpHandler handler) { super(group, handler); }

        @Override
        protected void drain(Stream stream) {}
    }

    /** The engine, or the first loop of the group. */
    Engine engine() { return engine; }

    HttpServer facade() { return facade; }

    void facade(HttpServer outer) { this.facade = outer; }

    /** HTTPS for the connections accepted from now on: a volatile field of the server, read by each loop as it accepts. */
    synchronized void tls(io.pants.TlsConfig config) {
        http.tls(config);
    }

    synchronized boolean isStarted() { return started; }

    /** The group of loops, or null for a server on one engine. */
    EngineGroup group() { return group; }

    private void closeEngines() {
        if (group != null) group.close();
        else engine.close();
    }

    /** Handlers run once {@code bytes} of their request bodies are in (or the whole body): see {@link RequestBody}. */
    void bodyInMemory(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative body size: " + bytes);
        bodyInMemory = bytes;
    }

    // ---------------------------------------------------------------- life cycle

    @Override
    public synchronized void bind(InetSocketAddress addr, int backlog) throws IOException {
        Objects.requireNonNull(addr, "address");
        if (stopped) throw new IllegalStateException("the server is stopped");
        if (bound) throw new BindException("HttpServer already bound to " + address);
        if (backlog > 0) http.backlog(backlog);
        try {
            http.listen(addr); // before start(): the engine does not run yet, any thread may set it up
        } catch (UncheckedIOException e) {
            IOException cause = e.getCause();
            if (cause instanceof BindException) throw cause;
            BindException b = new BindException(e.getMessage());
            b.initCause(cause);
            throw b;
        }
        bound = true;
        address = (InetSocketAddress) http.localAddress();
    }

    /**
     * Starts the loops and returns once each runs: a {@code stop()} right after this must find
     * them running, so that it hands its work to them instead of touching their pollers from the
     * caller's thread while a loop makes its first wait (NIO's selector then blocks the caller).
     */
    @Override
    public void start() {
        startThread();
        for (Engine e : group != null ? group.engines() : List.of(engine)) {
            try {
                e.submit(() -> null).get(10, TimeUnit.SECONDS); // run in a turn: the loop runs
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | RejectedExecutionException ex) {
                throw new IllegalStateException("start(): the engine of " + this + " did not start within 10 seconds", ex);
            }
        }
    }

    private synchronized void startThread() {
        if (!bound || started || stopped) {
            throw new IllegalStateException("start(): the server is " + (stopped ? "stopped" : started ? "started already" : "not bound"));
        }
        started = true;
        handlers = executor;
        loopThread = new Thread(this::runLoop, "pants-httpserver-" + address.getPort());
        loopThread.start();
    }

    private void runLoop() {
        try {
            if (group != null) group.start(); // the loops on their own threads; this one waits for them
            else engine.start();
        } catch (Throwable e) {
            LOG.log(Level.ERROR, "The engine of " + this + " failed; the server stops", e);
        } finally {
            stopping = true;
            closeEngines(); // closes the connections: open exchanges are told, blocked handlers wake
            for (PantsHttpExchange x : active) x.connectionClosed();
            active.clear();
            shutLargeBodyThread();
        }
    }

    @Override
    public void stop(int delay) {
        if (delay < 0) throw new IllegalArgumentException("negative delay: " + delay);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
        Thread loop;
        int port;
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            stopping = true;
            loop = loopThread;
            port = address == null ? 0 : address.getPort();
            if (!started) {
                closeEngines(); // never ran: nothing to wait for
                return;
            }
        }
        if (group != null ? group.contains(Engine.current()) : engine.inLoopThread()) {
            // a handler on one of our loops: the exchanges to wait for, its own among them,
            // finish on the loops once it returns, so another thread waits for them
            Thread stopper = new Thread(() -> drainAndClose(delay, deadline, loop), "pants-httpserver-" + port + "-stop");
            stopper.start(); // not a daemon: the program lives until the drain is done, as it would in stop()
            return;
        }
        drainAndClose(delay, deadline, loop);
    }

    /** The rest of {@link #stop}, on a thread that is none of the loops: drains, then closes the engines. */
    private void drainAndClose(int delay, long deadline, Thread loop) {
        try {
            // every loop stops accepting at once. What is open when stop() has waited is closed
            // with the engines below, after the loops' last turn has flushed: the shutdown's own
            // deadline comes later, only a backstop, so that it never drops output first
            http.shutdown(Duration.ofSeconds(delay).plus(STOP_BACKSTOP));
            // and has done so before stop() goes on: a round trip to each loop, which also lets
            // it take in (and flush) the output handlers gave it before
            for (Engine e : group != null ? group.engines() : List.of(engine)) e.submit(() -> null).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            // the engine failed or is gone: closing it below releases the sockets as well
            LOG.log(Level.WARNING, "stop(): could not stop listening on " + this + " first: " + e);
        }
        activeLock.lock();
        try {
            long left;
            while (!active.isEmpty() && (left = deadline - System.nanoTime()) > 0) exchangeDone.awaitNanos(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            activeLock.unlock();
        }
        if (group != null) group.stop();
        else engine.stop();
        boolean interrupted = false;
        while (true) {
            try {
                loop.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the engine closes promptly: finish the job, then re-interrupt
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        shutLargeBodyThread();
    }

    @Override
    public synchronized void setExecutor(Executor executor) {
        if (started) throw new IllegalStateException("setExecutor(): the server is started already");
        this.executor = executor;
    }

    @Override
    public synchronized Executor getExecutor() { return executor; }

    @Override
    public synchronized InetSocketAddress getAddress() { return address; }

    // ---------------------------------------------------------------- contexts

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return addContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return addContext(path, null);
    }

    private synchronized HttpContext addContext(String path, HttpHandler handler) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) throw new IllegalArgumentException("a context path starts with '/': '" + path + "'");
        for (PantsHttpContext c : contexts) {
            if (c.getPath().equals(path)) throw new IllegalArgumentException("there is a context for " + path + " already");
        }
        PantsHttpContext c = new PantsHttpContext(this, path, handler);
        contexts.add(c);
        return c;
    }

    @Override
    public synchronized void removeContext(String path) {
        Objects.requireNonNull(path, "path");
        if (!contexts.removeIf(c -> c.getPath().equals(path))) throw new IllegalArgumentException("no context for " + path);
    }

    @Override
    public synchronized void removeContext(HttpContext context) {
        Objects.requireNonNull(context, "context");
        if (!contexts.remove(context)) throw new IllegalArgumentException("not a context of this server: " + context);
    }

    /** The context with the longest path that {@code path} starts with, or null. */
    private PantsHttpContext findContext(String path) {
        PantsHttpContext best = null;
        for (PantsHttpContext c : contexts) {
            String p = c.getPath();
            if (path.startsWith(p) && (best == null || p.length() > best.getPath().length())) best = c;
        }
        return best;
    }

    // ---------------------------------------------------------------- requests (on the loop thread)

    private void dispatch(HttpRequest request) {
        if (stopping) {
            refuse(request, "the server is stopping");
            return;
        }
        URI uri;
        try {
            uri = new URI(request.target());
        } catch (URISyntaxException e) {
            request.sendResponse("400 Bad Request: " + e.getMessage() + "\n", 400, "text/plain; charset=utf-8");
            return;
        }
        PantsHttpContext context = uri.getPath() == null ? null : findContext(uri.getPath());
        if (context == null) {
            request.sendResponse("404 Not Found: no context found for request\n", 404, "text/plain; charset=utf-8");
            return;
        }
        if (context.getHandler() == null) {
            request.sendResponse("500 Internal Server Error: no handler for context\n", 500, "text/plain; charset=utf-8");
            return;
        }
        if (request.isBodyStreamed()) {
            long startAt = bodyInMemory >= 0 ? bodyInMemory : http.maxBodySize();
            request.onBody(new RequestBody(this, request, startAt, body -> startExchange(request, context, uri, body)));
        } else {
            startExchange(request, context, uri, null);
        }
    }

    /**
     * Runs the exchange's handler, or hands it over: the request is in (its body, or up to the
     * in-memory limit of it). Without an executor, on this loop if the body is all in, else on
     * the large-body thread, where the handler may wait for the rest.
     */
    private void startExchange(HttpRequest request, PantsHttpContext context, URI uri, RequestBody body) {
        if (stopping) {
            refuse(request, "the server is stopping");
            return;
        }
        PantsHttpExchange exchange = new PantsHttpExchange(this, context, request, uri, body);
        active.add(exchange);
        Executor h = handlers;
        if (h == null && (body == null || body.isComplete())) {
            exchange.handle();
            return;
        }
        try {
            (h != null ? h : largeBodyThread()).execute(exchange::handle);
        } catch (RejectedExecutionException e) {
            LOG.log(Level.WARNING, "The executor of " + this + " refused an exchange: " + e);
            refuse(request, "no thread to handle the request");
            done(exchange);
        }
    }

    /**
     * The thread for exchanges whose bodies are over the in-memory limit, made at the first:
     * one, as the JDK's dispatcher, since such uploads are rare and an application expecting
     * many should give the server an executor.
     *
     * @throws RejectedExecutionException once stop() is done with it
     */
    private synchronized Executor largeBodyThread() {
        if (largeBodyShut) throw new RejectedExecutionException("the server is stopped");
        if (largeBody == null) {
            String name = "pants-httpserver-" + address.getPort() + "-large-body";
            largeBody = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true); // the loop threads keep the program alive while the server runs
                return t;
            });
        }
        return largeBody;
    }

    private void shutLargeBodyThread() {
        ExecutorService e;
        synchronized (this) {
            largeBodyShut = true;
            e = largeBody;
        }
        if (e != null) e.shutdown();
    }

    /** Answers 503 and closes the connection after it. */
    private static void refuse(HttpRequest request, String why) {
        request.sendHeader("Connection", "close");
        request.sendResponse("503 Service Unavailable: " + why + "\n", 503, "text/plain; charset=utf-8");
    }

    /** Runs {@code task} on the loop of {@code request}'s connection; false if its engine is closed. */
    boolean onLoop(HttpRequest request, Runnable task) {
        try {
            request.engine().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * The exchange is finished, or its connection is gone. Only a stop waits for that, so only
     * then is the lock taken: every exchange of every loop ends here, and a lock shared by the
     * loops would be on each request's path. No wake-up is lost: stop() sets {@link #stopping}
     * before it looks at {@link #active}, and this reads it after the removal, so either this
     * sees the stop and signals, or the stop sees the exchange gone.
     */
    void done(PantsHttpExchange exchange) {
        if (active.remove(exchange) && stopping) {
            activeLock.lock();
            try {
                exchangeDone.signalAll();
            } finally {
                activeLock.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "PantsHttpServer[" + address + ", " + engine.pollerName() + (group != null ? ", " + group.size() + " loops" : "") + "]";
    }
}
