// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

/**
 * What a server under test is asked to do. Each workload names the protocol the server speaks
 * ({@link #protocol}), how the load is made, and the server every other is compared with
 * ({@link #baseline()}).
 */
enum Workload {
    /** 64-byte ping-pong on 100 connections, from the built-in closed-loop client. */
    ECHO_100("echo-100", Protocol.ECHO, 100, 0),
    /** The same on 1000 connections. */
    ECHO_1000("echo-1000", Protocol.ECHO, 1000, 0),
    /** The talk's fake HTTP under wrk, keep-alive, 100 connections. */
    FAKE_HTTP("fake-http", Protocol.FAKE_HTTP, 100, 0),
    /** 10,000 idle connections held open while 100 more ping-pong; memory per connection measured. */
    MANY_CONNECTIONS("many-connections", Protocol.ECHO, 100, 10_000),
    /** A real HTTP server's hello world under wrk, keep-alive, 100 connections. */
    HTTP_HELLO_100("http-hello-100", Protocol.HTTP_HELLO, 100, 0),
    /** The same on 1000 connections. */
    HTTP_HELLO_1000("http-hello-1000", Protocol.HTTP_HELLO, 1000, 0),
    /** The hello world written against the JDK's HttpServer API, on Pants' provider and on the JDK's server; wrk, 100 connections. */
    JDK_API_HELLO_100("jdk-api-hello-100", Protocol.JDK_API_HELLO, 100, 0),
    /** HTTP clients (Pants', the JDK's, Netty's) against Pants' http-hello, 100 requests in flight: the clients are measured. */
    HTTP_CLIENT_100("http-client-100", Protocol.HTTP_CLIENT, 100, 0),
    /** The echo ping-pong over TLS on 100 connections, each handshaken once when opened. */
    TLS_ECHO_100("tls-echo-100", Protocol.TLS_ECHO, 100, 0),
    /** The HTTP hello world over HTTPS under wrk, keep-alive, 100 connections. */
    HTTPS_HELLO_100("https-hello-100", Protocol.HTTPS_HELLO, 100, 0),
    /** HTTPS hello with a new connection, and so a full handshake, for every request: handshakes per second. */
    HTTPS_HANDSHAKES("https-handshakes", Protocol.HTTPS_HELLO, 100, 0, true),
    /** 64-byte WebSocket messages echoed on 100 connections, from the built-in closed-loop client. */
    WS_ECHO_100("ws-echo-100", Protocol.WS_ECHO, 100, 0);

    /** What the server answers. */
    enum Protocol {
        /** Every byte back. */
        ECHO,
        /** The same prefabricated response to every request, found by its blank line. */
        FAKE_HTTP,
        /** {@code Hello, World!} from each server's own HTTP implementation. */
        HTTP_HELLO,
        /** {@code Hello, World!} from {@link JdkApiHello}, on whichever provider the JVM picks. */
        JDK_API_HELLO,
        /** Pants' http-hello answering the {@link ClientKind clients} under test. */
        HTTP_CLIENT,
        /** Every byte back, over TLS (the JDK's provider on every server). */
        TLS_ECHO,
        /** {@code Hello, World!} from each server's own HTTP implementation, over TLS. */
        HTTPS_HELLO,
        /** Every WebSocket message back, from each server's own WebSocket implementation. */
        WS_ECHO;

        /** Whether the load is wrk's (HTTP) rather than the built-in echo clients' or the clients' own. */
        boolean usesWrk() { return this != ECHO && this != HTTP_CLIENT && this != TLS_ECHO && this != WS_ECHO; }

        /** Whether the server speaks TLS. */
        boolean isTls() { return this == TLS_ECHO || this == HTTPS_HELLO; }
    }

    final String id;
    final Protocol protocol;
    /** Connections carrying load. */
    final int activeConnections;
    /** Connections opened before the load and left idle. */
    final int idleConnections;
    /** Whether the client opens a new connection for every request (wrk with {@code Connection: close}). */
    final boolean connectionPerRequest;

    Workload(String id, Protocol protocol, int activeConnections, int idleConnections) {
        this(id, protocol, activeConnections, idleConnections, false);
    }

    Workload(String id, Protocol protocol, int activeConnections, int idleConnections, boolean connectionPerRequest) {
        this.id = id;
        this.protocol = protocol;
        this.activeConnections = activeConnections;
        this.idleConnections = idleConnections;
        this.connectionPerRequest = connectionPerRequest;
    }

    /** What the throughput counts. */
    String unit() { return protocol == Protocol.ECHO || protocol == Protocol.TLS_ECHO || protocol == Protocol.WS_ECHO ? "messages/s" : "requests/s"; }

    /**
     * What the report's ratios divide by: Netty epoll, the best peer; for the JDK-API
     * application, which Netty does not run, the JDK's own server, the one Pants' provider
     * replaces; for the clients, Netty's client codec on epoll.
     */
    Contender baseline() {
        return switch (protocol) {
            case JDK_API_HELLO -> ServerKind.JDK_HTTP;
            case HTTP_CLIENT -> ClientKind.NETTY_EPOLL;
            default -> ServerKind.NETTY_EPOLL;
        };
    }

    /** Whether the rows are clients (against a fixed server) rather than servers. */
    boolean measuresClients() { return protocol == Protocol.HTTP_CLIENT; }

    static Workload byId(String id) {
        for (Workload w : values()) if (w.id.equals(id)) return w;
        throw new IllegalArgumentException("unknown workload '" + id + "'");
    }
}
