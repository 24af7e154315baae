// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A program that knows only the JDK's API, run in a child JVM by {@link ProviderSelectionTest}:
 * it serves the name of the provider the JDK chose, and stops when a line comes on its input.
 * It returns from main after stop(), so the JVM exits only if the server left no thread behind.
 */
public final class JdkOnlyMain {
    private JdkOnlyMain() {}

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = HttpServerProvider.provider().getClass().getName().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("listening on port " + server.getAddress().getPort());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        server.stop(0);
    }
}
