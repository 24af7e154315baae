// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.LoopThread;
import io.pants.http.HttpHandler;
import io.pants.http.HttpServer;

import java.util.function.Consumer;

/** Our own {@link HttpServer} on loopback, on an engine of its own: the first server the client is tested against. */
final class PantsServer implements AutoCloseable {
    final LoopThread loop;
    final HttpServer server;
    final int port;

    PantsServer(String backend, HttpHandler handler) throws Exception {
        this(backend, handler, s -> { });
    }

    PantsServer(String backend, HttpHandler handler, Consumer<HttpServer> settings) throws Exception {
        loop = new LoopThread(backend);
        try {
            server = loop.call(() -> {
                HttpServer s = new HttpServer(loop.engine, handler);
                settings.accept(s);
                return s.listen("127.0.0.1", 0);
            });
            port = loop.call(server::port);
        } catch (Exception | AssertionError e) {
            loop.close();
            throw e;
        }
    }

    String url(String path) { return "http://127.0.0.1:" + port + path; }

    @Override
    public void close() throws Exception {
        loop.close();
    }
}
