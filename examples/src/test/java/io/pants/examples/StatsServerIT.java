// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.DataInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stats example, run as {@code java -jar pants-examples.jar stats 0 0 127.0.0.1}: an echo, then its counts over HTTP. */
class StatsServerIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void countsTheEchoesItServed(String backend) throws Exception {
        try (ExampleProcess stats = ExampleProcess.start(backend, "stats", "0", "0", "127.0.0.1")) {
            int echoPort = stats.awaitListening("echo server", backend);
            int statsPort = stats.awaitListening("stats server", backend);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(ExampleProcess.WAIT).build();
            byte[] message = "counted, please".getBytes(StandardCharsets.UTF_8);
            try (Socket c = EchoServerIT.connect(echoPort)) {
                c.getOutputStream().write(message);
                byte[] back = new byte[message.length];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertArrayEquals(message, back);

                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats"))
                        .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("text/plain", r.headers().firstValue("Content-Type").orElse(null));
                Map<String, Long> values = new HashMap<>();
                for (String line : r.body().split("\n")) {
                    String[] nameValue = line.split(" ");
                    assertEquals(2, nameValue.length, "not a 'name value' line: '" + line + "' in\n" + r.body());
                    values.put(nameValue[0], Long.parseLong(nameValue[1]));
                }
                String body = "\n" + r.body();
                assertEquals(1L, values.get("echo.accepted"), body);
                assertEquals(1L, values.get("echo.connectionsOpen"), body);
                assertEquals(0L, values.get("echo.refused"), body);
                // the echo's bytes, and the request to /stats being answered (its bytes read)
                assertTrue(values.get("bytesRead") > message.length, body);
                assertTrue(values.get("bytesWritten") >= message.length, body);
                assertEquals(2L, values.get("accepts"), "the echo's connection and the stats request's: " + body);
                assertTrue(values.get("turns") > 0, body);
                // the listeners, the echo connection and the HTTP connection
                assertEquals(4L, values.get("channelsOpen"), body);
            }
            HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/nope"))
                    .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
        }
    }
}
