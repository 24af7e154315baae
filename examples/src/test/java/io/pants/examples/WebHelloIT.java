// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The web application example, run as {@code java -jar pants-examples.jar web-hello 0 127.0.0.1}. */
class WebHelloIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void answersHelloWorld(String backend) throws Exception {
        try (ExampleProcess app = ExampleProcess.start(backend, "web-hello", "0", "127.0.0.1")) {
            int port = app.awaitListening("web hello", backend);
            HttpClient client = HttpClient.newBuilder().connectTimeout(ExampleProcess.WAIT).build();
            HttpResponse<String> hello = get(client, port, "/");
            assertEquals(200, hello.statusCode());
            assertEquals("Hello, World!", hello.body());
            assertEquals("text/html; charset=utf-8", hello.headers().firstValue("content-type").orElse(null));
            assertEquals(404, get(client, port, "/elsewhere").statusCode(), "only / is routed");
        }
    }

    private static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(ExampleProcess.WAIT).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
