// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.EngineGroup;
import io.pants.LoopThread;
import io.pants.Refusals;
import io.pants.http.HttpServer;
import io.pants.http.JdkClient;
import io.pants.web.Application;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A graceful {@code HttpServer.shutdown(grace)} with WebSockets open, on one engine and on a
 * group of two loops: every open socket gets a close frame with 1001 (Going Away), the shutdown
 * ends as soon as the peers (our client, the JDK's) have answered it, and a peer that doesn't
 * answer is cut at the deadline.
 */
@JdkClient.Uses // and with it the descriptor-leak check
class WebSocketShutdownTest {
    private static final String GOING_AWAY = "close:1001:" + WebSocket.SHUTDOWN_REASON;

    /** An {@code Application} serving Recorders at {@code /ws}, on one engine ({@code loops} 1) or on a group. */
    private static final class Served implements AutoCloseable {
        final LoopThread single;
        final EngineGroup group;
        final HttpServer server;
        final int port;
        final BlockingQueue<Recorder> accepted = new LinkedBlockingQueue<>();

        Served(String backend, int loops, Supplier<Recorder> factory) throws Exception {
            Application app = new Application();
            app.websocket("/ws", () -> {
                Recorder s = factory.get();
                accepted.add(s);
                return s;
            });
            if (loops == 1) {
                group = null;
                single = new LoopThread(backend);
                try {
                    server = single.call(() -> new HttpServer(single.engine, app).listen("127.0.0.1", 0));
                } catch (Exception | AssertionError e) {
                    single.close();
                    throw e;
                }
            } else {
                single = null;
                group = new EngineGroup(loops, backend);
                try {
                    server = new HttpServer(group, app).listen("127.0.0.1", 0);
                    group.startThreads();
                } catch (Exception | AssertionError e) {
                    group.close();
                    throw e;
                }
            }
            port = server.port();
        }

        String uri() { return "ws://127.0.0.1:" + port + "/ws"; }

        /** The server side of the next connection, once it is open. */
        Recorder next() throws InterruptedException {
            Recorder s = accepted.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (s == null) throw new AssertionError("no WebSocket was accepted within " + LoopThread.WAIT);
            assertEquals("open", s.next("the server side's open"));
            return s;
        }

        @Override
        public void close() throws Exception {
            if (single != null) single.close();
            else group.close();
        }
    }

    /** Opens a client of ours on {@code clientLoop}; returns it once open. */
    private static Recorder connect(LoopThread clientLoop, Served s) throws Exception {
        Recorder c = new Recorder();
        clientLoop.run(() -> c.connect(s.uri()));
        assertEquals("open", c.next("the client's open"));
        return c;
    }

    private static void await(CompletableFuture<?> f, String what) throws Exception {
        try {
            f.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + LoopThread.WAIT, e);
        }
    }

    @BackendTest
    void peersThatAnswerTheCloseEndTheShutdownOnOneEngine(String backend) throws Exception {
        peersThatAnswerTheCloseEndTheShutdown(backend, 1);
    }

    @BackendTest
    void peersThatAnswerTheCloseEndTheShutdownOnTwoLoops(String backend) throws Exception {
        peersThatAnswerTheCloseEndTheShutdown(backend, 2);
    }

    private static void peersThatAnswerTheCloseEndTheShutdown(String backend, int loops) throws Exception {
        try (Served s = new Served(backend, loops, Recorder::new); LoopThread clientLoop = new LoopThread(backend)) {
            List<Recorder> clients = new ArrayList<>(), serverSides = new ArrayList<>();
            Set<Integer> loopsUsed = new TreeSet<>();
            // a few clients, and on a group as many as it takes for every loop to hold some
            while (clients.size() < 3 || loopsUsed.size() < loops) {
                assertTrue(clients.size() < 64, "64 connections all landed on the loops " + loopsUsed + " of " + loops);
                clients.add(connect(clientLoop, s));
                Recorder serverSide = s.next();
                serverSides.add(serverSide);
                loopsUsed.add(serverSide.engine().loopIndex());
            }
            List<JdkWebSocketTest.JdkEvents> jdk = new ArrayList<>();
            List<Recorder> jdkServerSides = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                JdkWebSocketTest.JdkEvents events = new JdkWebSocketTest.JdkEvents();
                CompletableFuture<java.net.http.WebSocket> opening = JdkClient.get().newWebSocketBuilder()
                        .connectTimeout(LoopThread.WAIT).buildAsync(java.net.URI.create(s.uri()), events);
                await(opening, "the JDK client's handshake");
                jdk.add(events);
                jdkServerSides.add(s.next());
            }

            CompletableFuture<Void> done = s.server.shutdown(Duration.ofSeconds(60));
            for (Recorder c : clients) assertEquals(GOING_AWAY, c.nextStartingWith("close:"), "our client's onClose");
            for (Recorder server : serverSides) {
                assertEquals(GOING_AWAY, server.nextStartingWith("close:"), "the server side's onClose, our client answering");
            }
            for (JdkWebSocketTest.JdkEvents events : jdk) assertEquals(GOING_AWAY, events.next("the server's close frame"));
            for (Recorder server : jdkServerSides) {
                assertTrue(server.nextStartingWith("close:").startsWith("close:1001:"), "the server side's onClose, the JDK answering");
            }
            // long before the 60 s deadline: every peer answered, so every connection is closed
            await(done, "the shutdown");
            assertTrue(s.server.isClosed());
            assertEquals(0, s.server.stats().connectionsOpen());
            Refusals.awaitRefused(s.port);
        }
    }

    @BackendTest
    void aPeerThatNeverAnswersIsCutAtTheDeadlineOnOneEngine(String backend) throws Exception {
        aPeerThatNeverAnswersIsCutAtTheDeadline(backend, 1);
    }

    @BackendTest
    void aPeerThatNeverAnswersIsCutAtTheDeadlineOnTwoLoops(String backend) throws Exception {
        aPeerThatNeverAnswersIsCutAtTheDeadline(backend, 2);
    }

    private static void aPeerThatNeverAnswersIsCutAtTheDeadline(String backend, int loops) throws Exception {
        // the sockets' own close timeout is far beyond the test: only the shutdown's deadline cuts
        Supplier<Recorder> patient = () -> {
            Recorder r = new Recorder();
            r.closeTimeout(Duration.ofMinutes(10));
            return r;
        };
        try (Served s = new Served(backend, loops, patient); LoopThread clientLoop = new LoopThread(backend)) {
            Recorder answering = connect(clientLoop, s);
            Recorder answeringServerSide = s.next();
            Recorder silent = connect(clientLoop, s);
            Recorder silentServerSide = s.next();
            clientLoop.run(silent::pauseReading); // it never reads the close frame, so never answers it

            CompletableFuture<Void> done = s.server.shutdown(Duration.ofMillis(2500)); // far beyond a close handshake on a loaded machine
            assertEquals(GOING_AWAY, answering.nextStartingWith("close:"));
            assertEquals(GOING_AWAY, answeringServerSide.nextStartingWith("close:"));
            assertFalse(done.isDone(), "the shutdown waits for the peer that has not answered");
            await(done, "the shutdown, cutting the silent peer at its deadline");
            assertEquals("close:1006:the connection ended before the peer answered the close frame",
                    silentServerSide.nextStartingWith("close:"), "the server side of the silent peer was cut");
            assertEquals(0, s.server.stats().connectionsOpen());
            clientLoop.run(silent::resumeReading);
            // cut by the server: it reads the close frame first (1001), or the reset lost it (1006)
            String end = silent.nextStartingWith("close:");
            assertTrue(end.equals(GOING_AWAY) || end.startsWith("close:1006:"), "the silent client's onClose: " + end);
        }
    }
}
