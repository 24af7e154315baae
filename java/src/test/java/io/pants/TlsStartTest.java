// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** STARTTLS: a connected plain stream upgraded in place, as a server and as a client. */
@ExtendWith(NoDescriptorLeaks.class)
class TlsStartTest {
    /** A line server: echoes lines; "STARTTLS" answers OK in plain text and upgrades. Speaks enough SMTP for openssl -starttls smtp. */
    static final class LineServer extends Stream {
        final CompletableFuture<Boolean> upgraded = new CompletableFuture<>();

        @Override protected void onConnect() {
            readDelimiter("\r\n");
            write("220 pants ready\r\n");
        }

        @Override protected void onRead(byte[] data) {
            String line = new String(data, StandardCharsets.UTF_8);
            if (line.startsWith("EHLO")) {
                write("250-pants\r\n250 STARTTLS\r\n");
            } else if (line.equals("STARTTLS")) {
                write("220 go ahead\r\n"); // in plain text, before the handshake
                startTls(TlsFixtures.serverContext());
            } else {
                write((isSecure() ? "secure " : "plain ") + line + "\r\n");
            }
        }

        @Override protected void onTlsHandshake(javax.net.ssl.SSLSession session) { upgraded.complete(isSecure()); }
    }

    @BackendTest
    void serverUpgradesForAJdkClient(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<LineServer> made = new CompletableFuture<>();
            int port = loop.serve(made, LineServer::new);
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                raw.setSoTimeout(20_000);
                BufferedReader plain = new BufferedReader(new InputStreamReader(raw.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("220 pants ready", plain.readLine());
                raw.getOutputStream().write("hello\r\nSTARTTLS\r\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("plain hello", plain.readLine());
                assertEquals("220 go ahead", plain.readLine());
                SSLSocket tls = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket(raw, "localhost", port, true);
                tls.startHandshake();
                assertTrue(Await.get(Await.get(made, "server stream").upgraded, "the server's handshake"));
                tls.getOutputStream().write("secret\r\n".getBytes(StandardCharsets.UTF_8));
                tls.getOutputStream().flush();
                BufferedReader secure = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("secure secret", secure.readLine());
                assertThrows(IllegalStateException.class, () -> loop.run(() -> made.getNow(null).startTls(TlsFixtures.serverContext())),
                        "a second upgrade");
            }
        }
    }

    /** openssl's own STARTTLS client (SMTP flavour): greeting, EHLO, STARTTLS, handshake, then a line over TLS. */
    @BackendTest
    void serverUpgradesForOpensslStarttls(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<LineServer> made = new CompletableFuture<>();
            int port = loop.serve(made, LineServer::new);
            Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-starttls", "smtp", "-quiet",
                    "-no_ign_eof", "-crlf", "-CAfile", TlsFixtures.localhost().cert().toString(), "-verify_return_error")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                OutputStream in = p.getOutputStream();
                in.write("over tls\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("secure over tls", out.readLine());
                assertTrue(Await.get(Await.get(made, "server stream").upgraded, "the upgrade"));
                in.close();
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "openssl ends after its input");
            } finally {
                p.destroyForcibly().waitFor();
                Processes.closeStreams(p);
            }
        }
    }

    /** The client side: a Pants client upgrades after the server's go-ahead; the JDK server takes over the same socket. */
    @BackendTest
    void clientUpgradesAgainstAJdkServer(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend);
             ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> serverHeard = CompletableFuture.supplyAsync(() -> {
                try (Socket raw = listener.accept()) {
                    raw.setSoTimeout(20_000);
                    BufferedReader plain = new BufferedReader(new InputStreamReader(raw.getInputStream(), StandardCharsets.UTF_8));
                    if (!plain.readLine().equals("STARTTLS")) return "no STARTTLS";
                    raw.getOutputStream().write("OK\n".getBytes(StandardCharsets.UTF_8));
                    SSLSocket tls = (SSLSocket) TlsFixtures.serverContext().getSocketFactory().createSocket(raw, null, false);
                    tls.setUseClientMode(false);
                    BufferedReader secure = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
                    String line = secure.readLine();
                    tls.getOutputStream().write(("ack " + line + "\n").getBytes(StandardCharsets.UTF_8));
                    tls.getOutputStream().flush();
                    tls.close();
                    return line;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            CompletableFuture<String> clientHeard = new CompletableFuture<>();
            loop.run(() -> new Stream(loop.engine) {
                @Override protected void onConnect() {
                    readDelimiter("\n");
                    write("STARTTLS\n");
                }
                @Override protected void onRead(byte[] data) {
                    String line = new String(data, StandardCharsets.UTF_8);
                    if (line.equals("OK")) startTls(TlsFixtures.clientContext());
                    else clientHeard.complete(line + (isSecure() ? " (secure)" : " (plain)"));
                }
                @Override protected void onTlsHandshake(javax.net.ssl.SSLSession session) { write("top secret\n"); }
            }.connect("localhost", listener.getLocalPort()));
            assertEquals("top secret", Await.get(serverHeard, "the JDK server to read the line over TLS"));
            assertEquals("ack top secret (secure)", Await.get(clientHeard, "the answer over TLS"));
        }
    }

    @BackendTest
    void tlsAfterConnectingPointsToStartTls(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<LineServer> made = new CompletableFuture<>();
            int port = loop.serve(made, LineServer::new);
            try (Socket raw = new Socket("127.0.0.1", port)) {
                LineServer server = Await.get(made, "server stream");
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> loop.run(() -> server.tls(TlsFixtures.serverContext())));
                assertTrue(e.getMessage().contains("startTls()"), e.getMessage());
            }
        }
    }
}
