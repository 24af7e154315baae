// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The JDK-API hello world on the Pants provider, run as {@code java -jar pants-examples.jar jdk-hello 0 127.0.0.1}. */
class JdkHelloIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void answersHelloWorldFromPants(String backend) throws Exception {
        try (ExampleProcess hello = ExampleProcess.start(backend, "jdk-hello", "0", "127.0.0.1")) {
            int port = hello.awaitListening("jdk-hello", backend);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(ExampleProcess.WAIT).build();
            for (int i = 0; i < 3; i++) { // on one kept-alive connection
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("Hello, World!", r.body());
                assertEquals("text/plain", r.headers().firstValue("content-type").orElse(null));
                assertEquals("pants", r.headers().firstValue("server").orElse(null), "the JDK's own server answered, not Pants");
            }
        }
    }
}
