// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP client example, run as {@code java -jar pants-examples.jar http-get URL} against the JDK's own HTTP server. */
class HttpGetIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void printsTheResponse(String backend) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.createContext("/notes", x -> {
            byte[] body = ("notes for " + x.getRequestURI().getQuery()).getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("X-Example", "yes");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try (ExampleProcess get = ExampleProcess.start(backend, "http-get",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/notes?limit=5")) {
            assertEquals(0, get.awaitExit(), "http-get failed: " + get.diagnostics());
            List<String> lines = get.remainingLinesAfterExit();
            assertEquals("HTTP/1.1 200 OK", lines.get(0), String.valueOf(lines));
            // the JDK's server spells the name its own way ("X-example")
            assertTrue(lines.stream().anyMatch(l -> l.equalsIgnoreCase("X-Example: yes")), String.valueOf(lines));
            assertEquals("notes for limit=5", lines.get(lines.size() - 1), String.valueOf(lines));
        } finally {
            server.stop(0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void saysWhyAndExitsWithOneWhenTheRequestFails(String backend) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed: nothing listens there any more
        }
        try (ExampleProcess get = ExampleProcess.start(backend, "http-get", "http://127.0.0.1:" + port + "/")) {
            assertEquals(1, get.awaitExit());
            String stderr = get.stderrAfterExit();
            assertTrue(stderr.contains("http-get: could not connect to http://127.0.0.1:" + port), stderr);
        }
    }
}
