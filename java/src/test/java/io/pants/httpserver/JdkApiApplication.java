// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An application written only against the JDK's {@code com.sun.net.httpserver} API (nothing
 * here knows about Pants), which the tests run on the Pants provider.
 */
final class JdkApiApplication {
    static final String HELLO = "Hello, World!";
    /** The pattern of /big's body: byte i is (i * 31 + i / 65521) mod 256, so lost or repeated blocks show. */
    static byte patternByte(long i) { return (byte) (i * 31 + i / 65521); }

    /** Reads {@code in} to its end, failing at the first byte off /big's pattern; returns the bytes read. */
    static long readPattern(InputStream in) throws IOException {
        byte[] buffer = new byte[65536];
        long offset = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            for (int i = 0; i < n; i++) {
                if (buffer[i] != patternByte(offset + i)) throw new AssertionError("byte " + (offset + i) + " is wrong");
            }
            offset += n;
        }
        return offset;
    }

    /** The handler's thread, in a response header of /echo, /sum and /big, for the tests that look at where handlers run. */
    private static void tellThread(HttpExchange x) {
        x.getResponseHeaders().set("X-Thread", Thread.currentThread().getName());
    }

    /** Released by the tests to let /wait's handler go on. */
    final CountDownLatch release = new CountDownLatch(1);
    /** Counted down when /wait's handler has started waiting. */
    final CountDownLatch waiting = new CountDownLatch(1);

    private JdkApiApplication() {}

    /** Adds the application's contexts to {@code server}. */
    static JdkApiApplication install(HttpServer server) {
        JdkApiApplication app = new JdkApiApplication();
        server.createContext("/", x -> respond(x, 200, HELLO));

        // several writes of a streamed body; the test releases the second half once it has read the first
        server.createContext("/stream", x -> {
            x.getResponseHeaders().add("Content-Type", "text/plain");
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                out.write("first\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                app.waiting.countDown();
                awaitRelease(app);
                for (int i = 2; i <= 4; i++) out.write(("part " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        });

        // sends back the request body, with its length known in advance
        server.createContext("/echo", x -> {
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            x.getResponseHeaders().add("X-Method", x.getRequestMethod());
            tellThread(x);
            x.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });

        // the request body's length and CRC-32, read in pieces: a body of any size
        server.createContext("/sum", x -> {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            long size = 0;
            try (InputStream in = x.getRequestBody()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    crc.update(buffer, 0, n);
                    size += n;
                }
            }
            tellThread(x);
            respond(x, 200, size + " " + Long.toHexString(crc.getValue()));
        });

        // answers without reading the request body
        server.createContext("/ignore", x -> respond(x, 200, "ignored"));

        server.createContext("/nobody", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.createContext("/nocontent", x -> {
            x.sendResponseHeaders(204, -1);
            x.close();
        });

        // /big?BYTES: the pattern, streamed (chunked) in writes of odd sizes; /bigfixed?BYTES: with a Content-Length
        server.createContext("/big", x -> {
            long size = Long.parseLong(x.getRequestURI().getQuery());
            tellThread(x);
            x.sendResponseHeaders(200, x.getRequestURI().getPath().equals("/bigfixed") ? size : 0);
            try (OutputStream out = x.getResponseBody()) {
                byte[] block = new byte[50_000];
                long sent = 0;
                while (sent < size) {
                    int n = (int) Math.min(block.length, size - sent);
                    for (int i = 0; i < n; i++) block[i] = patternByte(sent + i);
                    out.write(block, 0, n);
                    sent += n;
                }
            }
        });

        // the filters add to a trace; the authenticator (which the JDK runs after the filters) too
        var traced = server.createContext("/filtered", x -> respond(x, 200,
                x.getResponseHeaders().getFirst("X-Trace") + ",handler:" + x.getAttribute("note")));
        traced.getFilters().add(trace("first"));
        traced.getFilters().add(trace("second"));
        traced.getFilters().add(new Filter() {
            @Override
            public void doFilter(HttpExchange x, Chain chain) throws IOException {
                x.setAttribute("note", "from-filter");
                chain.doFilter(x);
            }

            @Override
            public String description() { return "note"; }
        });

        var secret = server.createContext("/private", x -> respond(x, 200, "hello " + x.getPrincipal().getUsername()
                + " " + x.getResponseHeaders().getFirst("X-Trace")));
        secret.getFilters().add(trace("filter"));
        secret.setAuthenticator(new BasicAuthenticator("pants") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return user.equals("user") && password.equals("secret");
            }
        });

        // an authenticator that refuses everyone outright
        server.createContext("/forbidden", x -> respond(x, 200, "let in")).setAuthenticator(new Authenticator() {
            @Override
            public Result authenticate(HttpExchange x) { return new Failure(403); }
        });

        // prefixes: the longest matching context path wins
        server.createContext("/app", x -> respond(x, 200, "app " + x.getRequestURI().getPath()));
        server.createContext("/app/admin", x -> respond(x, 200, "admin " + x.getRequestURI().getPath()));

        server.createContext("/thread", x -> respond(x, 200, Thread.currentThread().getName()));
        server.createContext("/wait", x -> {
            app.waiting.countDown();
            awaitRelease(app);
            respond(x, 200, "released");
        });
        server.createContext("/fail", x -> {
            throw new IllegalStateException("a handler that fails (on purpose, for a test)");
        });
        return app;
    }

    static void respond(HttpExchange x, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private static Filter trace(String name) {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange x, Chain chain) throws IOException {
                String before = x.getResponseHeaders().getFirst("X-Trace");
                x.getResponseHeaders().set("X-Trace", before == null ? name : before + "," + name);
                chain.doFilter(x);
            }

            @Override
            public String description() { return "trace " + name; }
        };
    }

    private static void awaitRelease(JdkApiApplication app) throws IOException {
        try {
            if (!app.release.await(20, TimeUnit.SECONDS)) throw new IOException("the test never released the handler");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
