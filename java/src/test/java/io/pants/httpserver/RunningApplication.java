// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/** {@link JdkApiApplication} on a Pants provider with the given backend, on a loopback port; stopped on close. */
final class RunningApplication implements AutoCloseable {
    final HttpServer server;
    final JdkApiApplication app;
    private final ExecutorService executor;

    private RunningApplication(HttpServer server, JdkApiApplication app, ExecutorService executor) {
        this.server = server;
        this.app = app;
        this.executor = executor;
    }

    /** Without an executor: handlers run on the loop thread (bodies over 10 MB: on the server's large-body thread). */
    static RunningApplication start(String backend) throws IOException {
        return start(backend, null);
    }

    static RunningApplication start(String backend, ExecutorService executor) throws IOException {
        return start(backend, executor, executor);
    }

    /** With {@code handlers} as the server's executor; {@code owned} (may be null) is shut down on close. */
    static RunningApplication start(String backend, ExecutorService owned, Executor handlers) throws IOException {
        HttpServer server = new PantsHttpServerProvider(backend)
                .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        JdkApiApplication app = JdkApiApplication.install(server);
        if (handlers != null) server.setExecutor(handlers);
        server.start();
        return new RunningApplication(server, app, owned);
    }

    int port() { return server.getAddress().getPort(); }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    @Override
    public void close() {
        app.release.countDown(); // a handler still waiting must not hold up the stop
        server.stop(0);
        if (executor != null) executor.shutdownNow();
    }
}
