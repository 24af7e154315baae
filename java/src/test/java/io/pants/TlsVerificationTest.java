// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Pants client checks the server: an untrusted certificate or one for another name fails the handshake, by default. */
@ExtendWith(NoDescriptorLeaks.class)
class TlsVerificationTest {
    @BackendTest
    void certificateForAnotherNameIsRejected(String backend) throws Exception {
        TestCertificates.Pair other = TestCertificates.selfSigned(TlsFixtures.dir("other-" + backend), "other.example",
                "dns:other.example", "EC");
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new,
                    TlsConfig.of(Tls.serverContext(other.cert(), other.key())));
            // trusted, but it names other.example, and we connect to localhost
            TlsProbe probe = new TlsProbe(loop.engine, "hi");
            loop.run(() -> probe.tls(Tls.clientContext(other.cert())).connect("localhost", port));
            SSLException e = Await.get(probe.error, "the client to reject the certificate");
            assertTrue(e.getMessage().contains("localhost"), "the failure names the host: " + e);
            Await.get(probe.closed, "the client to close");
            assertFalse(probe.connected.isDone(), "onConnect must not come after a failed handshake");

            // the same server, the check off: the name was the only reason
            TlsProbe lax = new TlsProbe(loop.engine, null);
            loop.run(() -> lax.tls(TlsConfig.of(Tls.clientContext(other.cert())).verifyHostname(false)).connect("localhost", port));
            Await.get(lax.connected, "a client that does not check the name to connect");
            loop.run(lax::close);
            Await.get(lax.closed, "the client to close");
        }
    }

    @BackendTest
    void untrustedCertificateIsRejected(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            TlsProbe probe = new TlsProbe(loop.engine, "hi");
            loop.run(() -> probe.tls(Tls.clientContext()).connect("localhost", port)); // the JDK's CAs: self-signed is not among them
            SSLException e = Await.get(probe.error, "the client to reject the self-signed certificate");
            assertTrue(e.getMessage().contains("PKIX") || e.getMessage().contains("certification path"), "why: " + e);
            Await.get(probe.closed, "the client to close");
            assertFalse(probe.connected.isDone(), "onConnect must not come after a failed handshake");
        }
    }

    @BackendTest
    void trustedCertificateForTheHostConnects(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            for (String host : new String[] {"localhost", "127.0.0.1"}) { // a name, and an address (checked against the IP SAN)
                TlsProbe probe = new TlsProbe(loop.engine, "ping");
                loop.run(() -> probe.tls(TlsFixtures.clientContext()).connect(host, port));
                SSLSession session = Await.get(probe.handshake, "the handshake with " + host);
                assertEquals(TlsFixtures.localhost().certificate(), (X509Certificate) session.getPeerCertificates()[0]);
                Await.get(probe.connected, "onConnect");
                loop.run(probe::close);
                Await.get(probe.closed, "the client to close");
            }
        }
    }
}
