package io.pants.benchmarks;

import java.util.List;

/**
 * The servers under test, each run in a process of its own by {@link ServerMain}. Pants runs once
 * per backend; Netty 4.2 on its native epoll transport and on NIO, each with one event-loop
 * thread doing accepts and I/O; the JDK's {@code com.sun.net.httpserver.HttpServer} for the
 * HTTP-shaped workloads, with its dispatcher thread doing all the work.
 */
enum ServerKind {
    PANTS_EPOLL("pants-epoll", "Pants epoll (shim)"),
    PANTS_EPOLL_LIBC("pants-epoll-libc", "Pants epoll (libc)"),
    /** On Linux only on a userspace kqueue named by -Dpants.kqueue.library (PANTS_KQUEUE_LIBRARY). */
    PANTS_KQUEUE("pants-kqueue", "Pants kqueue"),
    PANTS_NIO("pants-nio", "Pants NIO"),
    NETTY_EPOLL("netty-epoll", "Netty epoll"),
    NETTY_NIO("netty-nio", "Netty NIO"),
    JDK_HTTP("jdk-http", "JDK HttpServer");

    final String id;
    final String label;

    ServerKind(String id, String label) {
        this.id = id;
        this.label = label;
    }

    /** The Pants poller this server runs on, or null when it is not Pants. */
    String pantsPoller() {
        return id.startsWith("pants-") ? id.substring("pants-".length()) : null;
    }

    boolean speaks(Workload.Protocol protocol) {
        return switch (protocol) {
            case ECHO -> this != JDK_HTTP;
            case FAKE_HTTP -> true;
            case HTTP_HELLO -> false; // extension point: the HTTP module's servers go here
        };
    }

    /** The baseline of every ratio in the report. */
    static final ServerKind BASELINE = NETTY_EPOLL;

    static ServerKind byId(String id) {
        for (ServerKind k : values()) if (k.id.equals(id)) return k;
        throw new IllegalArgumentException("unknown server '" + id + "'; known: " + List.of(values()));
    }

    @Override
    public String toString() { return id; }
}
