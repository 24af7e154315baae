// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.LoopThread;
import io.pants.http.HttpServer;
import io.pants.web.Application;

import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A web application on loopback serving WebSockets at {@code /ws} (made by the factory given),
 * on an engine running in a {@link LoopThread}; the sockets it makes are handed to the test
 * in {@link #accepted}.
 */
final class WsServer implements AutoCloseable {
    final LoopThread loop;
    final HttpServer server;
    final int port;
    final BlockingQueue<WebSocket> accepted = new LinkedBlockingQueue<>();

    WsServer(String backend, Supplier<? extends WebSocket> factory) throws Exception {
        this(backend, factory, app -> { });
    }

    WsServer(String backend, Supplier<? extends WebSocket> factory, Consumer<Application> more) throws Exception {
        loop = new LoopThread(backend);
        try {
            server = loop.call(() -> {
                Application app = new Application();
                app.websocket("/ws", () -> {
                    WebSocket s = factory.get();
                    accepted.add(s);
                    return s;
                });
                more.accept(app);
                return new HttpServer(loop.engine, app).listen("127.0.0.1", 0);
            });
            port = loop.call(server::port);
        } catch (Exception | AssertionError e) {
            loop.close();
            throw e;
        }
    }

    URI uri(String path) { return URI.create("ws://127.0.0.1:" + port + path); }

    /** The server side of the next connection. */
    @SuppressWarnings("unchecked")
    <T extends WebSocket> T next() throws InterruptedException {
        WebSocket s = accepted.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (s == null) throw new AssertionError("no WebSocket was accepted within " + LoopThread.WAIT);
        return (T) s;
    }

    @Override
    public void close() throws Exception {
        loop.close();
    }
}
