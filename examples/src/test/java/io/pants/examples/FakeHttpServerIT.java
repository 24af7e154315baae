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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fake HTTP example, run as {@code java -jar pants-examples.jar fake-http 0 127.0.0.1}. */
class FakeHttpServerIT {
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void answersEveryRequestOnAKeptAliveConnection(String backend) throws Exception {
        try (ExampleProcess server = ExampleProcess.start(backend, "fake-http", "0", "127.0.0.1")) {
            int port = server.awaitListening("fake-http server", backend);

            // raw: two requests in one write, then a third split inside its closing blank line
            try (Socket s = EchoServerIT.connect(port)) {
                OutputStream out = s.getOutputStream();
                String get = "GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n";
                out.write((get + get.replace("/a", "/b")).getBytes(StandardCharsets.US_ASCII));
                out.write("GET /c HTTP/1.1\r\nHost: localhost\r\n\r".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] two = RESPONSE.repeat(2).getBytes(StandardCharsets.US_ASCII);
                assertArrayEquals(two, EchoServerIT.readExactly(s, two.length), "the answers to two pipelined requests");
                out.write('\n');
                byte[] one = RESPONSE.getBytes(StandardCharsets.US_ASCII);
                assertArrayEquals(one, EchoServerIT.readExactly(s, one.length), "the answer to the request completed late");
            }

            // a real HTTP client, which keeps its connection alive between requests
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(ExampleProcess.WAIT).build();
            for (String path : new String[] {"/", "/index.html", "/anything?at=all"}) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path);
                assertEquals("Hello, World!", r.body(), path);
            }
        }
    }
}
