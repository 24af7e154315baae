// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpServer;
import io.pants.BackendTest;
import io.pants.Engine;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK's HttpServer API on a group of loops: every loop serves, and stop(delay) drains all of
 * them. Handlers without an executor on a group: {@link JdkHandlersOnTheLoopTest}.
 */
@ExtendWith(NoDescriptorLeaks.class)
class JdkGroupTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();

    private static HttpServer start(String backend, int loops, ExecutorService executor) throws Exception {
        HttpServer server = new PantsHttpServerProvider(backend, loops)
                .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        JdkApiApplication.install(server);
        server.setExecutor(executor);
        server.start();
        return server;
    }

    @BackendTest
    void twoHundredClientsAreServedOnFourLoops(String backend) throws Exception {
        ExecutorService handlers = Executors.newFixedThreadPool(8);
        ExecutorService clients = Executors.newFixedThreadPool(20);
        HttpServer server = start(backend, 4, handlers);
        try {
            int port = server.getAddress().getPort();
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                    s.setSoTimeout((int) WAIT_MS);
                    open.add(s);
                }
                List<Future<?>> done = new ArrayList<>();
                for (Socket s : open) {
                    done.add(clients.submit(() -> {
                        for (int round = 0; round < 2; round++) {
                            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                            String head = JdkServerThreadsTest.readHead(s.getInputStream());
                            assertTrue(head.startsWith("HTTP/1.1 200 "), head);
                            byte[] body = s.getInputStream().readNBytes(JdkApiApplication.HELLO.length());
                            assertEquals(JdkApiApplication.HELLO, new String(body, StandardCharsets.ISO_8859_1));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(WAIT_MS, TimeUnit.MILLISECONDS);
            } finally {
                for (Socket s : open) s.close();
            }
            PantsHttpServer pants = (PantsHttpServer) server;
            assertEquals(4, pants.group().size());
            for (Engine e : pants.group().engines()) {
                assertTrue(e.stats().accepts() > 0, "loop " + e.loopIndex() + " accepted none of the 200 connections");
            }
        } finally {
            server.stop(0);
            handlers.shutdownNow();
            clients.shutdownNow();
        }
    }

    @BackendTest
    void stopWaitsForTheExchangeUnderWayOnEveryLoopAndRefusesNewClients(String backend) throws Exception {
        ExecutorService handlers = Executors.newFixedThreadPool(4);
        HttpServer server = new PantsHttpServerProvider(backend, 3)
                .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        JdkApiApplication app = JdkApiApplication.install(server);
        server.setExecutor(handlers);
        server.start();
        int port = server.getAddress().getPort();
        try (Socket waiting = new Socket(InetAddress.getLoopbackAddress(), port)) {
            waiting.setSoTimeout((int) WAIT_MS);
            waiting.getOutputStream().write("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(app.waiting.await(WAIT_MS, TimeUnit.MILLISECONDS), "the /wait handler did not start");
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.stop(30));
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            boolean refused = false;
            while (!refused && System.nanoTime() < deadline) {
                try (Socket late = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    Thread.onSpinWait(); // not yet: each loop closes its listener in a moment
                } catch (SocketException e) {
                    refused = true;
                }
            }
            assertTrue(refused, "new connections are still accepted during stop()");
            assertFalse(stopped.isDone(), "stop() returned while an exchange was under way");
            app.release.countDown();
            String head = JdkServerThreadsTest.readHead(waiting.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200 "), "the exchange under way finishes: " + head);
            stopped.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
            assertTrue(((PantsHttpServer) server).group().isClosed(), "stop() closes every loop");
        } finally {
            app.release.countDown();
            server.stop(0);
            handlers.shutdownNow();
        }
    }
}
