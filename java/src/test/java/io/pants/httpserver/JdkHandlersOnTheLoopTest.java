// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpExchange;
import io.pants.BackendTest;
import io.pants.Engine;
import io.pants.LoopThread;
import io.pants.http.JdkClient;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without an executor, handlers run on their connection's loop thread: a body up to the in-memory
 * limit is read there without waiting, one over it is handled on the server's large-body thread,
 * a large response written there arrives whole, and {@code stop(delay)} called there returns and
 * lets a thread of its own stop the server.
 */
@JdkClient.Uses
class JdkHandlersOnTheLoopTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();
    /** The in-memory limit of request bodies: the HTTP server's default body limit. */
    private static final int LIMIT = (int) io.pants.http.HttpServer.DEFAULT_MAX_BODY_SIZE;

    /**
     * Where the handler of {@code x} runs: {@code own-loop INDEX THREAD} on its connection's loop
     * thread, {@code other-loop ...} on another loop, {@code off-loop THREAD} on none.
     */
    static String where(HttpExchange x) {
        Engine here = Engine.current();
        String thread = Thread.currentThread().getName();
        if (here == null) return "off-loop " + thread;
        boolean own = here == ((PantsHttpExchange) x).loop() && here.inLoopThread();
        return (own ? "own-loop " : "other-loop ") + here.loopIndex() + " " + thread;
    }

    /** {@link JdkApiApplication} and {@code /where} on a server of {@code loops} loops, without an executor; started. */
    private static RunningServer start(String backend, int loops) throws IOException {
        PantsHttpServer server = (PantsHttpServer) new PantsHttpServerProvider(backend, loops)
                .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        JdkApiApplication app = JdkApiApplication.install(server);
        server.createContext("/where", x -> JdkApiApplication.respond(x, 200, where(x)));
        server.start();
        return new RunningServer(server, app);
    }

    private record RunningServer(PantsHttpServer server, JdkApiApplication app) implements AutoCloseable {
        int port() { return server.getAddress().getPort(); }

        java.net.URI uri(String pathAndQuery) { return java.net.URI.create("http://127.0.0.1:" + port() + pathAndQuery); }

        /** The loop thread of a server on one engine. */
        String loopThread() { return "pants-httpserver-" + port(); }

        @Override
        public void close() {
            app.release.countDown();
            server.stop(0);
        }
    }

    @BackendTest
    void aHandlerRunsOnItsConnectionsLoopThread(String backend) throws Exception {
        try (RunningServer s = start(backend, 1)) {
            assertEquals("own-loop 0 " + s.loopThread(), JdkClient.get(s.uri("/where")).body());
            assertEquals(s.loopThread(), JdkClient.get(s.uri("/thread")).body());
        }
    }

    @BackendTest
    void onTwoLoopsEachConnectionsHandlersRunOnItsOwnLoop(String backend) throws Exception {
        try (RunningServer s = start(backend, 2)) {
            Set<Integer> loops = new TreeSet<>();
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    Socket c = new Socket(InetAddress.getLoopbackAddress(), s.port());
                    c.setSoTimeout((int) WAIT_MS);
                    open.add(c);
                }
                for (Socket c : open) {
                    String first = null;
                    for (int round = 0; round < 2; round++) {
                        c.getOutputStream().write("GET /where HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        String response = JdkRequestBodyTest.readResponse(c.getInputStream());
                        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
                        String where = response.substring(response.indexOf("\r\n\r\n") + 4);
                        assertTrue(where.startsWith("own-loop "), "the handler ran elsewhere than on its connection's loop: " + where);
                        if (first == null) first = where;
                        else assertEquals(first, where, "two requests of one connection ran on different loops");
                    }
                    String[] w = first.split(" ");
                    assertEquals("pants-loop-" + w[1], w[2], "the loop's thread");
                    loops.add(Integer.parseInt(w[1]));
                }
            } finally {
                for (Socket c : open) c.close();
            }
            assertEquals(Set.of(0, 1), loops, "the loops that ran the handlers of 40 connections");
        }
    }

    @BackendTest
    void aBodyUpToTheLimitIsReadOnTheLoop(String backend) throws Exception {
        try (RunningServer s = start(backend, 1)) {
            byte[] small = JdkRequestBodyTest.data(1 << 20);
            HttpResponse<byte[]> echo = JdkClient.get().send(JdkApplicationTest.request(s.uri("/echo"))
                    .POST(BodyPublishers.ofByteArray(small)).build(), BodyHandlers.ofByteArray());
            assertEquals(200, echo.statusCode());
            assertEquals(s.loopThread(), echo.headers().firstValue("x-thread").orElse(null));
            assertArrayEquals(small, echo.body());

            // chunked (the client doesn't know the length), and of exactly the limit
            HttpResponse<byte[]> chunked = JdkClient.get().send(JdkApplicationTest.request(s.uri("/echo"))
                    .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))).build(), BodyHandlers.ofByteArray());
            assertEquals(s.loopThread(), chunked.headers().firstValue("x-thread").orElse(null));
            assertArrayEquals(small, chunked.body());
            byte[] atLimit = JdkRequestBodyTest.data(LIMIT);
            HttpResponse<String> sum = JdkApplicationTest.send(JdkApplicationTest.request(s.uri("/sum"))
                    .POST(BodyPublishers.ofByteArray(atLimit)).build());
            assertEquals(s.loopThread(), sum.headers().firstValue("x-thread").orElse(null), "a body of the limit exactly");
            assertEquals(JdkRequestBodyTest.summary(atLimit), sum.body());
        }
    }

    @BackendTest
    void aBodyOverTheLimitIsHandledOnTheLargeBodyThread(String backend) throws Exception {
        try (RunningServer s = start(backend, 1)) {
            String largeBodyThread = "pants-httpserver-" + s.port() + "-large-body";
            byte[] upload = JdkRequestBodyTest.data(11 << 20);
            HttpResponse<String> sized = JdkApplicationTest.send(JdkApplicationTest.request(s.uri("/sum"))
                    .POST(BodyPublishers.ofByteArray(upload)).build());
            assertEquals(200, sized.statusCode(), sized.body());
            assertEquals(largeBodyThread, sized.headers().firstValue("x-thread").orElse(null));
            assertEquals(JdkRequestBodyTest.summary(upload), sized.body());

            HttpResponse<String> chunked = JdkApplicationTest.send(JdkApplicationTest.request(s.uri("/sum"))
                    .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(upload))).build());
            assertEquals(200, chunked.statusCode(), chunked.body());
            assertEquals(largeBodyThread, chunked.headers().firstValue("x-thread").orElse(null), "a chunked body over the limit");
            assertEquals(JdkRequestBodyTest.summary(upload), chunked.body());

            // and the next exchange, with no body, is back on the loop
            assertEquals("own-loop 0 " + s.loopThread(), JdkClient.get(s.uri("/where")).body());
        }
    }

    @BackendTest
    void aLargeResponseWrittenOnTheLoopArrivesWhole(String backend) throws Exception {
        long size = 20L * 1024 * 1024 + 7;
        try (RunningServer s = start(backend, 1)) {
            for (String path : List.of("/big?", "/bigfixed?")) {
                HttpResponse<InputStream> r = JdkClient.get().send(JdkApplicationTest.request(s.uri(path + size)).build(),
                        BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode());
                assertEquals(s.loopThread(), r.headers().firstValue("x-thread").orElse(null), path);
                try (InputStream in = r.body()) {
                    assertEquals(size, JdkApiApplication.readPattern(in), path);
                }
            }
        }
    }

    @BackendTest
    void stopFromAHandlerOnTheLoopReturnsAndTheServerStops(String backend) throws Exception {
        for (int loops : new int[] {1, 2}) {
            try (RunningServer s = start(backend, loops)) {
                int port = s.port();
                CompletableFuture<Thread> stopper = new CompletableFuture<>();
                s.server().createContext("/stop", x -> {
                    // a minute: were stop() to wait here for the exchanges, its own among them, the client would time out
                    x.getHttpContext().getServer().stop(60);
                    stopper.complete(threadNamed("pants-httpserver-" + port + "-stop"));
                    JdkApiApplication.respond(x, 200, "stopping " + where(x));
                });
                HttpResponse<String> r = JdkApplicationTest.send(JdkApplicationTest.request(s.uri("/stop")).build());
                assertEquals(200, r.statusCode(), loops + " loops");
                assertTrue(r.body().startsWith("stopping own-loop "), loops + " loops: " + r.body());

                Thread t = stopper.get(WAIT_MS, TimeUnit.MILLISECONDS);
                assertNotNull(t, loops + " loops: no thread pants-httpserver-" + port + "-stop once stop() returned to the handler");
                t.join(WAIT_MS);
                assertFalse(t.isAlive(), loops + " loops: the stop thread did not finish within " + LoopThread.WAIT);
                assertTrue(s.server().group() != null ? s.server().group().isClosed() : s.server().engine().isClosed(),
                        loops + " loops: the server's engines are not closed");
                assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                        loops + " loops: a new connection after the stop");
            }
        }
    }

    /** The live thread named {@code name}, or null. */
    private static Thread threadNamed(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) return t;
        }
        return null;
    }
}
