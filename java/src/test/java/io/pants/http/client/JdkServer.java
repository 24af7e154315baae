// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK's own {@code com.sun.net.httpserver} server (its built-in provider, not ours), as an
 * HTTP implementation independent of Pants.
 */
final class JdkServer implements AutoCloseable {
    /** A handler that may throw, closing the exchange after. */
    interface Handler {
        void handle(HttpExchange x) throws IOException;
    }

    final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    JdkServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        assertTrue(server.getClass().getName().startsWith("sun.net.httpserver."),
                "the JDK's own server, not a provider on the class path: " + server.getClass().getName());
        server.setExecutor(pool);
        server.start();
    }

    JdkServer route(String path, Handler handler) {
        HttpHandler h = x -> {
            try (x) {
                handler.handle(x);
            }
        };
        server.createContext(path, h);
        return this;
    }

    String url(String path) { return "http://127.0.0.1:" + server.getAddress().getPort() + path; }

    int port() { return server.getAddress().getPort(); }

    static void send(HttpExchange x, int status, byte[] body) throws IOException {
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) x.getResponseBody().write(body);
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        pool.shutdownNow();
        pool.awaitTermination(io.pants.LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
