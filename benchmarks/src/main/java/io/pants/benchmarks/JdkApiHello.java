// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The hello world as an application written against the JDK's {@code com.sun.net.httpserver}
 * API alone: it imports nothing of Pants, Netty or the harness, so the very same code runs on
 * whichever provider the JVM picks ({@code -Dcom.sun.net.httpserver.HttpServerProvider}, set per
 * server by {@link ServerKind#jvmProperties}). No executor is set: the JDK's server then runs
 * the handler on its dispatcher thread, as the API documents for that case, and Pants' provider
 * on the loop thread of the handler's connection.
 */
final class JdkApiHello implements HttpHandler {
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    /** Creates, binds and starts the server on the JVM's provider. */
    static HttpServer serve(InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 1024);
        server.createContext("/", new JdkApiHello());
        server.start();
        return server;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        // a GET has no body, but a well-behaved handler drains whatever came
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, BODY.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(BODY);
        }
    }
}
