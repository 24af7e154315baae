// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.pants.BackendTest;
import io.pants.TlsFixtures;
import io.pants.http.JdkClient;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An unmodified JDK HttpsServer application on the Pants provider: HttpsConfigurator, HttpsParameters, HttpsExchange. */
@JdkClient.Uses
class JdkHttpsTest {
    /** A JDK-API application that says what the exchange tells it about TLS, and remembers the client ports. */
    private static HttpsServer start(String backend, HttpsConfigurator configurator, Set<Integer> clientPorts) throws IOException {
        HttpsServer server = new PantsHttpServerProvider(backend).createHttpsServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(configurator);
        server.createContext("/", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            String body = (exchange instanceof HttpsExchange https ? "https " + https.getSSLSession().getProtocol() : "plain")
                    + " " + (exchange.getHttpContext().getServer() instanceof HttpsServer) + " " + exchange.getRequestURI().getPath();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return server;
    }

    private static HttpResponse<String> get(HttpsServer server, String path) throws Exception {
        return JdkClient.https().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.getAddress().getPort() + path))
                .timeout(io.pants.LoopThread.WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    @BackendTest
    void jdkHttpsApplicationWithKeepAlive(String backend) throws Exception {
        Set<Integer> ports = ConcurrentHashMap.newKeySet();
        HttpsServer server = start(backend, new HttpsConfigurator(TlsFixtures.serverContext()), ports);
        try {
            for (int i = 0; i < 3; i++) assertEquals("https TLSv1.3 true /r" + i, get(server, "/r" + i).body());
            assertEquals(1, ports.size(), "three requests on one kept-alive connection: " + ports);
        } finally {
            server.stop(0);
        }
    }

    @BackendTest
    void pipelinedRequests(String backend) throws Exception {
        HttpsServer server = start(backend, new HttpsConfigurator(TlsFixtures.serverContext()), ConcurrentHashMap.newKeySet());
        try (SSLSocket c = TlsFixtures.jdkClient(server.getAddress().getPort())) {
            c.getOutputStream().write(("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            c.getOutputStream().flush();
            String all = new String(c.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertEquals(2, all.split("HTTP/1.1 200 OK\r\n", -1).length - 1, all);
            assertTrue(all.indexOf("true /a") < all.indexOf("true /b") && all.contains("true /a"), all);
        } finally {
            server.stop(0);
        }
    }

    /** configure(HttpsParameters) runs per connection, with the client's address; what it sets applies. */
    @BackendTest
    void configuratorChoosesPerConnection(String backend) throws Exception {
        List<InetSocketAddress> clients = new CopyOnWriteArrayList<>();
        HttpsConfigurator needsClientCertificates = new HttpsConfigurator(TlsFixtures.serverContext()) {
            @Override
            public void configure(HttpsParameters params) {
                clients.add(params.getClientAddress());
                params.setProtocols(new String[] {"TLSv1.2"});
                params.setNeedClientAuth(true);
            }
        };
        HttpsServer server = start(backend, needsClientCertificates, ConcurrentHashMap.newKeySet());
        try (SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.getAddress().getPort())) {
            c.setSoTimeout(20_000);
            // TLS 1.2 as configured; without a client certificate the server refuses the handshake
            assertThrows(IOException.class, c::startHandshake);
            assertEquals(1, clients.size());
            assertNotNull(clients.get(0), "the client's address");
            assertEquals(c.getLocalPort(), clients.get(0).getPort(), "the address of this client");
        } finally {
            server.stop(0);
        }
    }

    @BackendTest
    void startWithoutConfiguratorSaysWhatIsMissing(String backend) throws Exception {
        HttpsServer server = new PantsHttpServerProvider(backend).createHttpsServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, server::start);
            assertTrue(e.getMessage().contains("setHttpsConfigurator"), e.getMessage());
        } finally {
            server.stop(0);
        }
    }
}
