// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the two certificate lines a TLS example prints first, and checks the fingerprint against the file. */
final class TlsExampleCertificate {
    private TlsExampleCertificate() {}

    static Path read(ExampleProcess example) throws Exception {
        String where = example.nextLine("the certificate line");
        assertTrue(where.startsWith("self-signed certificate (throwaway): "), where);
        Path cert = Path.of(where.substring(where.indexOf(": ") + 2));
        assertTrue(Files.isRegularFile(cert), "the certificate file exists: " + cert);
        String fingerprint = example.nextLine("the fingerprint line");
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(Tls.readCertificates(cert).get(0).getEncoded());
        assertEquals("SHA-256 fingerprint: " + HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest), fingerprint);
        return cert;
    }
}
