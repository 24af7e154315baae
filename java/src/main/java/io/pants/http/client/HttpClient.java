// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.Engine;
import io.pants.Server;
import io.pants.Stream;
import io.pants.Tls;
import io.pants.TlsConfig;

import javax.net.ssl.SSLContext;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An HTTP/1.1 client on a Pants {@link Engine}: non-blocking, with a pool of keep-alive
 * connections per origin.
 *
 * <pre>{@code
 * HttpClient client = HttpClient.create();
 * client.get("http://127.0.0.1:8080/notes?limit=5")
 *       .thenAccept(r -> System.out.println(r.status() + " " + r.bodyText()));
 * client.request("POST", "http://127.0.0.1:8080/notes")
 *       .header("Content-Type", "application/json").body("{\"text\":\"hi\"}")
 *       .send().thenAccept(r -> System.out.println(r.status()));
 * Engine.instance().start();
 * }</pre>
 *
 * <h2>Threads</h2>
 * Everything happens on the engine's loop thread. The futures of {@link ClientRequest#send()}
 * complete there, so the stages chained on them without {@code Async} run there too (a stage
 * chained on a future that is already complete runs at once, on the chaining thread); the
 * {@link ResponseListener} of a streamed request is called there. Requests may be sent from any
 * thread: off the loop thread they are handed to it with {@code engine.execute}. Never wait for a
 * future with {@code get()} or {@code join()} on the loop thread: the loop would stop, and the
 * response could never come. Settings are for before the first request.
 *
 * <h2>Connections</h2>
 * Connections are kept per origin (scheme, host, port, and proxy) and reused for the next request
 * once the response before was read to its end and neither side said {@code Connection: close};
 * at most {@link #maxConnectionsPerOrigin} per origin and {@link #maxConnections} in all, further
 * requests wait for one. An idle connection is closed after {@link #keepAliveTimeout}. When the
 * server closed a pooled connection just as a request went out on it, an idempotent request
 * (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) with a body that can be sent again is retried once on
 * a new connection. One request at a time per connection (no pipelining).
 *
 * <h2>What it does for you</h2>
 * Redirects (301, 302, 303, 307, 308; {@link #followRedirects}), never from https to http unless
 * {@link #allowRedirectsToHttp allowed}; gzip and deflate decoding ({@link #decompress});
 * {@code Expect: 100-continue} ({@link ClientRequest#expectContinue}); HTTP proxies
 * ({@link #proxy(String, int)}, {@link #proxySelector}) with Basic authentication and a bypass list.
 *
 * <h2>https</h2>
 * An {@code https:} request speaks TLS to its origin, straight or through a proxy's
 * {@code CONNECT} tunnel, checking the server's certificate against the JDK's certificate
 * authorities and the URL's host name (sent for SNI too), and offering {@code http/1.1} by ALPN.
 * A server that fails the check fails the request with an {@link HttpClientException} saying
 * why. For a private CA or a self-signed server, give the client a context that trusts it:
 *
 * <pre>{@code
 * HttpClient client = HttpClient.create().tls(Tls.clientContext(Path.of("ca.pem")));
 * }</pre>
 *
 * @since 0.1
 */
public final class HttpClient implements AutoCloseable {
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ORIGIN = 8, DEFAULT_MAX_CONNECTIONS = 256;
    public static final long DEFAULT_MAX_BODY_SIZE = 16L * 1024 * 1024;
    public static final int DEFAULT_MAX_HEAD_SIZE = 64 * 1024;
    public static final int DEFAULT_MAX_REDIRECTS = 5;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30),
            DEFAULT_RESPONSE_HEAD_TIMEOUT = Duration.ofSeconds(60), DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60),
            DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(30), DEFAULT_CONTINUE_TIMEOUT = Duration.ofSeconds(1);
    static final String USER_AGENT = "pants-http-client";

    private final Engine engine;
    final ConnectionPool pool;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration responseHeadTimeout = DEFAULT_RESPONSE_HEAD_TIMEOUT;
    Duration requestTimeout = Duration.ZERO;
    Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
    Duration continueTimeout = DEFAULT_CONTINUE_TIMEOUT;
    long maxBodySize = DEFAULT_MAX_BODY_SIZE;
    int maxHeadSize = DEFAULT_MAX_HEAD_SIZE;
    int maxRedirects = DEFAULT_MAX_REDIRECTS;
    boolean redirectsToHttp;
    boolean decompress = true;
    private ProxySelector proxySelector;
    private InetSocketAddress proxy;
    private String noProxy, proxyUser, proxyPassword;
    private ProxyChoice proxyChoice = ProxyChoice.NONE;
    /** What https connections speak, less the host name and ALPN, which each connection sets; null: {@link Tls#clientContext()}. */
    private TlsConfig tls;
    private volatile boolean closed;

    private HttpClient(Engine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.pool = new ConnectionPool(this);
    }

    /**
     * A client on the engine whose callback is running, else the default engine
     * ({@link Engine#instance()}), as for a {@link Stream} or {@link Server} made without one.
     */
    public static HttpClient create() {
        Engine e;
        try {
            e = Engine.currentOrDefault(); // the rule every channel made without an engine follows
        } catch (IllegalStateException guess) {
            throw new IllegalStateException("HttpClient.create() on a thread that runs no engine, while other engines are"
                    + " open and the default one was never made: pass the engine, HttpClient.create(engine), or create"
                    + " the client in one of its callbacks", guess);
        }
        return new HttpClient(e);
    }

    /** A client on {@code engine}. */
    public static HttpClient create(Engine engine) {
        return new HttpClient(engine);
    }

    public Engine engine() { return engine; }

    // ---------------------------------------------------------------- requests

    /** {@code GET url}, the whole body in the response. See {@link ClientRequest#send()}. */
    public CompletableFuture<ClientResponse> get(String url) {
        return request("GET", url).send();
    }

    public CompletableFuture<ClientResponse> get(URI uri) {
        return request("GET", uri).send();
    }

    /** A request to build and {@link ClientRequest#send() send}. */
    public ClientRequest request(String method, String url) {
        Objects.requireNonNull(url, "url");
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: " + url + " (" + e.getReason() + ")", e);
        }
        return request(method, uri);
    }

    public ClientRequest request(String method, URI uri) {
        return new ClientRequest(this, method, uri);
    }

    // ---------------------------------------------------------------- settings

    /** How long connecting may take (30 s by default). */
    public HttpClient connectTimeout(Duration timeout) {
        this.connectTimeout = positive(timeout, "connect timeout");
        return this;
    }

    /** How long the response's head may take once the request's head is sent (60 s by default). */
    public HttpClient responseHeadTimeout(Duration timeout) {
        this.responseHeadTimeout = positive(timeout, "response head timeout");
        return this;
    }

    /** How long a whole request may take, redirects and body included; {@link Duration#ZERO} (the default): no limit. */
    public HttpClient requestTimeout(Duration timeout) {
        this.requestTimeout = notNegative(timeout, "request timeout");
        return this;
    }

    /** How long a request's connection may be idle (nothing read, nothing written; 60 s by default); ZERO: no limit. */
    public HttpClient idleTimeout(Duration timeout) {
        this.idleTimeout = notNegative(timeout, "idle timeout");
        return this;
    }

    /** How long an unused connection stays in the pool (30 s by default); ZERO: connections are not kept. */
    public HttpClient keepAliveTimeout(Duration timeout) {
        this.keepAliveTimeout = notNegative(timeout, "keep-alive timeout");
        return this;
    }

    /** How long a request that {@link ClientRequest#expectContinue expects 100-continue} waits before sending its body anyway (1 s). */
    public HttpClient continueTimeout(Duration timeout) {
        this.continueTimeout = positive(timeout, "continue timeout");
        return this;
    }

    /** The most connections to one origin (8 by default); more requests wait for one. */
    public HttpClient maxConnectionsPerOrigin(int n) {
        if (n < 1) throw new IllegalArgumentException("maxConnectionsPerOrigin must be at least 1, got " + n);
        pool.maxPerRoute = n;
        return this;
    }

    /** The most connections in all (256 by default); idle ones of other origins are closed to make room. */
    public HttpClient maxConnections(int n) {
        if (n < 1) throw new IllegalArgumentException("maxConnections must be at least 1, got " + n);
        pool.maxTotal = n;
        return this;
    }

    /** The largest body {@link ClientRequest#send()} collects, after decoding (16 MiB); larger ones fail the request. */
    public HttpClient maxBodySize(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("maxBodySize must not be negative, got " + bytes);
        this.maxBodySize = bytes;
        return this;
    }

    /** The largest response head (64 KiB). */
    public HttpClient maxHeadSize(int bytes) {
        if (bytes < 256) throw new IllegalArgumentException("a head limit under 256 bytes would refuse ordinary responses: " + bytes);
        this.maxHeadSize = bytes;
        return this;
    }

    /** How many redirects a request follows (5 by default); 0: none, the 3xx is the response. More fail the request. */
    public HttpClient followRedirects(int max) {
        if (max < 0) throw new IllegalArgumentException("followRedirects must not be negative, got " + max);
        this.maxRedirects = max;
        return this;
    }

    /** Whether redirects from https to http are followed (not by default: the 3xx is the response). */
    public HttpClient allowRedirectsToHttp(boolean allow) {
        this.redirectsToHttp = allow;
        return this;
    }

    /**
     * Whether to ask for gzip or deflate bodies and decode them (on by default). Not done for a
     * request with an {@code Accept-Encoding} of its own: its body comes as the server sent it.
     */
    public HttpClient decompress(boolean on) {
        this.decompress = on;
        return this;
    }

    /** Sends requests through the HTTP proxy at {@code host:port} (https ones through a CONNECT tunnel). */
    public HttpClient proxy(String host, int port) {
        this.proxy = InetSocketAddress.createUnresolved(Objects.requireNonNull(host, "host"), port);
        return proxyChanged();
    }

    /** Hosts reached without the {@link #proxy proxy}, NO_PROXY style: {@code "localhost, .example.com, 10.1.2.3"}, or {@code "*"}. */
    public HttpClient noProxy(String hosts) {
        this.noProxy = hosts;
        return proxyChanged();
    }

    /** Lets {@code selector} choose the proxy for each request (its first HTTP proxy, or DIRECT); overrides {@link #proxy}. */
    public HttpClient proxySelector(ProxySelector selector) {
        this.proxySelector = selector;
        return proxyChanged();
    }

    /** Credentials for the proxy, sent as {@code Proxy-Authorization: Basic}. */
    public HttpClient proxyCredentials(String user, String password) {
        if (Objects.requireNonNull(user, "user").indexOf(':') >= 0) throw new IllegalArgumentException("a Basic user name can't contain ':'");
        this.proxyUser = user;
        this.proxyPassword = Objects.requireNonNull(password, "password");
        return proxyChanged();
    }

    /** The TLS context of https requests (by default {@link Tls#clientContext()}: the JDK's certificate authorities). */
    public HttpClient tls(SSLContext context) {
        return tls(TlsConfig.of(Objects.requireNonNull(context, "context (Tls.clientContext(trustedCertificates), say)")));
    }

    /**
     * How https requests speak TLS: the context, protocols, handshake timeout, parameters, and
     * whether host names are verified ({@link TlsConfig#verifyHostname}; only ever off in tests).
     * The server name (SNI, and the name checked) is each request's host, and ALPN offers
     * {@code http/1.1}: whatever the configuration says of those is replaced.
     */
    public HttpClient tls(TlsConfig config) {
        this.tls = Objects.requireNonNull(config, "config");
        return this;
    }

    /** The TLS of a connection to {@code route}'s origin (made when the first https connection is). */
    TlsConfig tlsFor(Route route) {
        if (tls == null) tls = TlsConfig.of(Tls.clientContext());
        String host = route.host();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1); // an IPv6 literal
        return tls.serverName(host).alpn("http/1.1");
    }

    private HttpClient proxyChanged() {
        proxyChoice = new ProxyChoice(proxySelector, proxy, noProxy, proxyUser, proxyPassword);
        return this;
    }

    ProxyChoice proxyChoice() { return proxyChoice; }

    // ---------------------------------------------------------------- state

    /** Connections open (connecting, busy or idle). Loop thread, or before the loop runs. */
    public int openConnections() { return pool.total(); }

    /** Connections idle in the pool. Loop thread, or before the loop runs. */
    public int idleConnections() { return pool.idle(); }

    /** Requests waiting for a connection (the limits are reached). Loop thread, or before the loop runs. */
    public int waitingRequests() { return pool.waiting(); }

    /** Connections made so far. */
    public long connectionsMade() { return pool.made; }

    /**
     * Closes every connection; requests still on their way fail, and new ones are refused.
     * Safe from any thread.
     */
    @Override
    public void close() {
        closed = true;
        if (engine.inLoopThread()) pool.closeAll();
        else if (!engine.isClosed()) engine.execute(pool::closeAll);
    }

    boolean isClosed() { return closed; }

    /**
     * Runs {@code task} on the loop thread: now if this is it, else handed to it (also before the
     * loop runs: it runs when the loop starts).
     */
    void onLoop(Runnable task) {
        if (engine.inLoopThread()) task.run();
        else engine.execute(task);
    }

    private static Duration positive(Duration d, String what) {
        if (Objects.requireNonNull(d, what).isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive, got " + d);
        return d;
    }

    private static Duration notNegative(Duration d, String what) {
        if (Objects.requireNonNull(d, what).isNegative()) throw new IllegalArgumentException(what + " must not be negative (ZERO: off), got " + d);
        return d;
    }

    @Override
    public String toString() {
        return "HttpClient[" + engine + "]";
    }
}
