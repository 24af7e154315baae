// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.pants.TlsConfig;

import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A {@code com.sun.net.httpserver.HttpsServer} on Pants: a {@link PantsHttpServer} (which does
 * all the work; the JDK's API is two abstract classes, so this one wraps it) whose connections
 * speak TLS as the {@link HttpsConfigurator} says. As on the JDK's server, the configurator's
 * {@code configure} is called for each connection, with the client's address, and what it sets
 * on the {@link HttpsParameters} (the whole {@code SSLParameters}, or cipher suites, protocols
 * and client authentication one by one) applies to that connection. Handlers get an
 * {@code HttpsExchange}. Set the configurator before {@code start()}.
 */
final class PantsHttpsServer extends HttpsServer {
    private final PantsHttpServer server;
    private volatile HttpsConfigurator configurator;

    PantsHttpsServer(PantsHttpServer server) {
        this.server = server;
        server.facade(this);
    }

    @Override
    public void setHttpsConfigurator(HttpsConfigurator configurator) {
        Objects.requireNonNull(configurator, "configurator");
        this.configurator = configurator;
        server.tls(TlsConfig.of(configurator.getSSLContext())
                .parameters((peer, parameters) -> configure(configurator, peer, parameters)));
    }

    @Override
    public HttpsConfigurator getHttpsConfigurator() { return configurator; }

    /** Lets the configurator choose for the connection from {@code peer}, into the engine's {@code parameters}. */
    private void configure(HttpsConfigurator configurator, SocketAddress peer, SSLParameters parameters) {
        Parameters p = new Parameters(configurator, peer instanceof InetSocketAddress isa ? isa : null);
        configurator.configure(p);
        if (p.chosen != null) {
            copy(p.chosen, parameters);
            return;
        }
        if (p.getCipherSuites() != null) parameters.setCipherSuites(p.getCipherSuites());
        if (p.getProtocols() != null) parameters.setProtocols(p.getProtocols());
        if (p.getNeedClientAuth()) parameters.setNeedClientAuth(true);
        else if (p.getWantClientAuth()) parameters.setWantClientAuth(true);
    }

    private static void copy(SSLParameters from, SSLParameters to) {
        if (from.getCipherSuites() != null) to.setCipherSuites(from.getCipherSuites());
        if (from.getProtocols() != null) to.setProtocols(from.getProtocols());
        if (from.getNeedClientAuth()) to.setNeedClientAuth(true);
        else if (from.getWantClientAuth()) to.setWantClientAuth(true);
        else to.setWantClientAuth(false);
        to.setApplicationProtocols(from.getApplicationProtocols());
        if (from.getAlgorithmConstraints() != null) to.setAlgorithmConstraints(from.getAlgorithmConstraints());
        if (from.getSNIMatchers() != null) to.setSNIMatchers(from.getSNIMatchers());
        to.setUseCipherSuitesOrder(from.getUseCipherSuitesOrder());
        to.setMaximumPacketSize(from.getMaximumPacketSize());
    }

    /** The per-connection parameters the configurator fills in. */
    private static final class Parameters extends HttpsParameters {
        private final HttpsConfigurator configurator;
        private final InetSocketAddress client;
        SSLParameters chosen;

        Parameters(HttpsConfigurator configurator, InetSocketAddress client) {
            this.configurator = configurator;
            this.client = client;
        }

        @Override public HttpsConfigurator getHttpsConfigurator() { return configurator; }
        @Override public InetSocketAddress getClientAddress() { return client; }
        @Override public void setSSLParameters(SSLParameters params) { this.chosen = params; }
    }

    @Override
    public void start() {
        if (configurator == null) {
            throw new IllegalStateException("start(): an HttpsServer needs its HttpsConfigurator first:"
                    + " server.setHttpsConfigurator(new HttpsConfigurator(sslContext))");
        }
        server.start();
    }

    @Override public void bind(InetSocketAddress addr, int backlog) throws IOException { server.bind(addr, backlog); }
    @Override public void setExecutor(Executor executor) { server.setExecutor(executor); }
    @Override public Executor getExecutor() { return server.getExecutor(); }
    @Override public void stop(int delay) { server.stop(delay); }
    @Override public HttpContext createContext(String path, HttpHandler handler) { return server.createContext(path, handler); }
    @Override public HttpContext createContext(String path) { return server.createContext(path); }
    @Override public void removeContext(String path) { server.removeContext(path); }
    @Override public void removeContext(HttpContext context) { server.removeContext(context); }
    @Override public InetSocketAddress getAddress() { return server.getAddress(); }

    PantsHttpServer server() { return server; }

    @Override
    public String toString() {
        return "PantsHttpsServer[" + server + "]";
    }
}
