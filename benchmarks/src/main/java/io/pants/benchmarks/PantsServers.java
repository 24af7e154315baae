// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.Engine;
import io.pants.EngineGroup;
import io.pants.Server;
import io.pants.Stream;
import io.pants.http.HttpServer;
import io.pants.web.Application;
import io.pants.websocket.WebSocket;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The Pants servers under test: written as a user would, on the engine of the chosen poller. */
final class PantsServers {
    private PantsServers() {}

    /** Connections open right now (echo and fake HTTP); counted for the memory measurement. */
    static final AtomicInteger OPEN = new AtomicInteger();

    /** Sends every byte back. */
    static class Echo extends Stream {
        @Override protected void onConnect() { OPEN.incrementAndGet(); }
        @Override protected void onRead(byte[] data) { write(data); }
        @Override protected void onClose() { OPEN.decrementAndGet(); }
    }

    /** Answers every request (up to its blank line) with the prefabricated response. */
    static class FakeHttpResponder extends Stream {
        @Override protected void onConnect() {
            OPEN.incrementAndGet();
            readDelimiter(FakeHttp.END_OF_REQUEST);
        }
        @Override protected void onRead(byte[] request) { write(FakeHttp.RESPONSE); }
        @Override protected void onClose() { OPEN.decrementAndGet(); }
    }

    /** Pants' HTTP server answering every request with Hello, World!, written as the http-hello example is. */
    static HttpServer httpHello(Engine engine) {
        return new HttpServer(engine, HELLO);
    }

    private static final Map<String, String> HEADERS = Map.of("Content-Type", "text/plain");
    private static final io.pants.http.HttpHandler HELLO = request -> {
        request.sendStatus(200);
        request.sendHeaders(HEADERS);
        request.send(FakeHttp.BODY);
        request.finish();
    };

    /** The same servers on every loop of {@code group} (LOOPS above 1); {@link EngineGroup#start()} is left to the caller. */
    static Server listen(EngineGroup group, Workload.Protocol protocol, int port) throws Exception {
        Server server = switch (protocol) {
            case ECHO, TLS_ECHO -> new Server(group, Echo::new);
            case FAKE_HTTP -> new Server(group, FakeHttpResponder::new);
            case HTTP_HELLO, HTTPS_HELLO -> new HttpServer(group, HELLO);
            case WS_ECHO -> new HttpServer(group, wsEchoApplication());
            case JDK_API_HELLO -> throw new UnsupportedOperationException("the JDK-API application runs on Pants' HttpServerProvider: see ServerMain");
            case HTTP_CLIENT -> throw new UnsupportedOperationException("the client workload's server is http-hello: see LoadRunner");
        };
        if (protocol.isTls()) server.tls(BenchmarkCertificate.serverContext());
        return server.listen("127.0.0.1", port);
    }

    /** Sends every WebSocket message back, written as the ws-echo example is. */
    static class WsEcho extends WebSocket {
        @Override protected void onText(String text) { send(text); }
        @Override protected void onBinary(byte[] data) { send(data); }
    }

    /** A web application echoing WebSocket messages at {@code /}. */
    static HttpServer wsEcho(Engine engine) {
        return new HttpServer(engine, wsEchoApplication());
    }

    private static Application wsEchoApplication() {
        var app = new Application();
        app.websocket("/", WsEcho::new);
        return app;
    }

    /**
     * Listens on 127.0.0.1 with an ephemeral port; {@link Engine#start()} is left to the caller.
     * The TLS servers are the plain ones with {@code tls(context)}, as a user writes them.
     */
    static Server listen(Engine engine, Workload.Protocol protocol, int port) throws Exception {
        Server server = switch (protocol) {
            case ECHO, TLS_ECHO -> new Server(engine, Echo::new);
            case FAKE_HTTP -> new Server(engine, FakeHttpResponder::new);
            case HTTP_HELLO, HTTPS_HELLO -> httpHello(engine);
            case WS_ECHO -> wsEcho(engine);
            case JDK_API_HELLO -> throw new UnsupportedOperationException("the JDK-API application runs on Pants' HttpServerProvider: see ServerMain");
            case HTTP_CLIENT -> throw new UnsupportedOperationException("the client workload's server is http-hello: see LoadRunner");
        };
        if (protocol.isTls()) server.tls(BenchmarkCertificate.serverContext());
        return server.listen("127.0.0.1", port);
    }
}
