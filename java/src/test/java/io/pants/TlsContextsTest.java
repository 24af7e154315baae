// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Tls}: contexts from PEM files in each key format and from key stores, proven by a real JDK handshake. */
class TlsContextsTest {
    @TempDir Path dir;

    @Test
    void pkcs8EcKeyAndCertificate() throws Exception {
        TestCertificates.Pair pair = TestCertificates.localhost(dir);
        assertEquals("EC", Tls.readPrivateKey(pair.key()).getAlgorithm());
        handshake(Tls.serverContext(pair.cert(), pair.key()), Tls.clientContext(pair.cert()));
    }

    @Test
    void pkcs1RsaKeyAsOpensslWritesIt() throws Exception {
        TestCertificates.Pair pair = TestCertificates.selfSigned(dir, "localhost", "dns:localhost,ip:127.0.0.1", "RSA");
        Path traditional = dir.resolve("rsa.pem");
        TestCertificates.run(List.of("openssl", "pkey", "-in", pair.key().toString(), "-traditional", "-out", traditional.toString()));
        assertTrue(Files.readString(traditional).contains("BEGIN RSA PRIVATE KEY"), "openssl wrote PKCS#1");
        PrivateKey key = Tls.readPrivateKey(traditional);
        assertArrayEquals(Tls.readPrivateKey(pair.key()).getEncoded(), key.getEncoded(), "the PKCS#1 key is the PKCS#8 one");
        handshake(Tls.serverContext(pair.cert(), traditional), Tls.clientContext(pair.cert()));
    }

    @Test
    void sec1EcKeyWithParametersBlockAsOpensslWritesIt() throws Exception {
        TestCertificates.Pair pair = TestCertificates.localhost(dir);
        Path sec1 = dir.resolve("ec.pem");
        Path params = dir.resolve("params.pem");
        TestCertificates.run(List.of("openssl", "ec", "-in", pair.key().toString(), "-out", sec1.toString()));
        // "openssl ecparam -genkey" puts the curve's parameters before the key: both in one file
        TestCertificates.run(List.of("openssl", "ecparam", "-name", "prime256v1", "-out", params.toString()));
        Files.writeString(sec1, Files.readString(params) + Files.readString(sec1));
        String text = Files.readString(sec1);
        assertTrue(text.contains("BEGIN EC PARAMETERS") && text.contains("BEGIN EC PRIVATE KEY"), "openssl wrote SEC1: " + text);
        assertEquals(((ECPrivateKey) Tls.readPrivateKey(pair.key())).getS(), ((ECPrivateKey) Tls.readPrivateKey(sec1)).getS(),
                "the SEC1 key is the PKCS#8 one");
        handshake(Tls.serverContext(pair.cert(), sec1), Tls.clientContext(pair.cert()));
    }

    @Test
    void certificateChainKeepsItsOrder() throws Exception {
        TestCertificates.Pair a = TestCertificates.localhost(dir.resolve("a"));
        TestCertificates.Pair b = TestCertificates.selfSigned(dir.resolve("b"), "other", "dns:other.example", "EC");
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, Files.readString(a.cert()) + "some text between\n" + Files.readString(b.cert()));
        assertEquals(List.of(a.certificate(), b.certificate()), Tls.readCertificates(chain));
    }

    @Test
    void pkcs12AndJksKeyStores() throws Exception {
        TestCertificates.Pair pair = TestCertificates.localhost(dir);
        char[] password = TestCertificates.PASSWORD.toCharArray();
        handshake(Tls.serverContext(pair.keyStore(), password), Tls.clientContext(pair.cert()));
        Path jks = dir.resolve("keystore.jks");
        TestCertificates.run(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-importkeystore",
                "-srckeystore", pair.keyStore().toString(), "-srcstoretype", "PKCS12", "-srcstorepass", TestCertificates.PASSWORD,
                "-destkeystore", jks.toString(), "-deststoretype", "JKS", "-deststorepass", TestCertificates.PASSWORD,
                "-destkeypass", TestCertificates.PASSWORD, "-noprompt"));
        handshake(Tls.serverContext(jks, password), Tls.clientContext(pair.cert()));
    }

    @Test
    void filesWithoutWhatIsAskedForSaySo() throws Exception {
        TestCertificates.Pair pair = TestCertificates.localhost(dir);
        UncheckedIOException noKey = assertThrows(UncheckedIOException.class, () -> Tls.readPrivateKey(pair.cert()));
        assertTrue(noKey.getMessage().contains("holds no PEM private key"), noKey.getMessage());
        UncheckedIOException noCert = assertThrows(UncheckedIOException.class, () -> Tls.readCertificates(pair.key()));
        assertTrue(noCert.getMessage().contains("holds no PEM certificate"), noCert.getMessage());
        Path encrypted = dir.resolve("encrypted.pem");
        TestCertificates.run(List.of("openssl", "pkcs8", "-topk8", "-in", pair.key().toString(), "-passout", "pass:secret",
                "-out", encrypted.toString()));
        UncheckedIOException locked = assertThrows(UncheckedIOException.class, () -> Tls.readPrivateKey(encrypted));
        assertTrue(locked.getMessage().contains("encrypted key; decrypt it first"), locked.getMessage());
        UncheckedIOException wrongPassword = assertThrows(UncheckedIOException.class,
                () -> Tls.serverContext(pair.keyStore(), "wrong".toCharArray()));
        assertTrue(wrongPassword.getMessage().contains(pair.keyStore().toString()), wrongPassword.getMessage());
    }

    /** A JDK SSLServerSocket on {@code server} and an SSLSocket on {@code client} exchange a line. */
    private static void handshake(SSLContext server, SSLContext client) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(10_000);
                    byte[] b = s.getInputStream().readNBytes(5);
                    s.getOutputStream().write(b);
                    s.getOutputStream().flush();
                    return b;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("localhost", listener.getLocalPort())) {
                c.setSoTimeout(10_000);
                c.getOutputStream().write("hello".getBytes());
                c.getOutputStream().flush();
                assertEquals("hello", new String(c.getInputStream().readNBytes(5)));
            }
            assertEquals("hello", new String(Await.get(received, "the server side of the handshake")));
        }
    }
}
