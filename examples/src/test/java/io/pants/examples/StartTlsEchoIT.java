// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Tls;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The STARTTLS line echo, run as {@code java -jar pants-examples.jar starttls-echo 0}, with its throwaway certificate. */
class StartTlsEchoIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void echoesLinesInPlainTextThenOverTls(String backend) throws Exception {
        try (ExampleProcess echo = ExampleProcess.start(backend, "starttls-echo", "0")) {
            Path cert = TlsExampleCertificate.read(echo);
            int port = echo.awaitListening("starttls-echo server", backend);
            try (Socket raw = EchoServerIT.connect(port)) {
                BufferedReader plain = new BufferedReader(new InputStreamReader(raw.getInputStream(), StandardCharsets.UTF_8));
                assertTrue(plain.readLine().startsWith("220 starttls-echo"), "the greeting");
                raw.getOutputStream().write("in the clear\nSTARTTLS\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("in the clear", plain.readLine());
                assertEquals("220 OK", plain.readLine());
                SSLContext trusting = Tls.clientContext(cert);
                SSLSocket tls = (SSLSocket) trusting.getSocketFactory().createSocket(raw, "localhost", port, true);
                SSLParameters p = tls.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate names localhost
                tls.setSSLParameters(p);
                tls.startHandshake();
                tls.getOutputStream().write("now secret\n".getBytes(StandardCharsets.UTF_8));
                tls.getOutputStream().flush();
                BufferedReader secure = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("now secret", secure.readLine());
                assertTrue(echo.nextLine("the upgrade line").matches("upgraded .* to TLSv1\\.3"), "the example reports the upgrade");
            }
        }
    }
}
