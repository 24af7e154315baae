// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpServer;
import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.http.JdkClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Where handlers run with an executor (there, side by side; on the loop for one that runs them
 * where they are given), backpressure from a slow client to a blocking handler, and stopping.
 * Handlers without an executor: {@link JdkHandlersOnTheLoopTest}.
 */
@JdkClient.Uses
class JdkServerThreadsTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();

    /** Threads named {@code app-worker-N}, remembered, for an executor the test can watch. */
    static final class Workers implements ThreadFactory {
        final List<Thread> threads = new CopyOnWriteArrayList<>();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "app-worker-" + threads.size());
            t.setDaemon(true);
            threads.add(t);
            return t;
        }

        /** Waits (bounded) until one of the threads waits inside the response body for the client. */
        Thread awaitBlockedWriter() {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (System.nanoTime() < deadline) {
                for (Thread t : threads) {
                    if (t.getState() == Thread.State.WAITING && isIn(t, ResponseBody.class.getName(), "submit")) return t;
                }
                // nothing signals that a thread started waiting: look again shortly
                LockSupport.parkNanos(5_000_000);
            }
            throw new AssertionError("no handler thread came to wait for the client within " + LoopThread.WAIT);
        }

        private static boolean isIn(Thread t, String className, String method) {
            for (StackTraceElement e : t.getStackTrace()) {
                if (e.getClassName().equals(className) && e.getMethodName().equals(method)) return true;
            }
            return false;
        }
    }

    @BackendTest
    void withAnExecutorHandlersRunThereSideBySide(String backend) throws Exception {
        Workers workers = new Workers();
        try (RunningApplication s = RunningApplication.start(backend, Executors.newFixedThreadPool(4, workers))) {
            assertTrue(JdkClient.get(s.uri("/thread")).body().startsWith("app-worker-"));

            var waiting = JdkClient.get().sendAsync(JdkApplicationTest.request(s.uri("/wait")).build(), BodyHandlers.ofString());
            assertTrue(s.app.waiting.await(WAIT_MS, TimeUnit.MILLISECONDS), "the /wait handler did not start");
            // answered while the other handler still waits
            assertEquals(JdkApiApplication.HELLO, JdkClient.get(s.uri("/")).body());
            assertFalse(waiting.isDone(), "the /wait handler finished without being released");
            s.app.release.countDown();
            assertEquals("released", waiting.get(WAIT_MS, TimeUnit.MILLISECONDS).body());
        }
    }

    @BackendTest
    void aDirectExecutorRunsHandlersOnTheLoopWithoutDeadlock(String backend) throws Exception {
        try (RunningApplication s = RunningApplication.start(backend, null, Runnable::run)) {
            String name = JdkClient.get(s.uri("/thread")).body();
            assertEquals("pants-httpserver-" + s.port(), name, "the handler ran on another thread than the loop");
            // more than the response body lets a handler have in flight: on the loop it must not wait for itself
            long size = 4L * ResponseBody.MAX_IN_FLIGHT + 5;
            HttpResponse<byte[]> r = JdkClient.get().send(JdkApplicationTest.request(s.uri("/big?" + size)).build(), BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals(size, r.body().length);
            for (int i = 0; i < size; i++) {
                if (r.body()[i] != JdkApiApplication.patternByte(i)) fail("byte " + i + " is wrong");
            }
        }
    }

    @BackendTest
    void aSlowClientHoldsTheHandlerBackAndLosesNoByte(String backend) throws Exception {
        long size = 32L * 1024 * 1024; // more than loopback socket buffers hold
        Workers workers = new Workers();
        try (RunningApplication s = RunningApplication.start(backend, Executors.newFixedThreadPool(2, workers));
             Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.port()), (int) WAIT_MS);
            client.setSoTimeout((int) WAIT_MS);
            // HTTP/1.0: the streamed body is not chunked and ends where the connection does
            client.getOutputStream().write(("GET /big?" + size + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));

            workers.awaitBlockedWriter(); // we read nothing yet: the handler must come to wait

            InputStream in = client.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
            assertFalse(head.toLowerCase().contains("transfer-encoding"), head);
            assertEquals(size, JdkApiApplication.readPattern(in), "bytes received");
        }
    }

    @BackendTest
    void aLargeFixedLengthResponseArrivesWhole(String backend) throws Exception {
        long size = 8L * 1024 * 1024 + 3;
        try (RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<InputStream> r = JdkClient.get().send(JdkApplicationTest.request(s.uri("/bigfixed?" + size)).build(),
                    BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            assertEquals(String.valueOf(size), r.headers().firstValue("content-length").orElse(null));
            try (InputStream in = r.body()) {
                assertEquals(size, JdkApiApplication.readPattern(in));
            }
        }
    }

    @BackendTest
    void stopWaitsForTheExchangesUnderWayThenRefusesConnections(String backend) throws Exception {
        // with an executor, so that requests before the stop takes effect are answered beside /wait
        RunningApplication s = RunningApplication.start(backend, Executors.newFixedThreadPool(4, new Workers()));
        int port = s.port();
        try {
            var waiting = JdkClient.get().sendAsync(JdkApplicationTest.request(s.uri("/wait")).build(), BodyHandlers.ofString());
            assertTrue(s.app.waiting.await(WAIT_MS, TimeUnit.MILLISECONDS), "the /wait handler did not start");
            // a keep-alive connection, served once before the stop
            CompletableFuture<Void> stopped;
            try (Socket open = new Socket(InetAddress.getLoopbackAddress(), port)) {
                open.setSoTimeout((int) WAIT_MS);
                open.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String first = readHead(open.getInputStream());
                assertTrue(first.startsWith("HTTP/1.1 200 "), first);
                open.getInputStream().readNBytes(JdkApiApplication.HELLO.length());
                stopped = CompletableFuture.runAsync(() -> s.server.stop(30));

                // once stopping, as the JDK's server: the listening socket is closed, new clients refused
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
                boolean refused = false;
                while (!refused && System.nanoTime() < deadline) {
                    try (Socket late = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        Thread.onSpinWait(); // not yet: stop() closes the listener on the loop thread in a moment
                    } catch (SocketException e) {
                        refused = true; // refused, or reset when the listener closed during the handshake
                    }
                }
                assertTrue(refused, "new connections are still accepted during stop()");
                // and a new request on a connection still open is turned away
                open.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String head = readHead(open.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 503 "), "a request during stop(): " + head);
                assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), head);
            }
            assertFalse(stopped.isDone(), "stop() returned while an exchange was under way");

            s.app.release.countDown();
            HttpResponse<String> r = waiting.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("released", r.body());
            stopped.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
        } finally {
            s.close();
        }
    }

    @BackendTest
    void stopZeroCutsOffAHandlerWaitingForTheClient(String backend) throws Exception {
        Workers workers = new Workers();
        ExecutorService executor = Executors.newFixedThreadPool(2, workers);
        CompletableFuture<IOException> failure = new CompletableFuture<>();
        try (RunningApplication s = RunningApplication.start(backend, executor); Socket client = new Socket()) {
            s.server.createContext("/endless", x -> {
                x.sendResponseHeaders(200, 0);
                OutputStream out = x.getResponseBody();
                byte[] block = new byte[16384];
                try {
                    for (int i = 0; i < 1_000_000; i++) out.write(block); // 16 GB at most: the client reads none
                    failure.complete(null);
                } catch (IOException e) {
                    failure.complete(e);
                }
            });
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.port()), (int) WAIT_MS);
            client.getOutputStream().write("GET /endless HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            workers.awaitBlockedWriter();

            s.server.stop(0);
            IOException e = failure.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertInstanceOf(IOException.class, e, "the handler's write did not fail after stop(0)");
        }
    }

    @BackendTest
    void theServerKeepsTheJdkLifeCycleRules(String backend) throws Exception {
        HttpServer unbound = new PantsHttpServerProvider(backend).createHttpServer(null, 0);
        assertThrows(IllegalStateException.class, unbound::start, "start() before bind()");
        unbound.stop(0);
        unbound.stop(0); // twice: nothing

        try (RunningApplication s = RunningApplication.start(backend)) {
            InetSocketAddress address = s.server.getAddress();
            assertEquals(InetAddress.getLoopbackAddress(), address.getAddress());
            assertTrue(address.getPort() > 0);
            assertThrows(java.net.BindException.class, () -> s.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
            assertThrows(IllegalStateException.class, s.server::start, "start() twice");
            assertThrows(IllegalStateException.class, () -> s.server.setExecutor(Runnable::run), "setExecutor() after start()");
            assertThrows(IllegalArgumentException.class, () -> s.server.createContext("/app", x -> { }), "a second /app");
            assertThrows(IllegalArgumentException.class, () -> s.server.createContext("relative", x -> { }));
            assertThrows(IllegalArgumentException.class, () -> s.server.removeContext("/none"));
            assertThrows(IllegalArgumentException.class, () -> s.server.stop(-1));

            // a port in use is a BindException, as with the JDK's server
            assertThrows(java.net.BindException.class, () -> new PantsHttpServerProvider(backend).createHttpServer(address, 0));
        }
    }

    /**
     * start() returns once the loops run, so that a stop() right after it hands its work to them;
     * before, it could find a loop about to start and close the listener from the caller's thread
     * during the loop's first wait (on NIO the caller then blocked on the selector for good).
     */
    @BackendTest
    void startReturnsOnceTheLoopsRunAndAStopRightAfterItEnds(String backend) throws Exception {
        for (int loops : new int[] {1, 2}) {
            for (int round = 0; round < 10; round++) {
                PantsHttpServer server = (PantsHttpServer) new PantsHttpServerProvider(backend, loops)
                        .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                server.start();
                List<io.pants.Engine> engines = loops == 1 ? List.of(server.engine()) : server.engine().engineGroup().engines();
                for (io.pants.Engine e : engines) {
                    assertTrue(e.isRunning(), loops + " loops, round " + round + ": a loop was not running when start() returned");
                }
                CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.stop(0));
                stopped.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS); // fails with a timeout if stop() hangs
            }
        }
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) return b.toString();
            if (b.length() > 65536) break;
        }
        throw new AssertionError("no response head: " + b);
    }
}
