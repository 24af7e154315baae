// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates for tests, made with the JDK's {@code keytool} (test scope only: the
 * library never makes certificates). Each is written as PEM ({@code cert.pem}, a PKCS#8
 * {@code key.pem}) and as a PKCS#12 key store ({@code keystore.p12}, password {@link #PASSWORD}).
 */
public final class TestCertificates {
    public static final String PASSWORD = "changeit";

    /** A certificate, its key and a key store holding both, in one directory. */
    public record Pair(Path dir, Path cert, Path key, Path keyStore, X509Certificate certificate) {
        /** Colon-separated upper-case hex of the certificate's SHA-256, as {@code openssl x509 -fingerprint} prints it. */
        public String sha256() throws Exception {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        }
    }

    private TestCertificates() {}

    /** An EC (P-256) certificate for {@code localhost} and 127.0.0.1, the name most tests connect to. */
    public static Pair localhost(Path dir) throws Exception {
        return selfSigned(dir, "localhost", "dns:localhost,ip:127.0.0.1,ip:::1", "EC");
    }

    /**
     * A self-signed certificate with common name {@code cn} and subject alternative names
     * {@code san} (keytool syntax: {@code dns:a.example,ip:127.0.0.1}); {@code keyAlgorithm} EC or RSA.
     */
    public static Pair selfSigned(Path dir, String cn, String san, String keyAlgorithm) throws Exception {
        Files.createDirectories(dir);
        Path store = dir.resolve("keystore.p12");
        Files.deleteIfExists(store);
        List<String> command = new ArrayList<>(List.of(keytool(), "-genkeypair", "-alias", "test", "-keyalg", keyAlgorithm));
        if (keyAlgorithm.equals("EC")) command.addAll(List.of("-groupname", "secp256r1"));
        else command.addAll(List.of("-keysize", "2048"));
        command.addAll(List.of("-dname", "CN=" + cn, "-ext", "SAN=" + san, "-validity", "30",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
        run(command);
        KeyStore ks = KeyStore.getInstance(store.toFile(), PASSWORD.toCharArray());
        X509Certificate certificate = (X509Certificate) ks.getCertificate("test");
        PrivateKey key = (PrivateKey) ks.getKey("test", PASSWORD.toCharArray());
        Path cert = dir.resolve("cert.pem"), keyFile = dir.resolve("key.pem");
        Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        return new Pair(dir, cert, keyFile, store, certificate);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    /** Runs a command to completion (bounded), failing with its output if it fails. */
    static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Processes.closeStreams(p);
        if (!done) {
            p.destroyForcibly();
            throw new AssertionError(command.get(0) + " did not finish within 60 s: " + output);
        }
        if (p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + output);
    }
}
