// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SNI, ALPN and client certificates, against the JDK and openssl. */
@ExtendWith(NoDescriptorLeaks.class)
class TlsOptionsTest {
    private static TestCertificates.Pair named(String name) throws Exception {
        return TestCertificates.selfSigned(TlsFixtures.dir("sni-" + name + "-" + System.nanoTime()), name, "dns:" + name, "EC");
    }

    @BackendTest
    void serverPicksItsCertificateByServerName(String backend) throws Exception {
        TestCertificates.Pair a = named("a.test"), b = named("b.test");
        TlsConfig config = TlsConfig.of(TlsFixtures.serverContext())
                .serverName("a.test", Tls.serverContext(a.cert(), a.key()))
                .serverName("B.Test", Tls.serverContext(b.cert(), b.key())); // names match whatever their case
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, config);
            assertEquals(a.certificate(), jdkServerCertificate(port, "a.test"));
            assertEquals(b.certificate(), jdkServerCertificate(port, "b.test"));
            assertEquals(TlsFixtures.localhost().certificate(), jdkServerCertificate(port, "unknown.test"), "others get the default");
            assertEquals(TlsFixtures.localhost().certificate(), jdkServerCertificate(port, null), "no SNI: the default");
            // openssl sends SNI too
            Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "b.test",
                    "-CAfile", b.cert().toString(), "-verify_return_error").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            Processes.closeStreams(p);
            assertTrue(out.contains("subject=CN = b.test"), "openssl got b.test's certificate: " + out);
            assertTrue(out.contains("Verify return code: 0 (ok)"), out);
        }
    }

    /**
     * A Pants client sends SNI: the server picks that name's certificate, which the client then
     * trusts and checks the name of. The loopback resolves no dotted name (the JDK sends none for
     * "localhost"), so the name given by {@link TlsConfig#serverName(String)} is used on the wire,
     * and the host-connected-to default is checked on the engine it makes.
     */
    @BackendTest
    void clientSendsServerName(String backend) throws Exception {
        TestCertificates.Pair a = named("a.test");
        TlsConfig config = TlsConfig.of(TlsFixtures.serverContext()).serverName("a.test", Tls.serverContext(a.cert(), a.key()));
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, config);
            TlsProbe probe = new TlsProbe(loop.engine, null);
            loop.run(() -> probe.tls(TlsConfig.of(Tls.clientContext(a.cert())).serverName("a.test")).connect("127.0.0.1", port));
            assertEquals(a.certificate(), Await.get(probe.handshake, "the handshake naming a.test").getPeerCertificates()[0]);
            loop.run(probe::close);
            Await.get(probe.closed, "close");
        }
        SSLParameters p = TlsConfig.of(Tls.clientContext(a.cert())).clientEngine("www.example.org", 443).getSSLParameters();
        assertEquals(List.of(new SNIHostName("www.example.org")), p.getServerNames(), "the host connected to is sent");
        assertEquals("HTTPS", p.getEndpointIdentificationAlgorithm(), "and its name checked");
    }

    @BackendTest
    void alpnServerSide(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new,
                    TlsConfig.of(TlsFixtures.serverContext()).alpn("h2", "http/1.1"));
            try (SSLSocket c = jdkClientOffering(port, "spdy/3", "http/1.1")) {
                assertEquals("http/1.1", c.getApplicationProtocol(), "what the client heard");
                TlsFixtures.Echo server = Await.get(made, "server stream");
                Await.get(server.handshake, "handshake");
                assertEquals("http/1.1", loop.call(server::applicationProtocol), "what the server stream says");
            }
            try (SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
                c.setSoTimeout(20_000);
                SSLParameters p = c.getSSLParameters();
                p.setApplicationProtocols(new String[] {"imap"});
                c.setSSLParameters(p);
                assertThrows(SSLException.class, c::startHandshake, "no protocol in common fails the handshake");
            }
        }
    }

    @BackendTest
    void alpnClientSideAgainstOpenssl(String backend) throws Exception {
        int port = freePort();
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-naccept", "1",
                "-cert", TlsFixtures.localhost().cert().toString(), "-key", TlsFixtures.localhost().key().toString(),
                "-alpn", "http/1.1,h2", "-rev").redirectErrorStream(true).start();
        try (LoopThread loop = new LoopThread(backend)) {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null && !line.startsWith("ACCEPT"); ) { /* until it listens */ }
            TlsProbe probe = new TlsProbe(loop.engine, "pants\n");
            loop.run(() -> probe.tls(TlsConfig.of(TlsFixtures.clientContext()).alpn("h2", "http/1.1")).connect("localhost", port));
            Await.get(probe.connected, "the client to connect to openssl");
            // the server's preference decides among what the client offered
            assertEquals("http/1.1", loop.call(probe::applicationProtocol), "openssl picked from what the client offered");
            long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
            while (!probe.text().contains("stnap") && System.nanoTime() < deadline) Thread.onSpinWait();
            assertTrue(probe.text().contains("stnap"), "s_server -rev reverses the line: " + probe.text());
            loop.run(probe::close);
            Await.get(probe.closed, "close");
        } finally {
            server.destroyForcibly().waitFor();
            Processes.closeStreams(server);
        }
    }

    @BackendTest
    void clientCertificates(String backend) throws Exception {
        TestCertificates.Pair client = TestCertificates.selfSigned(TlsFixtures.dir("client-" + backend), "client one", "dns:client", "EC");
        TestCertificates.Pair pair = TlsFixtures.localhost();
        SSLContext serverTrustingClient = Tls.serverContext(pair.cert(), pair.key(), client.cert());
        SSLContext clientWithCert = Tls.clientContext(pair.cert(), client.cert(), client.key());
        try (LoopThread loop = new LoopThread(backend)) {
            // required, and presented
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int need = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new,
                    TlsConfig.of(serverTrustingClient).clientAuth(TlsConfig.ClientAuth.NEED));
            try (SSLSocket c = (SSLSocket) clientWithCert.getSocketFactory().createSocket("127.0.0.1", need)) {
                c.setSoTimeout(20_000);
                c.startHandshake();
                SSLSession session = Await.get(Await.get(made, "server stream").handshake, "the server's handshake");
                assertEquals(client.certificate(), (X509Certificate) session.getPeerCertificates()[0], "the client's certificate");
            }
            // required, and missing: the handshake fails on both sides
            CompletableFuture<TlsFixtures.Echo> refused = new CompletableFuture<>();
            int need2 = TlsFixtures.serve(loop, refused, TlsFixtures.Echo::new,
                    TlsConfig.of(serverTrustingClient).clientAuth(TlsConfig.ClientAuth.NEED));
            try (SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket("127.0.0.1", need2)) {
                c.setSoTimeout(20_000);
                // TLS 1.3: the client finishes its side first and hears of the refusal when it reads
                assertThrows(IOException.class, () -> {
                    c.startHandshake();
                    c.getOutputStream().write(1);
                    c.getOutputStream().flush();
                    if (c.getInputStream().read() < 0) throw new IOException("closed");
                });
                TlsFixtures.Echo server = Await.get(refused, "server stream");
                Await.get(server.closed, "the server to close the connection");
                assertFalse(server.handshake.isDone(), "no handshake without the required certificate");
                assertFalse(server.errors.isEmpty(), "onTlsError heard of it");
            }
            // wanted, and missing: served, without a peer certificate
            CompletableFuture<TlsFixtures.Echo> wanted = new CompletableFuture<>();
            int want = TlsFixtures.serve(loop, wanted, TlsFixtures.Echo::new,
                    TlsConfig.of(serverTrustingClient).clientAuth(TlsConfig.ClientAuth.WANT));
            try (SSLSocket c = TlsFixtures.jdkClient(want)) {
                c.getOutputStream().write('x');
                c.getOutputStream().flush();
                assertEquals('x', c.getInputStream().read());
                SSLSession session = Await.get(Await.get(wanted, "server stream").handshake, "handshake");
                assertThrows(SSLPeerUnverifiedException.class, session::getPeerCertificates);
            }
        }
    }

    /** Session resumption as the JDK provides it: a second TLS 1.2 connection of the same client context resumes the session. */
    @BackendTest
    void tls12SessionsAreResumed(String backend) throws Exception {
        SSLContext client = TlsFixtures.clientContext(); // one context: its session cache spans the connections
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new,
                    TlsConfig.of(TlsFixtures.serverContext()).protocols("TLSv1.2"));
            byte[][] ids = new byte[2][];
            for (int i = 0; i < 2; i++) {
                try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                    c.setSoTimeout(20_000);
                    c.getOutputStream().write('x');
                    c.getOutputStream().flush();
                    assertEquals('x', c.getInputStream().read());
                    ids[i] = c.getSession().getId();
                }
            }
            assertTrue(ids[0].length > 0 && java.util.Arrays.equals(ids[0], ids[1]), "the second connection resumed the first's session");
        }
    }

    /** TLS 1.2 renegotiation asked for by the client (openssl's "R" command) is refused: the connection is closed. */
    @BackendTest
    void renegotiationIsRefused(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_2",
                    "-CAfile", TlsFixtures.localhost().cert().toString()).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                p.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
                for (String line; (line = out.readLine()) != null && !line.equals("hello"); ) { /* the handshake's report, then the echo */ }
                p.getOutputStream().write("R\n".getBytes(StandardCharsets.UTF_8)); // s_client: renegotiate
                p.getOutputStream().flush();
                TlsFixtures.Echo server = Await.get(made, "server stream");
                Await.get(server.closed, "the server to close the renegotiating connection");
                assertTrue(server.errors.stream().anyMatch(e -> e.getMessage().contains("renegotiat")), "why: " + server.errors);
            } finally {
                p.destroyForcibly().waitFor();
                Processes.closeStreams(p);
            }
        }
    }

    /** The certificate a JDK client gets from 127.0.0.1:port asking for {@code serverName} (null: no SNI). */
    private static X509Certificate jdkServerCertificate(int port, String serverName) throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String auth) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String auth) {} // the test looks at what it got
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        try (SSLSocket c = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
            c.setSoTimeout(20_000);
            SSLParameters p = c.getSSLParameters();
            p.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            c.setSSLParameters(p);
            c.startHandshake();
            return (X509Certificate) c.getSession().getPeerCertificates()[0];
        }
    }

    private static SSLSocket jdkClientOffering(int port, String... protocols) throws IOException {
        SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket("127.0.0.1", port);
        c.setSoTimeout(20_000);
        SSLParameters p = c.getSSLParameters();
        p.setApplicationProtocols(protocols);
        c.setSSLParameters(p);
        c.startHandshake();
        return c;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

}
