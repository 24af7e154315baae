// SPDX-License-Identifier: Apache-2.0
package io.pants;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.net.SocketAddress;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * How a {@link Stream} or {@link Server} speaks TLS: an {@link SSLContext} and the choices
 * beside it. Immutable: every setter returns a new configuration, so one may be shared by many
 * servers and streams.
 *
 * <pre>{@code
 * TlsConfig tls = TlsConfig.of(Tls.serverContext(cert, key))
 *         .alpn("h2", "http/1.1")                       // offered, in order of preference
 *         .serverName("api.example.org", apiContext)    // SNI: another certificate for this name
 *         .clientAuth(TlsConfig.ClientAuth.WANT)
 *         .handshakeTimeout(Duration.ofSeconds(5));
 * new Server(Api::new).tls(tls).listen(443);
 * }</pre>
 *
 * A client checks the server's certificate against its context's trust (the JDK's
 * {@code cacerts} for {@link Tls#clientContext()}) and the host name it connected to, and sends
 * that name for SNI; {@link #serverName(String)} names another, {@link #verifyHostname(boolean)}
 * turns the name check off (for tests against a certificate without the right name; never for
 * the internet).
 *
 * @since 0.1
 */
public final class TlsConfig {
    /** The default {@link #handshakeTimeout(Duration)}. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** Whether a server asks clients for certificates. */
    public enum ClientAuth {
        /** It doesn't (the default). */
        NONE,
        /** It asks; a client without one is still served ({@link Stream#tlsSession()} shows which). */
        WANT,
        /** It requires one: a client without a trusted certificate fails the handshake. */
        NEED
    }

    private final SSLContext context;
    private final Map<String, SSLContext> byServerName;
    private final String[] applicationProtocols;
    private final String[] protocols;
    private final ClientAuth clientAuth;
    private final String serverName;
    private final boolean verifyHostname;
    private final Duration handshakeTimeout;
    private final BiConsumer<SocketAddress, SSLParameters> parameters;

    private TlsConfig(SSLContext context, Map<String, SSLContext> byServerName, String[] applicationProtocols, String[] protocols,
                      ClientAuth clientAuth, String serverName, boolean verifyHostname, Duration handshakeTimeout,
                      BiConsumer<SocketAddress, SSLParameters> parameters) {
        this.context = context;
        this.byServerName = byServerName;
        this.applicationProtocols = applicationProtocols;
        this.protocols = protocols;
        this.clientAuth = clientAuth;
        this.serverName = serverName;
        this.verifyHostname = verifyHostname;
        this.handshakeTimeout = handshakeTimeout;
        this.parameters = parameters;
    }

    /** TLS with {@code context} and the defaults: TLS 1.3 and 1.2 as the JDK allows, no ALPN, 10 s to handshake. */
    public static TlsConfig of(SSLContext context) {
        return new TlsConfig(Objects.requireNonNull(context, "context (Tls.serverContext(...) or Tls.clientContext())"),
                Map.of(), null, null, ClientAuth.NONE, null, true, DEFAULT_HANDSHAKE_TIMEOUT, null);
    }

    /**
     * ALPN: the application protocols offered (a client) or accepted (a server), most preferred
     * first, e.g. {@code "h2", "http/1.1"}. A server picks the first of its own that the client
     * offers, and fails the handshake when there is none in common; the choice is
     * {@link Stream#applicationProtocol()}.
     */
    public TlsConfig alpn(String... protocols) {
        for (String p : protocols) Objects.requireNonNull(p, "an ALPN protocol name");
        return new TlsConfig(context, byServerName, protocols.length == 0 ? null : protocols.clone(), this.protocols, clientAuth,
                serverName, verifyHostname, handshakeTimeout, parameters);
    }

    /** The TLS versions allowed, e.g. {@code "TLSv1.3"} alone (by default the context's: 1.3 and 1.2). */
    public TlsConfig protocols(String... versions) {
        if (versions.length == 0) throw new IllegalArgumentException("name at least one TLS version, e.g. \"TLSv1.3\"");
        return new TlsConfig(context, byServerName, applicationProtocols, versions.clone(), clientAuth, serverName, verifyHostname,
                handshakeTimeout, parameters);
    }

    /** Servers: whether to ask for client certificates, checked against the context's trust. */
    public TlsConfig clientAuth(ClientAuth auth) {
        return new TlsConfig(context, byServerName, applicationProtocols, protocols, Objects.requireNonNull(auth), serverName,
                verifyHostname, handshakeTimeout, parameters);
    }

    /** Servers: SNI. A client asking for {@code hostName} is served with {@code context} (its certificate); others with the default one. */
    public TlsConfig serverName(String hostName, SSLContext context) {
        Map<String, SSLContext> names = new LinkedHashMap<>(byServerName);
        names.put(normalize(hostName), Objects.requireNonNull(context));
        return new TlsConfig(this.context, Map.copyOf(names), applicationProtocols, protocols, clientAuth, serverName, verifyHostname,
                handshakeTimeout, parameters);
    }

    /** Clients: the name sent for SNI and checked in the certificate, instead of the host connected to. */
    public TlsConfig serverName(String hostName) {
        return new TlsConfig(context, byServerName, applicationProtocols, protocols, clientAuth, Objects.requireNonNull(hostName),
                verifyHostname, handshakeTimeout, parameters);
    }

    /** Clients: whether the certificate must name the server (on by default; turn off only for tests). */
    public TlsConfig verifyHostname(boolean on) {
        return new TlsConfig(context, byServerName, applicationProtocols, protocols, clientAuth, serverName, on, handshakeTimeout,
                parameters);
    }

    /** How long a handshake may take before the stream is closed (10 s by default); counted from the TCP connection. */
    public TlsConfig handshakeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("a handshake timeout must be positive, got " + timeout);
        return new TlsConfig(context, byServerName, applicationProtocols, protocols, clientAuth, serverName, verifyHostname, timeout,
                parameters);
    }

    /**
     * Anything else {@link SSLParameters} can say (cipher suites, named groups, ...): called for
     * every engine after the settings above are applied, with the engine's parameters.
     */
    public TlsConfig parameters(Consumer<SSLParameters> customizer) {
        Objects.requireNonNull(customizer, "customizer");
        return parameters((peer, p) -> customizer.accept(p));
    }

    /**
     * As {@link #parameters(Consumer)}, also given the peer's address (for choices per client,
     * as {@code HttpsConfigurator.configure} makes them).
     */
    public TlsConfig parameters(BiConsumer<SocketAddress, SSLParameters> customizer) {
        Objects.requireNonNull(customizer, "customizer");
        BiConsumer<SocketAddress, SSLParameters> before = parameters;
        BiConsumer<SocketAddress, SSLParameters> all = before == null ? customizer : before.andThen(customizer);
        return new TlsConfig(context, byServerName, applicationProtocols, protocols, clientAuth, serverName, verifyHostname,
                handshakeTimeout, all);
    }

    public SSLContext context() { return context; }

    public Duration handshakeTimeout() { return handshakeTimeout; }

    /** Whether a server must read the client's SNI before it can choose its context. */
    boolean choosesByServerName() { return !byServerName.isEmpty(); }

    /** The context for a server name from the ClientHello (null: none sent). */
    SSLContext contextFor(String requestedName) {
        if (requestedName == null) return context;
        return byServerName.getOrDefault(normalize(requestedName), context);
    }

    /** A server's engine for a connection from {@code peer}. */
    SSLEngine serverEngine(SSLContext chosen, SocketAddress peer) {
        SSLEngine engine = chosen.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters p = engine.getSSLParameters();
        switch (clientAuth) {
            case NEED -> p.setNeedClientAuth(true);
            case WANT -> p.setWantClientAuth(true);
            default -> { }
        }
        return configure(engine, p, peer);
    }

    /** A client's engine for a connection to {@code host} (a name or an address literal). */
    SSLEngine clientEngine(String host, int port) {
        String name = serverName != null ? serverName : host;
        SSLEngine engine = name == null ? context.createSSLEngine() : context.createSSLEngine(name, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        // the JDK sends SNI for the peer host given above when it is a name, not an address
        if (verifyHostname) p.setEndpointIdentificationAlgorithm("HTTPS");
        return configure(engine, p, host == null ? null : java.net.InetSocketAddress.createUnresolved(host, Math.max(port, 0)));
    }

    private SSLEngine configure(SSLEngine engine, SSLParameters p, SocketAddress peer) {
        if (applicationProtocols != null) p.setApplicationProtocols(applicationProtocols);
        if (protocols != null) p.setProtocols(protocols);
        if (parameters != null) parameters.accept(peer, p);
        engine.setSSLParameters(p);
        return engine;
    }

    private static String normalize(String hostName) {
        String h = Objects.requireNonNull(hostName, "host name").toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    @Override
    public String toString() {
        return "TlsConfig[" + context.getProtocol() + (applicationProtocols == null ? "" : ", alpn " + Arrays.toString(applicationProtocols))
                + (byServerName.isEmpty() ? "" : ", sni " + byServerName.keySet()) + ", client auth " + clientAuth + "]";
    }
}
