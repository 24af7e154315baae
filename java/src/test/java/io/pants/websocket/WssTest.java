// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.TlsFixtures;
import io.pants.http.HttpServer;
import io.pants.web.Application;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wss:}: the server on an HTTPS {@code HttpServer}, with the JDK's client and ours; our client refusing an untrusted certificate. */
@ExtendWith(WssTest.OpenJdkClient.class) // before the leak check counts: on Java 17 a client can't be closed
@ExtendWith(NoDescriptorLeaks.class)
class WssTest {
    private static HttpClient jdk;

    /** One JDK client trusting the test certificate, for the whole class. */
    static final class OpenJdkClient implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            if (jdk == null) jdk = HttpClient.newBuilder().sslContext(TlsFixtures.clientContext()).connectTimeout(LoopThread.WAIT).build();
        }
    }

    /** A web application with a WebSocket echo at /ws on HTTPS; returns the port. */
    private static int serve(LoopThread loop, CompletableFuture<Recorder> first) throws Exception {
        return loop.call(() -> {
            Application app = new Application();
            app.websocket("/ws", () -> {
                Recorder r = new Recorder.Echo();
                first.complete(r);
                return r;
            });
            return new HttpServer(loop.engine, app).tls(TlsFixtures.serverContext()).listen("127.0.0.1", 0).port();
        });
    }

    @BackendTest
    void theJdkClientAndOursTalkWss(String backend) throws Exception {
        CompletableFuture<Recorder> first = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend); LoopThread clients = new LoopThread(backend)) {
            int port = serve(loop, first);
            JdkWebSocketTest.JdkEvents events = new JdkWebSocketTest.JdkEvents();
            java.net.http.WebSocket ws = jdk.newWebSocketBuilder().buildAsync(URI.create("wss://localhost:" + port + "/ws"), events)
                    .get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            ws.sendText("over TLS", true).get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("text:over TLS", events.next("the echo over wss"));
            Recorder server = first.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(loop.call(() -> server.handshake().isSecure()), "the handshake came over TLS");
            ws.sendClose(1000, "").get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("close:1000:", events.next("the close"));

            Recorder ours = new Recorder();
            clients.run(() -> ours.tls(TlsFixtures.clientContext()).connect("wss://localhost:" + port + "/ws"));
            assertEquals("open", ours.next("open over wss"));
            clients.run(() -> ours.send("ours over TLS"));
            assertEquals("text:ours over TLS", ours.next("the echo"));
            clients.run(ours::close);
            assertEquals("close:1000:", ours.nextStartingWith("close:"));
        }
    }

    @BackendTest
    void anUntrustedCertificateIsAConnectError(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); LoopThread clients = new LoopThread(backend)) {
            int port = serve(loop, new CompletableFuture<>());
            CompletableFuture<IOException> error = new CompletableFuture<>();
            Recorder c = new Recorder() {
                @Override protected void onConnectError(IOException cause) {
                    error.complete(cause);
                    super.onConnectError(cause);
                }
            };
            clients.run(() -> c.connect("wss://localhost:" + port + "/ws")); // the JDK's trusted certificates: not ours
            assertInstanceOf(javax.net.ssl.SSLException.class, error.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            c.next("error");
            assertTrue(c.next("close").startsWith("close:1006:"));
        }
    }
}
