// SPDX-License-Identifier: Apache-2.0
package io.pants;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * {@link SSLContext}s from the files people have: a PEM certificate chain and private key (as
 * Let's Encrypt's {@code fullchain.pem} and {@code privkey.pem}, or openssl's output), or a
 * PKCS#12 or JKS key store. Give the context to {@link Server#tls(SSLContext)} or
 * {@link Stream#tls(SSLContext)}; any other {@code SSLContext} works as well.
 *
 * <pre>{@code
 * SSLContext tls = Tls.serverContext(Path.of("cert.pem"), Path.of("key.pem"));
 * new Server(Echo::new).tls(tls).listen(4443);
 * new Greeter().tls(Tls.clientContext()).connect("example.org", 443); // verifies certificate and host name
 * }</pre>
 *
 * Keys in PEM may be PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE
 * KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}), unencrypted. Problems with the files are
 * {@link UncheckedIOException}s that name the file and what is wrong with it.
 *
 * @since 0.1
 */
public final class Tls {
    private Tls() {}

    /** A server's context: the certificate chain (leaf first) and its private key, both PEM. */
    public static SSLContext serverContext(Path certificateChain, Path privateKey) {
        return context(keyManagers(certificateChain, privateKey), null);
    }

    /**
     * A server's context that also checks client certificates against the PEM certificates in
     * {@code trustedClientCertificates} (ask for them with {@link TlsConfig#clientAuth}).
     */
    public static SSLContext serverContext(Path certificateChain, Path privateKey, Path trustedClientCertificates) {
        return context(keyManagers(certificateChain, privateKey), trustManagers(trustedClientCertificates));
    }

    /**
     * A server's context from a PKCS#12 or JKS key store file (the type is recognised); the
     * password opens both the store and the key.
     */
    public static SSLContext serverContext(Path keyStore, char[] password) {
        KeyStore store;
        try {
            store = KeyStore.getInstance(keyStore.toFile(), password);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the key store " + keyStore + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new UncheckedIOException(new IOException("could not read the key store " + keyStore
                    + " (is it PKCS#12 or JKS, and the password right?): " + e.getMessage(), e));
        }
        return serverContext(store, password);
    }

    /** A server's context from a loaded key store holding its key and certificate chain. */
    public static SSLContext serverContext(KeyStore keyStore, char[] keyPassword) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, keyPassword);
            return context(kmf.getKeyManagers(), null);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the key store's key can't be used (wrong key password?): " + e.getMessage(), e);
        }
    }

    /**
     * A client's context trusting the JDK's certificate authorities (its {@code cacerts}): what a
     * client of the public internet needs. Streams check the server's host name as well.
     */
    public static SSLContext clientContext() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no default TLS context", e);
        }
    }

    /** A client's context trusting only the PEM certificates in {@code trustedCertificates} (a private CA, a self-signed server). */
    public static SSLContext clientContext(Path trustedCertificates) {
        return context(null, trustManagers(trustedCertificates));
    }

    /** A client's context that presents a certificate (PEM chain and key) and trusts {@code trustedCertificates}. */
    public static SSLContext clientContext(Path trustedCertificates, Path certificateChain, Path privateKey) {
        return context(keyManagers(certificateChain, privateKey), trustManagers(trustedCertificates));
    }

    /** The certificates of a PEM file, in the file's order. */
    public static List<X509Certificate> readCertificates(Path pem) {
        try {
            return Pem.certificates(pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The (unencrypted) private key of a PEM file: PKCS#8, PKCS#1 RSA or SEC1 EC. */
    public static PrivateKey readPrivateKey(Path pem) {
        try {
            return Pem.privateKey(pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyManager[] keyManagers(Path chain, Path key) {
        List<X509Certificate> certificates = readCertificates(chain);
        PrivateKey privateKey = readPrivateKey(key);
        char[] password = new char[0];
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", privateKey, password, certificates.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf.getKeyManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the key in " + key + " does not go with the certificate in " + chain
                    + ": " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustManagers(Path trusted) {
        List<X509Certificate> certificates = readCertificates(trusted);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) store.setCertificateEntry("trusted-" + i, certificates.get(i));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not make a trust store from " + trusted + ": " + e.getMessage(), e);
        }
    }

    private static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not make a TLS context: " + e.getMessage(), e);
        }
    }
}
