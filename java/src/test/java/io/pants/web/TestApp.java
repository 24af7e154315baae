// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.LoopThread;
import io.pants.http.HttpServer;
import io.pants.http.JdkClient;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link Application} served on loopback by an engine in a {@link LoopThread}, with the two
 * clients the tests use: the JDK's {@code HttpClient} ({@link JdkClient}), and a raw socket for
 * what that client would change or refuse to send (paths with {@code ..}, HEAD responses read
 * byte-exactly).
 */
final class TestApp implements AutoCloseable {
    final LoopThread loop;
    final Application app;
    final int port;

    private TestApp(LoopThread loop, Application app, int port) {
        this.loop = loop;
        this.app = app;
        this.port = port;
    }

    /** Starts an application on {@code backend}, its routes set up by {@code routes} before it listens. */
    static TestApp start(String backend, Consumer<Application> routes) throws Exception {
        return start(backend, routes, server -> { });
    }

    /** As above, {@code settings} adjusting the HTTP server before it listens. */
    static TestApp start(String backend, Consumer<Application> routes, Consumer<HttpServer> settings) throws Exception {
        LoopThread loop = new LoopThread(backend);
        try {
            Application app = new Application();
            routes.accept(app);
            int port = loop.call(() -> {
                HttpServer server = new HttpServer(loop.engine, app);
                settings.accept(server);
                return server.listen("127.0.0.1", 0).port();
            });
            return new TestApp(loop, app, port);
        } catch (Exception | AssertionError e) {
            loop.close();
            throw e;
        }
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(LoopThread.WAIT);
    }

    /** A GET through the JDK client. */
    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return send(request(pathAndQuery).GET());
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return JdkClient.get().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A response read off a raw socket. */
    record Raw(int status, Map<String, List<String>> headers, byte[] body) {
        String text() { return new String(body, StandardCharsets.UTF_8); }

        String header(String name) {
            List<String> v = headers.get(name);
            if (v == null) return null;
            assertEquals(1, v.size(), "header " + name + " came more than once: " + v);
            return v.get(0);
        }

        @Override
        public String toString() {
            return status + " " + headers + " body=" + text();
        }
    }

    /**
     * Sends {@code method target} exactly as given, with {@code extraHeaders} (each line ending
     * in CRLF) and {@code Connection: close}, and reads the response up to the close: so the
     * body read is everything the server sent after the head, and a HEAD response's must be empty.
     */
    Raw raw(String method, String target, String extraHeaders) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) LoopThread.WAIT.toMillis());
            s.setSoTimeout((int) LoopThread.WAIT.toMillis());
            String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "Connection: close\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return parse(s.getInputStream().readAllBytes());
        }
    }

    Raw raw(String method, String target) throws IOException {
        return raw(method, target, "");
    }

    private static Raw parse(byte[] all) {
        int end = -1;
        for (int i = 0; i + 3 < all.length; i++) {
            if (all[i] == '\r' && all[i + 1] == '\n' && all[i + 2] == '\r' && all[i + 3] == '\n') {
                end = i;
                break;
            }
        }
        assertTrue(end > 0, "no complete response head in: '" + new String(all, StandardCharsets.ISO_8859_1) + "'");
        String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        assertTrue(statusLine[0].equals("HTTP/1.1") && statusLine.length >= 2, "not a status line: " + lines[0]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            assertTrue(colon > 0, "not a header line: " + lines[i]);
            headers.computeIfAbsent(lines[i].substring(0, colon), k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
        }
        return new Raw(Integer.parseInt(statusLine[1]), headers, Arrays.copyOfRange(all, end + 4, all.length));
    }

    @Override
    public void close() throws Exception {
        loop.close();
    }
}
