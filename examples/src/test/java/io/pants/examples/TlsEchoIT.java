// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Tls;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TLS echo, run as {@code java -jar pants-examples.jar tls-echo 0}, with its throwaway certificate. */
class TlsEchoIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void echoesOverTls(String backend) throws Exception {
        try (ExampleProcess echo = ExampleProcess.start(backend, "tls-echo", "0")) {
            Path cert = TlsExampleCertificate.read(echo);
            int port = echo.awaitListening("tls-echo server", backend);
            try (SSLSocket c = (SSLSocket) Tls.clientContext(cert).getSocketFactory().createSocket("localhost", port)) {
                c.setSoTimeout((int) ExampleProcess.WAIT.toMillis());
                SSLParameters p = c.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                c.setSSLParameters(p);
                byte[] big = new byte[200_000];
                for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + i / 256);
                c.getOutputStream().write(big);
                c.getOutputStream().flush();
                byte[] back = new byte[big.length];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertArrayEquals(big, back, "200 kB echoed over TLS");
            }
            // and to openssl, checking the certificate it printed
            Process p = new ProcessBuilder("openssl", "s_client", "-connect", "localhost:" + port, "-quiet", "-no_ign_eof",
                    "-CAfile", cert.toString(), "-verify_return_error", "-verify_hostname", "localhost")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                p.getOutputStream().write("hello, openssl\n".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("hello, openssl", out.readLine(), "the echo, to openssl");
                p.getOutputStream().close(); // s_client ends: close_notify
                assertTrue(p.waitFor(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS), "openssl ends after its input");
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
