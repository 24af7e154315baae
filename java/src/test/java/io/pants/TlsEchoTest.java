// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Echo over TLS against real peers: the JDK's SSLSocket (TLS 1.3 and 1.2), a Pants client, openssl and Python. */
@ExtendWith(NoDescriptorLeaks.class)
class TlsEchoTest {
    private static final int CLIENTS = 200;

    @BackendTest
    void echoesOverTls13(String backend) throws Exception {
        echoWithJdkClient(backend, "TLSv1.3");
    }

    @BackendTest
    void echoesOverTls12(String backend) throws Exception {
        echoWithJdkClient(backend, "TLSv1.2");
    }

    private void echoWithJdkClient(String backend, String protocol) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            try (SSLSocket c = TlsFixtures.jdkClient(port, protocol)) {
                assertEquals(protocol, c.getSession().getProtocol());
                for (int round = 0; round < 3; round++) {
                    byte[] message = ("round " + round + " over " + protocol).getBytes(StandardCharsets.UTF_8);
                    c.getOutputStream().write(message);
                    c.getOutputStream().flush();
                    byte[] back = new byte[message.length];
                    new DataInputStream(c.getInputStream()).readFully(back);
                    assertArrayEquals(message, back, "echo of round " + round);
                }
                TlsFixtures.Echo server = Await.get(made, "the server stream");
                SSLSession session = Await.get(server.handshake, "onTlsHandshake");
                assertEquals(protocol, session.getProtocol(), "the session onTlsHandshake got");
                assertTrue(Await.get(server.connectedAfterHandshake, "onConnect"), "onConnect comes after the handshake, with the session");
                assertTrue(loop.call(server::isSecure), "isSecure() once the handshake is done");
            }
        }
    }

    /** A Pants client verifying the server by certificate and host name, against a Pants server; large messages too. */
    @BackendTest
    void pantsClientToPantsServer(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> made = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, made, TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            byte[] message = TestData.bytes(0, 300_000); // many records each way
            CompletableFuture<byte[]> echoed = new CompletableFuture<>();
            CompletableFuture<SSLSession> clientSession = new CompletableFuture<>();
            loop.run(() -> new Stream(loop.engine) {
                final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();

                @Override protected void onTlsHandshake(SSLSession s) { clientSession.complete(s); }
                @Override protected void onConnect() { write(message); }
                @Override protected void onRead(byte[] data) {
                    got.writeBytes(data);
                    if (got.size() >= message.length) {
                        echoed.complete(got.toByteArray());
                        close();
                    }
                }
                @Override protected void onTlsError(javax.net.ssl.SSLException e) { echoed.completeExceptionally(e); }
            }.tls(TlsFixtures.clientContext()).connect("localhost", port));
            assertArrayEquals(message, Await.get(echoed, "the echo of 300 kB"));
            assertNotNull(Await.get(clientSession, "the client's handshake").getPeerCertificates());
            Await.get(Await.get(made, "server stream").closed, "the server stream to close after the client's close_notify");
        }
    }

    /**
     * Records that arrive a byte at a time (a relay in between writes each byte on its own, with
     * TCP_NODELAY): the layer keeps partial records, handshake and data alike, until they are whole.
     */
    @BackendTest
    void recordsArrivingByteByByte(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend);
             java.net.ServerSocket relay = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            ExecutorService pumps = Executors.newFixedThreadPool(2);
            try {
                Future<?> relaying = pumps.submit(() -> {
                    try (java.net.Socket client = relay.accept(); java.net.Socket server = new java.net.Socket("127.0.0.1", port)) {
                        server.setTcpNoDelay(true);
                        client.setTcpNoDelay(true);
                        Future<?> back = pumps.submit(() -> pump(server.getInputStream(), client.getOutputStream())); // as it comes
                        InputStream in = client.getInputStream();
                        OutputStream out = server.getOutputStream();
                        for (int b; (b = in.read()) >= 0; ) {
                            out.write(b); // one byte, one segment
                            out.flush();
                        }
                        server.shutdownOutput();
                        back.get();
                    }
                    return null;
                });
                try (SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket("127.0.0.1", relay.getLocalPort())) {
                    c.setSoTimeout(30_000);
                    byte[] message = TestData.bytes(0, 20_000); // two records
                    c.getOutputStream().write(message);
                    c.getOutputStream().flush();
                    byte[] back = new byte[message.length];
                    new DataInputStream(c.getInputStream()).readFully(back);
                    assertArrayEquals(message, back, "the echo of records that came a byte at a time");
                }
                try {
                    relaying.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS); // its sockets closed, whatever the close race did
                } catch (java.util.concurrent.ExecutionException closingRace) {
                    // the client is gone before the server's close_notify reached it: a reset, not a failure of the layer
                }
            } finally {
                pumps.shutdownNow();
            }
        }
    }

    private static Object pump(InputStream from, OutputStream to) throws java.io.IOException {
        byte[] buf = new byte[16 * 1024];
        for (int n; (n = from.read(buf)) >= 0; ) to.write(buf, 0, n);
        return null;
    }

    @BackendTest
    void echoes200ConcurrentTlsClients(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<SSLSocket> clients = new ArrayList<>();
            try {
                List<Future<SSLSocket>> connecting = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) connecting.add(pool.submit(() -> TlsFixtures.jdkClient(port)));
                for (Future<SSLSocket> f : connecting) clients.add(Await.get(f, "a TLS client's handshake"));
                // all 200 are connected and handshaken at once before anyone writes
                for (int i = 0; i < CLIENTS; i++) {
                    clients.get(i).getOutputStream().write(("client " + i).getBytes(StandardCharsets.UTF_8));
                    clients.get(i).getOutputStream().flush();
                }
                for (int i = 0; i < CLIENTS; i++) {
                    byte[] expected = ("client " + i).getBytes(StandardCharsets.UTF_8);
                    byte[] back = new byte[expected.length];
                    new DataInputStream(clients.get(i).getInputStream()).readFully(back);
                    assertArrayEquals(expected, back, "client " + i);
                }
            } finally {
                for (SSLSocket c : clients) c.close();
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(20, TimeUnit.SECONDS));
            }
        }
    }

    @BackendTest
    void opensslClient(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            for (String version : new String[] {"-tls1_3", "-tls1_2"}) {
                Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, version, "-quiet", "-no_ign_eof",
                        "-CAfile", TlsFixtures.localhost().cert().toString(), "-verify_return_error", "-verify_hostname", "localhost")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                try {
                    OutputStream in = p.getOutputStream();
                    in.write("hello from openssl\n".getBytes(StandardCharsets.UTF_8));
                    in.flush();
                    byte[] back = readLine(p.getInputStream());
                    assertEquals("hello from openssl", new String(back, StandardCharsets.UTF_8), "echo to openssl " + version);
                    in.close();
                    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "openssl s_client ends after its input");
                } finally {
                    p.destroyForcibly().waitFor();
                    Processes.closeStreams(p);
                }
            }
        }
    }

    @BackendTest
    void pythonSslClient(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            String script = String.join("\n",
                    "import socket, ssl, sys",
                    "ctx = ssl.create_default_context(cafile=sys.argv[1])",
                    "with socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=20) as raw:",
                    "    with ctx.wrap_socket(raw, server_hostname='localhost') as s:",
                    "        s.sendall(b'hello from python')",
                    "        got = b''",
                    "        while len(got) < 17:",
                    "            got += s.recv(100)",
                    "        print(s.version(), got.decode())",
                    "        s.unwrap()",  // close_notify both ways
                    "");
            Process p = new ProcessBuilder("python3", "-c", script, TlsFixtures.localhost().cert().toString(), String.valueOf(port))
                    .redirectErrorStream(true).start();
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "python finishes");
                assertEquals(0, p.exitValue(), "python: " + out);
                assertEquals("TLSv1.3 hello from python", out);
            } finally {
                p.destroyForcibly().waitFor();
                Processes.closeStreams(p);
            }
        }
    }

    private static byte[] readLine(InputStream in) throws Exception {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) throw new AssertionError("end of output before a line: " + line);
            line.write(b);
        }
        return line.toByteArray();
    }

    static InetSocketAddress loopback(int port) { return new InetSocketAddress("127.0.0.1", port); }
}
