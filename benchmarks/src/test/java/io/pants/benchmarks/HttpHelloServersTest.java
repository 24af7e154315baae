// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.pants.Pollers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every server of the HTTP hello-world workloads, started as the runner starts it (a child
 * process of its own, its provider chosen on the command line), answers {@code GET /} with
 * {@code Hello, World!} and a Content-Length, twice on one kept-alive connection, and closes the
 * connection after a request that asks for it. Runs on every available Pants backend.
 */
class HttpHelloServersTest {
    private static final int TIMEOUT_MILLIS = 20_000;

    static List<Arguments> servers() {
        List<String> pollers = Pollers.available();
        List<Arguments> all = new ArrayList<>();
        for (Workload w : List.of(Workload.HTTP_HELLO_100, Workload.JDK_API_HELLO_100)) {
            for (ServerKind k : ServerKind.values()) {
                if (!k.speaks(w.protocol)) continue;
                if (k.pantsPoller() != null && !pollers.contains(k.pantsPoller())) continue;
                if (k.onNettyEpoll() && !Epoll.isAvailable()) continue;
                if (k.onNettyIoUring() && !IoUring.isAvailable()) continue;
                all.add(Arguments.of(k, w));
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("servers")
    void answersHelloWorldWithKeepAlive(ServerKind kind, Workload workload) throws Exception {
        try (ServerProcess server = new ServerProcess(kind, workload, null, List.of("-Xmx128m"))) {
            try (Socket s = new Socket("127.0.0.1", server.port)) {
                s.setSoTimeout(TIMEOUT_MILLIS); // bounds every read: a server that never answers fails, not hangs
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                for (int i = 1; i <= 2; i++) {
                    out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Response r = Response.read(in);
                    assertEquals("HTTP/1.1 200 OK", r.statusLine(), kind + ", request " + i + "; " + server.diagnostics());
                    assertEquals("13", r.headers().get("content-length"), kind + " " + r.headers());
                    assertEquals("Hello, World!", r.body(), kind + ", request " + i);
                    assertTrue(r.headers().getOrDefault("connection", "keep-alive").equalsIgnoreCase("keep-alive"),
                            kind + " means to close a kept-alive connection: " + r.headers());
                }
                out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Response last = Response.read(in);
                assertEquals("Hello, World!", last.body(), kind + ", the closing request");
                assertEquals(-1, in.read(), kind + " left the connection open after 'Connection: close'");
            }
        }
    }

    /** One HTTP/1.1 response with a Content-Length body, read byte by byte. */
    private record Response(String statusLine, Map<String, String> headers, String body) {
        static Response read(InputStream in) throws IOException {
            String status = line(in);
            Map<String, String> headers = new TreeMap<>();
            for (String l; !(l = line(in)).isEmpty(); ) {
                int colon = l.indexOf(':');
                assertTrue(colon > 0, "not a header field: '" + l + "'");
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            String length = headers.get("content-length");
            assertTrue(length != null, "no Content-Length in " + headers);
            byte[] body = in.readNBytes(Integer.parseInt(length));
            return new Response(status, headers, new String(body, StandardCharsets.US_ASCII));
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new IOException("the connection ended in the middle of a response, after '" + b + "'");
                if (c != '\r') b.write(c);
            }
            return b.toString(StandardCharsets.US_ASCII);
        }
    }
}
