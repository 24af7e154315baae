// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.LoopThread;

import java.net.URI;
import java.util.function.Consumer;

/** An HttpServer on loopback, on an engine running in a {@link LoopThread}; closed with it. */
final class TestServer implements AutoCloseable {
    final LoopThread loop;
    final HttpServer server;
    final int port;

    private TestServer(LoopThread loop, HttpServer server) throws Exception {
        this.loop = loop;
        this.server = server;
        this.port = loop.call(server::port);
    }

    /** Starts a server on {@code backend} with {@code handler}; {@code settings} may adjust limits before it listens. */
    static TestServer start(String backend, HttpHandler handler, Consumer<HttpServer> settings) throws Exception {
        LoopThread loop = new LoopThread(backend);
        try {
            HttpServer server = loop.call(() -> {
                HttpServer s = new HttpServer(loop.engine, handler);
                settings.accept(s);
                return s.listen("127.0.0.1", 0);
            });
            return new TestServer(loop, server);
        } catch (Exception | AssertionError e) {
            loop.close();
            throw e;
        }
    }

    static TestServer start(String backend, HttpHandler handler) throws Exception {
        return start(backend, handler, s -> { });
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    String url(String pathAndQuery) {
        return uri(pathAndQuery).toString();
    }

    RawClient connect() throws java.io.IOException {
        return new RawClient(port);
    }

    @Override
    public void close() throws Exception {
        loop.close();
    }
}
