// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.util.List;

/**
 * The HTTP clients under test in the {@code http-client-100} workload, each in a process of its
 * own ({@link ClientMain}) against the same Pants http-hello server: Pants' {@code HttpClient}
 * on each backend, the JDK's {@code java.net.http.HttpClient}, and Netty's
 * {@code HttpClientCodec} on one event-loop thread (epoll, and NIO).
 */
enum ClientKind implements Contender {
    PANTS_EPOLL("pants-client-epoll", "Pants HttpClient epoll (shim)", "epoll"),
    PANTS_EPOLL_LIBC("pants-client-epoll-libc", "Pants HttpClient epoll (libc)", "epoll-libc"),
    PANTS_KQUEUE("pants-client-kqueue", "Pants HttpClient kqueue", "kqueue"),
    PANTS_NIO("pants-client-nio", "Pants HttpClient NIO", "nio"),
    PANTS_IO_URING("pants-client-io_uring", "Pants HttpClient io_uring", "io_uring"),
    JDK("jdk-client", "JDK HttpClient", null),
    NETTY_EPOLL("netty-client-epoll", "Netty HttpClientCodec epoll", null),
    NETTY_NIO("netty-client-nio", "Netty HttpClientCodec NIO", null);

    final String id;
    final String label;
    /** The Pants poller, or null when it is not Pants. */
    final String pantsPoller;

    ClientKind(String id, String label, String pantsPoller) {
        this.id = id;
        this.label = label;
        this.pantsPoller = pantsPoller;
    }

    @Override public String id() { return id; }

    @Override public String label() { return label; }

    @Override public String pantsPoller() { return pantsPoller; }

    @Override public boolean onNettyEpoll() { return this == NETTY_EPOLL; }

    static ClientKind byId(String id) {
        for (ClientKind k : values()) if (k.id.equals(id)) return k;
        throw new IllegalArgumentException("unknown client '" + id + "'; known: " + List.of(values()));
    }

    @Override
    public String toString() { return id; }
}
