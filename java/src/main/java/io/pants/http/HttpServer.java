// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Engine;
import io.pants.EngineGroup;
import io.pants.Server;
import io.pants.Stream;
import io.pants.TlsConfig;

import javax.net.ssl.SSLContext;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An HTTP/1.1 server: a {@link Server} whose connections parse requests and hand each to a
 * {@link HttpHandler}.
 *
 * <pre>{@code
 * new HttpServer(request -> {
 *     request.sendStatus(200);
 *     request.sendHeaders(Map.of("Content-Type", "text/plain"));
 *     request.send("Hello, World!");
 *     request.finish();
 * }).listen(8080);
 * Engine.instance().start();
 * }</pre>
 *
 * Connections are persistent (HTTP/1.0 ones when they ask with {@code Connection: keep-alive});
 * pipelined requests are answered in order. Limits and timeouts protect the server from
 * clients that send too much or too slowly; set them before {@code listen}: a connection keeps
 * the settings it was accepted with.
 *
 * <table>
 *   <caption>Limits, and the answer when a request goes over them</caption>
 *   <tr><th>setting</th><th>default</th><th>answer</th></tr>
 *   <tr><td>{@link #maxHeaderLineSize}</td><td>8 KiB</td><td>414 (request line), 431 (header line)</td></tr>
 *   <tr><td>{@link #maxHeaderSize}</td><td>64 KiB</td><td>431</td></tr>
 *   <tr><td>{@link #maxBodySize} (not for {@link #streamBodies streamed} bodies)</td><td>10 MB</td><td>413</td></tr>
 *   <tr><td>{@link #headerTimeout}: from a request's first byte to its last header</td><td>30 s</td><td>408, close</td></tr>
 *   <tr><td>{@link #idleTimeout}: no request, or a body or a client's reading that makes no progress (also while a handler still sends)</td><td>60 s</td><td>close (408 in a body)</td></tr>
 * </table>
 * A timeout fires on time: within {@link io.pants.Deadline#RESOLUTION_NANOS} (about 8 ms) after
 * its setting, never before, at any number of connections (see {@link io.pants.Deadline}).
 *
 * @since 0.1
 */
public class HttpServer extends Server {
    /** The default of {@link #maxHeaderLineSize(int)}: 8 KiB. */
    public static final int DEFAULT_MAX_HEADER_LINE_SIZE = 8 * 1024;
    /** The default of {@link #maxHeaderSize(int)}: 64 KiB. */
    public static final int DEFAULT_MAX_HEADER_SIZE = 64 * 1024;
    /** The default of {@link #maxBodySize(long)}: 10 MB. */
    public static final long DEFAULT_MAX_BODY_SIZE = 10L * 1024 * 1024;
    /** The default of {@link #headerTimeout(Duration)}: 30 s. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(30);
    /** The default of {@link #idleTimeout(Duration)}: 60 s. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** The default of {@link #serverName(String)}. */
    public static final String DEFAULT_SERVER_NAME = "pants";

    private final HttpHandler handler;
    private int maxHeaderLineSize = DEFAULT_MAX_HEADER_LINE_SIZE;
    private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
    private long maxBodySize = DEFAULT_MAX_BODY_SIZE;
    private Predicate<? super HttpRequest> streamBodies = request -> false;
    private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
    private byte[] serverHeaderLine;
    private Consumer<? super AccessLogEntry> accessLog;
    /** Response heads are encoded here, one at a time, on the loop thread; shared by the connections. */
    /** Where each loop encodes response heads (by {@link Engine#loopIndex()}): one response at a time encodes there. */
    private volatile ByteBuilder[] scratches = new ByteBuilder[0];

    /**
     * A server on the engine running the current callback, else the default engine
     * ({@link Engine#instance()}); see {@link Server#Server(Supplier)}.
     *
     * @param handler answers every request, on the loop thread
     * @throws IllegalStateException where the engine would be a guess (see {@code Server})
     */
    public HttpServer(HttpHandler handler) {
        this(new ConnectionFactory(), handler);
    }

    /**
     * A server on {@code engine}.
     *
     * @param engine  the engine the server and its connections run on
     * @param handler answers every request, on the loop thread
     */
    public HttpServer(Engine engine, HttpHandler handler) {
        this(engine, new ConnectionFactory(), handler);
    }

    /**
     * A server on every loop of {@code group}: each connection is served on one loop for its
     * whole life (see {@link Server#Server(EngineGroup, Supplier)}).
     *
     * <pre>{@code
     * EngineGroup loops = new EngineGroup(4);
     * new HttpServer(loops, request -> request.respond(200, "hello")).listen(8080);
     * loops.start();
     * }</pre>
     *
     * @param group   the loops it serves on
     * @param handler called for each request, on the loop of its connection
     */
    public HttpServer(EngineGroup group, HttpHandler handler) {
        this(group, new ConnectionFactory(), handler);
    }

    private HttpServer(EngineGroup group, ConnectionFactory factory, HttpHandler handler) {
        super(group, factory);
        this.handler = Objects.requireNonNull(handler);
        setUp(factory);
    }

    /**
     * For {@link #shutdown(Duration)}: an idle connection closes at once; a busy one finishes
     * the requests it took (taking no new one) and closes after its last response; an upgraded
     * one is told through {@link ConnectionProtocol#onShutdown()} (a WebSocket sends a close
     * frame with 1001, Going Away, and closes once the peer answers). What is still open at the
     * deadline is closed.
     */
    @Override
    protected void drain(Stream stream) {
        if (stream instanceof HttpConnection c) c.closeWhenIdle();
    }

    private HttpServer(ConnectionFactory factory, HttpHandler handler) {
        super(factory);
        this.handler = Objects.requireNonNull(handler);
        setUp(factory);
    }

    private HttpServer(Engine engine, ConnectionFactory factory, HttpHandler handler) {
        super(engine, factory);
        this.handler = Objects.requireNonNull(handler);
        setUp(factory);
    }

    private void setUp(ConnectionFactory factory) {
        factory.server = this;
        serverName(DEFAULT_SERVER_NAME);
        super.idleTimeout(DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * The scratch buffer of {@code engine}'s loop. Made on a loop's first connection, under a
     * lock taken then only: a request never takes it, and loops never share a buffer.
     */
    ByteBuilder scratchFor(Engine engine) {
        int i = engine.loopIndex();
        ByteBuilder[] all = scratches;
        if (i < all.length && all[i] != null) return all[i];
        synchronized (this) {
            all = scratches;
            if (i >= all.length) all = java.util.Arrays.copyOf(all, i + 1);
            else all = all.clone();
            if (all[i] == null) all[i] = new ByteBuilder(1024);
            scratches = all;
            return all[i];
        }
    }

    /** Makes the connections; the server is only known once its constructor has run. */
    private static final class ConnectionFactory implements Supplier<Stream> {
        HttpServer server;

        @Override
        public Stream get() { return new HttpConnection(server); }
    }

    public HttpHandler handler() { return handler; }

    // ---------------------------------------------------------------- listening (typed for chaining)

    @Override
    public HttpServer listen(int port) {
        super.listen(port);
        return this;
    }

    @Override
    public HttpServer listen(String host, int port) {
        super.listen(host, port);
        return this;
    }

    @Override
    public HttpServer listen(SocketAddress address) {
        super.listen(address);
        return this;
    }

    @Override
    public HttpServer backlog(int backlog) {
        super.backlog(backlog);
        return this;
    }

    // ---------------------------------------------------------------- settings

    /**
     * The longest request line or header line, in bytes (8 KiB by default).
     *
     * @param bytes the limit; a longer request line is answered 414, a longer header line 431
     * @return this server
     * @throws IllegalArgumentException if {@code bytes} is under 64
     */
    public HttpServer maxHeaderLineSize(int bytes) {
        if (bytes < 64) throw new IllegalArgumentException("a header line limit under 64 bytes would refuse ordinary requests: " + bytes);
        this.maxHeaderLineSize = bytes;
        return this;
    }

    public int maxHeaderLineSize() { return maxHeaderLineSize; }

    /**
     * The largest request head (request line and headers), and trailer section, in bytes (64 KiB
     * by default).
     *
     * @param bytes the limit; a larger head is answered 431
     * @return this server
     * @throws IllegalArgumentException if {@code bytes} is under 64
     */
    public HttpServer maxHeaderSize(int bytes) {
        if (bytes < 64) throw new IllegalArgumentException("a header limit under 64 bytes would refuse ordinary requests: " + bytes);
        this.maxHeaderSize = bytes;
        return this;
    }

    public int maxHeaderSize() { return maxHeaderSize; }

    /**
     * Which requests get their body as it arrives instead of whole (none by default): for
     * these, asked when the head is in, the handler is called at once and reads the body through
     * {@link HttpRequest#onBody}; {@link #maxBodySize} doesn't apply to them. For uploads larger
     * than memory should hold, or to start answering before the body is in.
     *
     * <pre>{@code
     * server.streamBodies(request -> request.path().startsWith("/upload/"));
     * }</pre>
     */
    public HttpServer streamBodies(Predicate<? super HttpRequest> which) {
        this.streamBodies = Objects.requireNonNull(which);
        return this;
    }

    /** Whether {@code request}, which has a body, gets it streamed. */
    boolean streamsBody(HttpRequest request) {
        return streamBodies.test(request);
    }

    /**
     * The largest request body, in bytes (10 MB by default); bodies are held in memory whole
     * (unless {@link #streamBodies streamed}).
     *
     * @param bytes the limit; a larger body is answered 413
     * @return this server
     * @throws IllegalArgumentException if {@code bytes} is negative or over 2 GiB
     */
    public HttpServer maxBodySize(long bytes) {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("a body limit is 0 to 2 GiB, got " + bytes);
        this.maxBodySize = bytes;
        return this;
    }

    public long maxBodySize() { return maxBodySize; }

    /**
     * How long a client may take from a request's first byte to the end of its head (30 s by
     * default).
     *
     * @param timeout the limit; a head still incomplete then is answered 408, and the connection closed
     * @return this server
     * @throws IllegalArgumentException if {@code timeout} is not positive, or over a year
     */
    public HttpServer headerTimeout(Duration timeout) {
        this.headerTimeout = positive(timeout, "header timeout");
        return this;
    }

    public Duration headerTimeout() { return headerTimeout; }

    /**
     * How long a connection may wait for its next request, or sit in a request body, or leave
     * our responses unread, without progress (60 s by default). Unlike a plain server's, it
     * must be positive: a connection that nothing ends would hold its descriptor forever.
     */
    @Override
    public HttpServer idleTimeout(Duration timeout) {
        super.idleTimeout(positive(timeout, "idle timeout"));
        return this;
    }

    /**
     * Serves HTTPS: see {@link Server#tls(TlsConfig)}; requests then say
     * {@link HttpRequest#isSecure()} and scheme {@code https}.
     *
     * <pre>{@code
     * new HttpServer(handler).tls(Tls.serverContext(Path.of("cert.pem"), Path.of("key.pem"))).listen(8443);
     * }</pre>
     */
    @Override
    public HttpServer tls(SSLContext context) {
        super.tls(context);
        return this;
    }

    /** Serves HTTPS with ALPN, SNI, client certificates and the rest of {@link TlsConfig}. */
    @Override
    public HttpServer tls(TlsConfig config) {
        super.tls(config);
        return this;
    }

    /** The {@code Server} header's value ({@code pants} by default); null sends none. */
    public HttpServer serverName(String name) {
        if (name == null) {
            serverHeaderLine = null;
            return this;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c >= 0x7f) throw new IllegalArgumentException("the server name must be printable ASCII: '" + name + "'");
        }
        serverHeaderLine = ("Server: " + name + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        return this;
    }

    // ---------------------------------------------------------------- for the connections

    /**
     * Starts a response head in {@code out}: the status line, then this server's {@code Server}
     * and {@code Date} fields unless the handler gave its own. Every response head starts here,
     * the handlers' and the server's own error answers alike.
     */
    void startHead(ByteBuilder out, int status, String reason, boolean serverField, boolean dateField) {
        out.reset();
        HttpStatus.appendStatusLine(out, status, reason);
        if (serverField && serverHeaderLine != null) out.append(serverHeaderLine);
        if (dateField) out.append(HttpDates.dateHeaderLine());
    }

    /**
     * Calls {@code log} on the loop thread for every response as it completes (the handler's
     * {@code finish()}, or an error answer of the server's own to bad input): method, target,
     * status, body bytes, time since the request head arrived, client address. Off (null) by
     * default; it costs nothing then, and a clock reading per request when on. Responses that
     * never complete (the connection closed first) are not logged. An exception from {@code log}
     * is logged and the server carries on. Set it before {@code listen}, or later on the loop thread;
     * it applies to requests whose head arrives after that. On a group of loops, it is called on
     * each request's own loop, so from several threads at once: set it before the loops start,
     * and make {@code log} safe for that.
     *
     * <pre>{@code
     * new HttpServer(handler).accessLog(entry -> System.out.println(entry)).listen(8080);
     * // /127.0.0.1:51234 "GET /stats" 200 512 0.31ms
     * }</pre>
     */
    public HttpServer accessLog(Consumer<? super AccessLogEntry> log) {
        this.accessLog = log;
        return this;
    }

    /** The access log, or null when it is off. */
    public Consumer<? super AccessLogEntry> accessLog() { return accessLog; }

    /** Hands an entry to the access log, if any; an exception from it is logged. */
    void logAccess(String method, String target, int status, long bodyBytes, long begunNanos, SocketAddress remote) {
        Consumer<? super AccessLogEntry> log = accessLog;
        if (log == null || begunNanos == 0) return;
        AccessLogEntry entry = new AccessLogEntry(method, target, status, bodyBytes, Duration.ofNanos(System.nanoTime() - begunNanos), remote);
        try {
            log.accept(entry);
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError v && !(e instanceof StackOverflowError)) throw v;
            HttpRequest.LOG.log(System.Logger.Level.ERROR, "Uncaught exception in the access log of " + this + "; the server carries on", e);
        }
    }

    private static Duration positive(Duration d, String what) {
        if (Objects.requireNonNull(d, what).isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive, got " + d);
        if (d.compareTo(Duration.ofDays(365)) > 0) throw new IllegalArgumentException(what + " of more than a year: " + d);
        return d;
    }

    @Override
    public String toString() {
        return "HttpServer" + localAddresses();
    }
}
