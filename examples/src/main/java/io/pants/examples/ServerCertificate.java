// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Tls;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The TLS examples' certificate: the PEM certificate chain and key given on the command line,
 * or, without them, a throwaway self-signed one for localhost made with the JDK's keytool (in a
 * temporary directory, deleted at exit). Either way it prints where the certificate is and its
 * SHA-256 fingerprint, so that a client can trust it ({@code curl --cacert}) or compare it.
 */
final class ServerCertificate {
    private ServerCertificate() {}

    /**
     * The context for a TLS example's arguments {@code PORT [CERT KEY]}: those PEM files, or a
     * self-signed certificate without them. Exits (code 2) when only one of the two is given.
     */
    static SSLContext fromArguments(String example, String[] args) {
        if (args.length == 2) {
            System.err.println(example + ": give both CERT and KEY (PEM files), or neither for a self-signed certificate");
            System.exit(2);
        }
        return args.length > 2 ? load(args[1], args[2]) : load(null, null);
    }

    /** The context for {@code certificate} and {@code key}, or a fresh self-signed one when both are null. */
    static SSLContext load(String certificate, String key) {
        Path cert, keyFile;
        if (certificate == null) {
            Path dir = selfSigned();
            cert = dir.resolve("cert.pem");
            keyFile = dir.resolve("key.pem");
            System.out.println("self-signed certificate (throwaway): " + cert);
        } else {
            cert = Path.of(certificate);
            keyFile = Path.of(key);
            System.out.println("certificate: " + cert);
        }
        System.out.println("SHA-256 fingerprint: " + fingerprint(Tls.readCertificates(cert).get(0)));
        return Tls.serverContext(cert, keyFile);
    }

    /** Colon-separated hex, as {@code openssl x509 -noout -fingerprint -sha256} prints it. */
    static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException("could not hash the certificate", e);
        }
    }

    private static Path selfSigned() {
        try {
            Path dir = Files.createTempDirectory("pants-example-tls");
            Path store = dir.resolve("keystore.p12");
            String password = "throwaway";
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1", "-validity", "7", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", password, "-keypass", password);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool could not make a certificate (give CERT and KEY instead): " + output);
            }
            KeyStore ks = KeyStore.getInstance(store.toFile(), password.toCharArray());
            Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", ks.getCertificate("server").getEncoded()));
            Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", ks.getKey("server", password.toCharArray()).getEncoded()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (String f : new String[] {"keystore.p12", "cert.pem", "key.pem", ""}) dir.resolve(f).toFile().delete();
            }));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not make a self-signed certificate: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making a certificate", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("could not read the certificate keytool made: " + e.getMessage(), e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
