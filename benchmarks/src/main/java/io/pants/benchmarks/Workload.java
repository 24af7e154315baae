package io.pants.benchmarks;

/**
 * What a server under test is asked to do. Each workload names the protocol the server speaks
 * ({@link #protocol}) and how the load is made.
 *
 * <p>Extension point: the HTTP hello-world workloads (Pants' HTTP server; the JDK
 * {@code HttpServer} API on Pants' provider versus on the JDK's own server) arrive with the HTTP
 * module. Each becomes one constant here with protocol {@link Protocol#HTTP_HELLO}, run by
 * {@link LoadRunner} through wrk like {@link #FAKE_HTTP}, plus the servers that speak it in
 * {@link ServerKind} and {@link ServerMain}.
 */
enum Workload {
    /** 64-byte ping-pong on 100 connections, from the built-in closed-loop client. */
    ECHO_100("echo-100", Protocol.ECHO, 100, 0),
    /** The same on 1000 connections. */
    ECHO_1000("echo-1000", Protocol.ECHO, 1000, 0),
    /** The talk's fake HTTP under wrk, keep-alive, 100 connections. */
    FAKE_HTTP("fake-http", Protocol.FAKE_HTTP, 100, 0),
    /** 10,000 idle connections held open while 100 more ping-pong; memory per connection measured. */
    MANY_CONNECTIONS("many-connections", Protocol.ECHO, 100, 10_000);

    /** What the server answers. */
    enum Protocol { ECHO, FAKE_HTTP, HTTP_HELLO }

    final String id;
    final Protocol protocol;
    /** Connections carrying load. */
    final int activeConnections;
    /** Connections opened before the load and left idle. */
    final int idleConnections;

    Workload(String id, Protocol protocol, int activeConnections, int idleConnections) {
        this.id = id;
        this.protocol = protocol;
        this.activeConnections = activeConnections;
        this.idleConnections = idleConnections;
    }

    /** What the throughput counts. */
    String unit() { return protocol == Protocol.ECHO ? "messages/s" : "requests/s"; }

    static Workload byId(String id) {
        for (Workload w : values()) if (w.id.equals(id)) return w;
        throw new IllegalArgumentException("unknown workload '" + id + "'");
    }
}
