// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.pants.Engine;
import io.pants.httpserver.PantsHttpServerProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Hello world written against the JDK's own {@code com.sun.net.httpserver} API, run on Pants.
 * {@link #serve} is the application and knows nothing of Pants; {@link #main} only selects the
 * Pants provider, as {@code -Dcom.sun.net.httpserver.HttpServerProvider=...} on the command line
 * would (unless the command line names a provider itself: then that one runs the application, e.g.
 * the JDK's own, {@code sun.net.httpserver.DefaultHttpServerProvider}, for a comparison).
 * Arguments: PORT [BIND_ADDRESS]; on N event loops with {@code -Dpants.loops=N} (or
 * {@code --loops=N}), which the Pants provider reads.
 */
public class JdkHello {
    static final String PROVIDER_PROPERTY = "com.sun.net.httpserver.HttpServerProvider";

    /** The application: answers every request with {@code Hello, World!}. */
    static HttpServer serve(InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/", exchange -> {
            byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start(); // serves on a thread of its own; main may return
        return server;
    }

    public static void main(String[] args) {
        // before the first HttpServer.create, which is when the JDK picks its provider
        if (System.getProperty(PROVIDER_PROPERTY) == null) {
            System.setProperty(PROVIDER_PROPERTY, PantsHttpServerProvider.class.getName());
        }
        int port = Integer.parseInt(args[0]);
        InetSocketAddress address = args.length > 1 ? new InetSocketAddress(args[1], port) : new InetSocketAddress(port);
        try {
            HttpServer server = serve(address);
            // the provider's servers use the same poller as the default engine: -Dpants.poller, else the best;
            // with another provider chosen on the command line (the JDK's own, to compare), there is none
            boolean onPants = HttpServerProvider.provider() instanceof PantsHttpServerProvider;
            System.out.println("jdk-hello listening on port " + server.getAddress().getPort()
                    + " (poller: " + (onPants ? Engine.instance().pollerName() : "none, " + HttpServerProvider.provider().getClass().getName()) + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
