// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.util.List;

/**
 * The servers under test, each run in a process of its own by {@link ServerMain}. Pants runs once
 * per backend; Netty 4.2 on its native epoll transport and on NIO, each with one event-loop
 * thread doing accepts and I/O; the JDK's {@code com.sun.net.httpserver.HttpServer} for the
 * HTTP-shaped workloads, with its dispatcher thread doing all the work; and the hello world
 * written against the JDK's {@code HttpServer} API ({@link JdkApiHello}) run on Pants' provider,
 * once per backend, selected by system properties on the server's command line
 * ({@link #jvmProperties()}), the way a user would.
 */
enum ServerKind implements Contender {
    PANTS_EPOLL("pants-epoll", "Pants epoll (shim)", "epoll"),
    PANTS_EPOLL_LIBC("pants-epoll-libc", "Pants epoll (libc)", "epoll-libc"),
    /** On Linux only on a userspace kqueue named by -Dpants.kqueue.library (PANTS_KQUEUE_LIBRARY). */
    PANTS_KQUEUE("pants-kqueue", "Pants kqueue", "kqueue"),
    PANTS_NIO("pants-nio", "Pants NIO", "nio"),
    /** Chosen by name only (not in the automatic order): measured here to see where it stands. */
    PANTS_IO_URING("pants-io_uring", "Pants io_uring", "io_uring"),
    NETTY_EPOLL("netty-epoll", "Netty epoll", null),
    NETTY_NIO("netty-nio", "Netty NIO", null),
    /** Netty 4.2's io_uring transport, one event-loop thread. */
    NETTY_IO_URING("netty-io_uring", "Netty io_uring", null),
    /**
     * Netty epoll with its SslHandler on OpenSSL (BoringSSL, netty-tcnative-boringssl-static): the
     * native reference for the TLS workloads, which Pants on the JDK's SSLEngine is measured against.
     */
    NETTY_EPOLL_OPENSSL("netty-epoll-openssl", "Netty epoll + OpenSSL", null),
    /** The JDK's own server: the fake-HTTP responder, or the {@link JdkApiHello} application. */
    JDK_HTTP("jdk-http", "JDK HttpServer", null),
    /** {@link JdkApiHello} on {@code io.pants.httpserver.PantsHttpServerProvider}, each backend. */
    JDK_API_PANTS_EPOLL("jdk-api-pants-epoll", "JDK API on Pants epoll (shim)", "epoll"),
    JDK_API_PANTS_EPOLL_LIBC("jdk-api-pants-epoll-libc", "JDK API on Pants epoll (libc)", "epoll-libc"),
    JDK_API_PANTS_KQUEUE("jdk-api-pants-kqueue", "JDK API on Pants kqueue", "kqueue"),
    JDK_API_PANTS_NIO("jdk-api-pants-nio", "JDK API on Pants NIO", "nio"),
    JDK_API_PANTS_IO_URING("jdk-api-pants-io_uring", "JDK API on Pants io_uring", "io_uring");

    /** The provider the JDK's {@code HttpServer.create} uses when this system property names one. */
    static final String PROVIDER_PROPERTY = "com.sun.net.httpserver.HttpServerProvider";
    static final String PANTS_PROVIDER = "io.pants.httpserver.PantsHttpServerProvider";
    /** The JDK's own provider, named explicitly so that no service file on the class path can replace it. */
    static final String JDK_PROVIDER = "sun.net.httpserver.DefaultHttpServerProvider";

    final String id;
    final String label;
    private final String pantsPoller;

    ServerKind(String id, String label, String pantsPoller) {
        this.id = id;
        this.label = label;
        this.pantsPoller = pantsPoller;
    }

    @Override public String id() { return id; }

    @Override public String label() { return label; }

    @Override public String pantsPoller() { return pantsPoller; }

    @Override public boolean onNettyEpoll() { return this == NETTY_EPOLL || this == NETTY_EPOLL_OPENSSL; }

    @Override public boolean onNettyIoUring() { return this == NETTY_IO_URING; }

    /** The Netty transport this server runs on, or null when it is not Netty. */
    NettyServers.Transport nettyTransport() {
        return switch (this) {
            case NETTY_EPOLL, NETTY_EPOLL_OPENSSL -> NettyServers.Transport.EPOLL;
            case NETTY_NIO -> NettyServers.Transport.NIO;
            case NETTY_IO_URING -> NettyServers.Transport.IO_URING;
            default -> null;
        };
    }

    /** Whether this is the JDK-API application on Pants' provider. */
    boolean onPantsProvider() {
        return id.startsWith("jdk-api-pants-");
    }

    boolean speaks(Workload.Protocol protocol) {
        return switch (protocol) {
            case ECHO, HTTP_HELLO, WS_ECHO -> pantsPoller != null && !onPantsProvider() || this == NETTY_EPOLL || this == NETTY_NIO
                    || this == NETTY_IO_URING;
            case TLS_ECHO, HTTPS_HELLO -> pantsPoller != null && !onPantsProvider() || this == NETTY_EPOLL || this == NETTY_NIO
                    || this == NETTY_IO_URING || this == NETTY_EPOLL_OPENSSL;
            case FAKE_HTTP -> !onPantsProvider() && this != NETTY_EPOLL_OPENSSL;
            case JDK_API_HELLO -> onPantsProvider() || this == JDK_HTTP;
            case HTTP_CLIENT -> false; // the clients are measured, against Pants' http-hello (LoadRunner)
        };
    }

    /**
     * The {@code -D} options of this server's JVM for the given protocol: for the JDK-API
     * application, the provider (Pants' with its poller, or the JDK's own with
     * {@code TCP_NODELAY}, see {@link JdkHttpServers}); nothing for the others.
     */
    List<String> jvmProperties(Workload.Protocol protocol) {
        if (protocol != Workload.Protocol.JDK_API_HELLO) return List.of();
        if (onPantsProvider()) return List.of("-D" + PROVIDER_PROPERTY + "=" + PANTS_PROVIDER, "-Dpants.poller=" + pantsPoller);
        return List.of("-D" + PROVIDER_PROPERTY + "=" + JDK_PROVIDER, "-Dsun.net.httpserver.nodelay=true");
    }

    static ServerKind byId(String id) {
        for (ServerKind k : values()) if (k.id.equals(id)) return k;
        throw new IllegalArgumentException("unknown server '" + id + "'; known: " + List.of(values()));
    }

    @Override
    public String toString() { return id; }
}
