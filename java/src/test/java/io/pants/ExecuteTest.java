// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Handing work to the loop from other threads, and the loop-thread rule for everything else. */
@ExtendWith(NoDescriptorLeaks.class)
class ExecuteTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();

    @BackendTest
    void tasksFromManyThreadsRunOnceEachOnTheLoopThreadInPerThreadOrder(String backend) throws Exception {
        int threads = 8, perThread = 500;
        try (LoopThread loop = new LoopThread(backend)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            int[] lastSeen = new int[threads]; // loop thread only
            java.util.Arrays.fill(lastSeen, -1);
            CountDownLatch allRan = new CountDownLatch(threads * perThread);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int producer = t;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        int seq = i;
                        loop.engine.execute(() -> {
                            if (!loop.engine.inLoopThread()) problems.add("task ran on " + Thread.currentThread().getName());
                            if (lastSeen[producer] != seq - 1) {
                                problems.add("producer " + producer + ": task " + seq + " ran after " + lastSeen[producer]);
                            }
                            lastSeen[producer] = seq;
                            runs.incrementAndGet(producer * perThread + seq);
                            allRan.countDown();
                        });
                    }
                }, "producer-" + t);
                producers.add(th);
                th.start();
            }
            go.countDown();
            assertTrue(allRan.await(WAIT_MS, TimeUnit.MILLISECONDS),
                    allRan.getCount() + " of " + threads * perThread + " tasks did not run within " + LoopThread.WAIT);
            for (Thread th : producers) th.join(WAIT_MS);
            loop.run(() -> { }); // a last turn, so that a task run twice would have shown by now
            assertEquals(List.of(), List.copyOf(problems));
            for (int i = 0; i < runs.length(); i++) assertEquals(1, runs.get(i), "task " + i + " ran " + runs.get(i) + " times");
        }
    }

    /**
     * The loop has no timers, so between tasks it sleeps in the poller with no timeout; each
     * task handed in from outside must wake it. Rounds are sequential, so most find it asleep.
     */
    @BackendTest
    void executeWakesASleepingLoop(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            for (int round = 0; round < 20; round++) {
                CountDownLatch ran = new CountDownLatch(1);
                Thread other = new Thread(() -> loop.engine.execute(ran::countDown), "waker-" + round);
                other.start();
                assertTrue(ran.await(WAIT_MS, TimeUnit.MILLISECONDS), "round " + round + ": the sleeping loop was not woken by execute()");
                other.join(WAIT_MS);
            }
        }
    }

    @BackendTest
    void submitReturnsResultsAndExceptions(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            assertEquals(42, loop.engine.submit(() -> 6 * 7).get(WAIT_MS, TimeUnit.MILLISECONDS));
            assertEquals(Boolean.TRUE, loop.engine.submit(loop.engine::inLoopThread).get(WAIT_MS, TimeUnit.MILLISECONDS));

            CompletableFuture<Object> failing = loop.engine.submit(() -> { throw new IOException("no such thing"); });
            ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(WAIT_MS, TimeUnit.MILLISECONDS));
            assertInstanceOf(IOException.class, e.getCause());
            assertEquals("no such thing", e.getCause().getMessage());

            // the loop carries on after a failed task
            assertEquals("still here", loop.engine.submit(() -> "still here").get(WAIT_MS, TimeUnit.MILLISECONDS));
        }
    }

    static final class Idle extends Stream {
        final CompletableFuture<Stream> connected;

        Idle(CompletableFuture<Stream> connected) { this.connected = connected; }

        @Override
        protected void onConnect() { connected.complete(this); }
    }

    @BackendTest
    void loopThreadMethodsThrowFromOtherThreadsAndSayToUseExecute(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            Engine e = loop.engine;
            CompletableFuture<Stream> accepted = new CompletableFuture<>();
            Server server = loop.call(() -> new Server(e, () -> new Idle(accepted)).listen("127.0.0.1", 0));
            Timer timer = loop.call(() -> e.defer(Duration.ofHours(1), () -> { }));
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress("127.0.0.1", loop.call(server::port)), 5000);
                client.setSoTimeout(10_000);
                Stream stream = accepted.get(WAIT_MS, TimeUnit.MILLISECONDS);

                Map<String, Executable> calls = new java.util.LinkedHashMap<>();
                calls.put("Server.listen", () -> new Server(e, () -> new Idle(new CompletableFuture<>())).listen("127.0.0.1", 0));
                calls.put("Server.close", server::close);
                calls.put("Stream.write", () -> stream.write("x"));
                calls.put("Stream.flush", stream::flush);
                calls.put("Stream.readDelimiter", () -> stream.readDelimiter("\n"));
                calls.put("Stream.pauseReading", stream::pauseReading);
                calls.put("Stream.close", stream::close);
                calls.put("Stream.connect", () -> new Stream(e) { }.connect(new InetSocketAddress("127.0.0.1", 1)));
                calls.put("Engine.defer", () -> e.defer(Duration.ofMillis(1), () -> { }));
                calls.put("Engine.cycle", () -> e.cycle(Duration.ofMillis(1), () -> { }));
                calls.put("Engine.callback", () -> e.callback(() -> { }));
                calls.put("Engine.loop", () -> e.loop(() -> { }));
                calls.put("Engine.close", e::close);
                calls.put("Timer.cancel", timer::cancel);
                for (Map.Entry<String, Executable> call : calls.entrySet()) {
                    IllegalStateException ex = assertThrows(IllegalStateException.class, call.getValue(),
                            call.getKey() + " from the test thread while the loop runs");
                    assertTrue(ex.getMessage().contains("execute"), call.getKey() + ": the message should point to execute(): " + ex.getMessage());
                }
                IllegalStateException poll = assertThrows(IllegalStateException.class, () -> e.poll(Duration.ZERO));
                assertTrue(poll.getMessage().contains("already running"), poll.getMessage());

                // none of the refused calls took effect
                assertTrue(loop.call(stream::isConnected), "the stream is still open");
                assertFalse(loop.call(server::isClosed), "the server is still open");
                assertFalse(loop.call(timer::isCancelled), "the timer is still scheduled");
                assertFalse(e.isClosed());
                // and the same calls work when handed to the loop
                loop.run(() -> stream.write("ok"));
                byte[] two = client.getInputStream().readNBytes(2);
                assertEquals("ok", new String(two, java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
    }

    @BackendTest
    void stopFromAnotherThreadEndsStartAndTheEngineCanStartAgain(String backend) throws Exception {
        try (Engine e = new Engine(backend)) {
            for (int round = 0; round < 2; round++) {
                CompletableFuture<Void> started = new CompletableFuture<>();
                CompletableFuture<Void> returned = new CompletableFuture<>();
                Thread t = new Thread(() -> {
                    try {
                        e.start();
                        returned.complete(null);
                    } catch (Throwable x) {
                        returned.completeExceptionally(x);
                    }
                }, "loop-round-" + round);
                t.start();
                e.execute(() -> started.complete(null));
                started.get(WAIT_MS, TimeUnit.MILLISECONDS); // the loop runs (and then sleeps: nothing to do)
                assertTrue(e.isRunning());
                e.stop();
                returned.get(WAIT_MS, TimeUnit.MILLISECONDS);
                t.join(WAIT_MS);
                assertFalse(t.isAlive(), "the loop thread ended");
                assertFalse(e.isRunning(), "round " + round + ": start() returned, so the engine is not running");
            }
        }
    }

    @BackendTest
    void pollAndStartFromInsideACallbackThrow(String backend) {
        try (Engine e = new Engine(backend)) {
            AtomicReference<Throwable> fromPoll = new AtomicReference<>();
            AtomicReference<Throwable> fromStart = new AtomicReference<>();
            e.callback(() -> {
                try {
                    e.poll(Duration.ZERO);
                    fail("poll() re-entered");
                } catch (IllegalStateException x) {
                    fromPoll.set(x);
                }
                try {
                    e.start();
                    fail("start() re-entered");
                } catch (IllegalStateException x) {
                    fromStart.set(x);
                }
            });
            e.poll(Duration.ZERO);
            assertInstanceOf(IllegalStateException.class, fromPoll.get(), "poll() inside a callback must throw");
            assertTrue(fromPoll.get().getMessage().contains("callbacks"), fromPoll.get().getMessage());
            assertInstanceOf(IllegalStateException.class, fromStart.get(), "start() inside a callback must throw");
            assertFalse(e.isRunning(), "the outer poll returned normally");
            e.poll(Duration.ZERO); // and the engine still works
        }
    }

    @BackendTest
    void executeOnAClosedEngineIsRejected(String backend) {
        Engine e = new Engine(backend);
        e.close();
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> e.execute(() -> { }));
        assertThrows(IllegalStateException.class, () -> e.poll(Duration.ZERO));
    }
}
