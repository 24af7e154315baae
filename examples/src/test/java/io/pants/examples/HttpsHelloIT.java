// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Tls;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTPS hello world, run as {@code java -jar pants-examples.jar https-hello 0}: the JDK's HttpClient and curl --cacert. */
class HttpsHelloIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void answersHelloWorldOverHttps(String backend) throws Exception {
        try (ExampleProcess hello = ExampleProcess.start(backend, "https-hello", "0")) {
            Path cert = TlsExampleCertificate.read(hello);
            int port = hello.awaitListening("https-hello server", backend);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(Tls.clientContext(cert))
                    .connectTimeout(ExampleProcess.WAIT).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/"))
                    .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("Hello, World!", r.body());

            Process curl = new ProcessBuilder(List.of("curl", "--silent", "--show-error", "--max-time", "20", "--cacert", cert.toString(),
                    "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/", "https://localhost:" + port + "/"))
                    .redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(0, curl.exitValue(), out);
            assertEquals("Hello, World!Hello, World!", out, "two requests on one connection, as curl --cacert sees them");
        }
    }

    /** Given CERT and KEY (here the pair a first run made), it serves those; given only one of them, it says so and exits 2. */
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void servesTheCertificateGiven(String backend, @TempDir Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem"), key = dir.resolve("key.pem");
        try (ExampleProcess first = ExampleProcess.start(backend, "https-hello", "0")) {
            Path made = TlsExampleCertificate.read(first);
            Files.copy(made, cert);
            Files.copy(made.resolveSibling("key.pem"), key);
        }
        try (ExampleProcess hello = ExampleProcess.start(backend, "https-hello", "0", cert.toString(), key.toString())) {
            assertEquals("certificate: " + cert, hello.nextLine("the certificate line"));
            assertTrue(hello.nextLine("the fingerprint").startsWith("SHA-256 fingerprint: "));
            int port = hello.awaitListening("https-hello server", backend);
            HttpClient client = HttpClient.newBuilder().sslContext(Tls.clientContext(cert)).connectTimeout(ExampleProcess.WAIT).build();
            assertEquals("Hello, World!", client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/"))
                    .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString()).body());
        }
        try (ExampleProcess half = ExampleProcess.start(backend, "https-hello", "0", cert.toString())) {
            assertEquals(2, half.awaitExit());
            assertTrue(half.stderrAfterExit().contains("give both CERT and KEY"), half.stderrAfterExit());
        }
    }
}
