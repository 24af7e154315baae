// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.Engine;
import io.pants.EngineGroup;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.Refusals;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An HttpServer on a group of loops: correct answers from every loop, and a graceful shutdown. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpGroupTest {

    private static EngineGroup started(int loops, String backend) {
        return new EngineGroup(loops, backend);
    }

    @BackendTest
    void servesTwoHundredConcurrentClientsOnFourLoops(String backend) throws Exception {
        EngineGroup group = started(4, backend);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        Queue<String> offLoop = new ConcurrentLinkedQueue<>();
        Set<Integer> loopsSeen = ConcurrentHashMap.newKeySet();
        try {
            HttpServer server = new HttpServer(group, r -> {
                Engine e = r.engine();
                if (!e.inLoopThread() || !Thread.currentThread().getName().equals("pants-loop-" + e.loopIndex())) {
                    offLoop.add(r.path() + " of loop " + e.loopIndex() + " ran on " + Thread.currentThread().getName());
                }
                r.sendResponse("loop " + e.loopIndex() + " " + r.path());
            }).listen("127.0.0.1", 0);
            int port = server.port();
            group.startThreads();
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) clients.add(new RawClient(port));
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < clients.size(); i++) {
                    RawClient c = clients.get(i);
                    int client = i;
                    done.add(pool.submit(() -> {
                        int loop = -1;
                        for (int round = 0; round < 3; round++) { // keep-alive: one connection, one loop
                            c.send("GET /c" + client + "/r" + round + " HTTP/1.1\r\nHost: x\r\n\r\n");
                            RawClient.Response r = c.read();
                            assertEquals(200, r.status(), r.toString());
                            String[] words = r.text().split(" ");
                            assertEquals("/c" + client + "/r" + round, words[2], r.text());
                            int here = Integer.parseInt(words[1]);
                            if (loop >= 0) assertEquals(loop, here, "a connection stays on its loop");
                            loop = here;
                            assertTrue(r.header("date") != null, "every loop sends a Date");
                        }
                        loopsSeen.add(loop);
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                for (RawClient c : clients) c.close();
            }
            assertTrue(offLoop.isEmpty(), () -> offLoop.toString());
            assertEquals(Set.of(0, 1, 2, 3), loopsSeen, "every loop served some of the 200 connections");
            assertEquals(200, server.stats().accepted());
        } finally {
            pool.shutdownNow();
            group.close();
        }
    }

    @BackendTest
    void shutdownFinishesInFlightRequestsClosesIdleConnectionsAndRefusesNewOnes(String backend) throws Exception {
        EngineGroup group = started(3, backend);
        CountDownLatch slowEntered = new CountDownLatch(1);
        CompletableFuture<HttpRequest> slow = new CompletableFuture<>();
        try {
            HttpServer server = new HttpServer(group, r -> {
                if (r.path().equals("/slow")) {
                    slow.complete(r); // answered later, from the test
                    slowEntered.countDown();
                } else {
                    r.sendResponse("hi");
                }
            }).listen("127.0.0.1", 0);
            int port = server.port();
            group.startThreads();
            try (RawClient idle = new RawClient(port); RawClient busy = new RawClient(port)) {
                idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("hi", idle.read().text());
                busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(slowEntered.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the slow handler ran");

                CompletableFuture<Void> done = server.shutdown(Duration.ofSeconds(60));
                idle.assertClosedByServer(); // idle keep-alive connection: closed at once
                Refusals.awaitRefused(port);
                assertFalse(done.isDone(), "a request is in flight");

                HttpRequest r = slow.get();
                r.engine().execute(() -> r.sendResponse("slow done"));
                RawClient.Response answer = busy.read();
                assertEquals(200, answer.status());
                assertEquals("slow done", answer.text(), "the in-flight request is answered");
                assertEquals("close", answer.header("connection"), "and says the connection closes: " + answer);
                busy.assertClosedByServer(); // then its connection closes
                // long before the 60 s deadline: all connections are gone
                done.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertTrue(server.isClosed());
            }
        } finally {
            group.close();
        }
    }

    @BackendTest
    void shutdownClosesWhatIsLeftAtTheDeadline(String backend) throws Exception {
        EngineGroup group = started(2, backend);
        CountDownLatch entered = new CountDownLatch(2);
        try {
            HttpServer server = new HttpServer(group, r -> entered.countDown()).listen("127.0.0.1", 0); // never answers
            group.startThreads();
            try (RawClient a = new RawClient(server.port()); RawClient b = new RawClient(server.port())) {
                a.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
                b.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(entered.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "both handlers ran");
                CompletableFuture<Void> done = server.shutdown(Duration.ofMillis(300));
                try {
                    done.get(100, TimeUnit.MILLISECONDS);
                    throw new AssertionError("the shutdown completed before its deadline with requests in flight");
                } catch (TimeoutException expected) {
                    // still waiting for the requests
                }
                done.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    a.assertClosedByServer();
                    b.assertClosedByServer();
                } catch (java.net.SocketException reset) {
                    // aborted at the deadline: a reset is a close too
                }
                assertEquals(0, server.stats().connectionsOpen());
            }
        } finally {
            group.close();
        }
    }

}
