// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The TLS servers' certificate: a self-signed EC (P-256) key pair for 127.0.0.1 that each server
 * process makes for itself with the JDK's keytool, the same kind for every server, so that all do
 * the same handshake work. The load clients trust anything: they measure, they don't verify.
 */
final class BenchmarkCertificate {
    private static final char[] PASSWORD = "benchmark".toCharArray();

    private BenchmarkCertificate() {}

    /** A key manager factory holding a fresh self-signed key and certificate. */
    static KeyManagerFactory keyManagers() throws IOException, GeneralSecurityException, InterruptedException {
        Path dir = Files.createTempDirectory("pants-bench-tls");
        Path store = dir.resolve("server.p12");
        try {
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                    "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("keytool failed: " + out);
            KeyStore ks = KeyStore.getInstance(store.toFile(), PASSWORD);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD);
            return kmf;
        } finally {
            Files.deleteIfExists(store);
            Files.deleteIfExists(dir);
        }
    }

    /** A server context (JDK provider) on {@link #keyManagers()}. */
    static SSLContext serverContext() throws IOException, GeneralSecurityException, InterruptedException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers().getKeyManagers(), null, null);
        return context;
    }

    /** A client context that accepts any server certificate: for load, not for trust. */
    static SSLContext trustingClient() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return context;
    }
}
