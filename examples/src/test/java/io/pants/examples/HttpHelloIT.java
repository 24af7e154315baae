// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP hello world, run as {@code java -jar pants-examples.jar http-hello 0 127.0.0.1}. */
class HttpHelloIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void answersHelloWorld(String backend) throws Exception {
        try (ExampleProcess hello = ExampleProcess.start(backend, "http-hello", "0", "127.0.0.1")) {
            int port = hello.awaitListening("http-hello server", backend);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(ExampleProcess.WAIT).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("Hello, World!", r.body());
            assertEquals("text/plain", r.headers().firstValue("Content-Type").orElse(null));

            // two requests on one connection, the second pipelined right behind the first
            try (Socket s = EchoServerIT.connect(port)) {
                OutputStream out = s.getOutputStream();
                out.write(("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertEquals(2, all.split("HTTP/1.1 200 OK\r\n", -1).length - 1, "two responses on one connection:\n" + all);
                assertTrue(all.endsWith("\r\n\r\nHello, World!"), all);
            }
        }
    }
}
