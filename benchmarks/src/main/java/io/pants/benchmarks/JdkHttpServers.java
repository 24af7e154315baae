// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * The JDK's own {@code com.sun.net.httpserver.HttpServer}, with no executor: its dispatcher
 * thread accepts, parses and runs the handler, one thread like the other servers. It speaks real
 * HTTP, so for the fake-HTTP workload it answers every request with the same body. (For the
 * JDK-API workload the JDK's server runs {@link JdkApiHello} instead, with its options on the
 * command line: see {@link ServerKind#jvmProperties}.)
 */
final class JdkHttpServers {
    private JdkHttpServers() {}

    static HttpServer listen(Workload.Protocol protocol, int port) throws IOException {
        if (protocol != Workload.Protocol.FAKE_HTTP) {
            throw new UnsupportedOperationException("the JDK HttpServer's fake HTTP is for " + Workload.Protocol.FAKE_HTTP + " only");
        }
        // Its headers and body leave in separate writes; with Nagle's algorithm on, each response
        // then waits for the client's delayed ACK (~40 ms). Netty and Pants set TCP_NODELAY, so
        // the JDK server gets it too (read once, when its configuration class loads).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, FakeHttp.BODY.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(FakeHttp.BODY);
            }
        });
        server.start();
        return server;
    }
}
