// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An exception escaping a user callback is logged with where it came from, and the engine keeps
 * serving: the same connection and other connections still get answers.
 */
@ExtendWith(NoDescriptorLeaks.class)
class CallbackErrorTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();

    /** Answers each line in upper case; fails on purpose in onConnect (if told to) and on "boom". */
    static final class Touchy extends Stream {
        final boolean failOnConnect;
        final CompletableFuture<String> failedAs = new CompletableFuture<>();
        final CompletableFuture<RuntimeException> thrown = new CompletableFuture<>();

        Touchy(boolean failOnConnect) { this.failOnConnect = failOnConnect; }

        @Override
        protected void onConnect() {
            readDelimiter("\n");
            if (failOnConnect) fail("onConnect failed on purpose");
        }

        @Override
        protected void onRead(byte[] line) {
            String text = new String(line, StandardCharsets.UTF_8);
            if (text.equals("boom")) fail("onRead failed on purpose");
            write(text.toUpperCase() + "\n");
        }

        private void fail(String message) {
            RuntimeException e = new IllegalStateException(message);
            failedAs.complete(toString());
            thrown.complete(e);
            throw e;
        }
    }

    /** A line-based client over a JDK socket. */
    static final class Client implements AutoCloseable {
        final Socket socket = new Socket();
        final BufferedReader in;
        final OutputStream out;

        Client(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout((int) WAIT_MS);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String ask(String line) throws IOException {
            send(line);
            return in.readLine();
        }

        @Override
        public void close() throws IOException { socket.close(); }
    }

    /** A runnable whose toString names it, so the log can be checked for it. */
    static Runnable named(String name, Runnable body) {
        return new Runnable() {
            @Override public void run() { body.run(); }

            @Override public String toString() { return name; }
        };
    }

    private static LogRecord awaitError(CapturedLog log, String where, String source) throws InterruptedException {
        return log.await("an error from " + where + " of " + source, r -> r.getLevel() == Level.SEVERE
                && r.getMessage().contains(where) && r.getMessage().contains(source));
    }

    private static int listen(LoopThread loop, java.util.function.Supplier<Stream> factory) throws Exception {
        return loop.call(() -> new Server(loop.engine, factory).listen("127.0.0.1", 0).port());
    }

    @BackendTest
    void exceptionInOnReadIsLoggedWithTheStreamAndServingGoesOn(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<Touchy> first = new CompletableFuture<>();
            int port = listen(loop, () -> {
                Touchy t = new Touchy(false);
                first.complete(t);
                return t;
            });
            try (Client a = new Client(port)) {
                assertEquals("HELLO", a.ask("hello"));
                a.send("boom");
                Touchy stream = first.get(WAIT_MS, TimeUnit.MILLISECONDS);
                String name = stream.failedAs.get(WAIT_MS, TimeUnit.MILLISECONDS);
                LogRecord r = awaitError(log, "onRead", name);
                assertSame(stream.thrown.get(), r.getThrown(), "the log record carries the exception");

                assertEquals("AGAIN", a.ask("again"), "the same connection is still served");
                try (Client b = new Client(port)) {
                    assertEquals("OTHER", b.ask("other"), "a new connection is served");
                }
                assertEquals("STILL", a.ask("still"));
            }
        }
    }

    @BackendTest
    void exceptionInOnConnectIsLoggedWithTheStreamAndServingGoesOn(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            AtomicInteger made = new AtomicInteger();
            CompletableFuture<Touchy> first = new CompletableFuture<>();
            int port = listen(loop, () -> {
                Touchy t = new Touchy(made.getAndIncrement() == 0);
                first.complete(t);
                return t;
            });
            try (Client a = new Client(port)) {
                Touchy stream = first.get(WAIT_MS, TimeUnit.MILLISECONDS);
                String name = stream.failedAs.get(WAIT_MS, TimeUnit.MILLISECONDS);
                LogRecord r = awaitError(log, "onConnect", name);
                assertSame(stream.thrown.get(), r.getThrown());

                assertEquals("FIRST", a.ask("first"), "the stream whose onConnect failed is still served");
                try (Client b = new Client(port)) {
                    assertEquals("SECOND", b.ask("second"));
                }
            }
        }
    }

    @BackendTest
    void exceptionInATimerIsLoggedWithTheTimerAndTheLoopCarriesOn(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            Engine e = loop.engine;
            RuntimeException boom = new IllegalStateException("timer failed on purpose");
            Timer defer = loop.call(() -> e.defer(Duration.ofMillis(1), named("exploding defer", () -> { throw boom; })));
            LogRecord r = awaitError(log, "timer callback", "exploding defer");
            assertTrue(r.getMessage().contains(defer.toString()), "names the timer: " + r.getMessage());
            assertSame(boom, r.getThrown());

            loop.run(() -> e.callback(named("exploding callback", () -> { throw new IllegalStateException("callback failed"); })));
            awaitError(log, "timer callback", "exploding callback");

            // a loop that throws once keeps running on later turns (a cycle makes the turns)
            AtomicInteger loopRuns = new AtomicInteger();
            CountDownLatch ranAgain = new CountDownLatch(2);
            Timer loopTimer = loop.call(() -> e.loop(named("exploding loop", () -> {
                if (loopRuns.incrementAndGet() == 1) throw new IllegalStateException("loop failed");
                ranAgain.countDown();
            })));
            Timer ticks = loop.call(() -> e.cycle(Duration.ofMillis(1), () -> { }));
            awaitError(log, "timer callback", "exploding loop");
            assertTrue(ranAgain.await(WAIT_MS, TimeUnit.MILLISECONDS), "the loop ran again after throwing: " + loopRuns.get() + " runs");
            loop.run(() -> {
                loopTimer.cancel();
                ticks.cancel();
            });

            // a later timer still runs, and connections are served
            CountDownLatch later = new CountDownLatch(1);
            loop.run(() -> e.defer(Duration.ofMillis(1), later::countDown));
            assertTrue(later.await(WAIT_MS, TimeUnit.MILLISECONDS), "a timer after the failed ones ran");
            try (Client c = new Client(listen(loop, () -> new Touchy(false)))) {
                assertEquals("OK", c.ask("ok"));
            }
        }
    }

    @BackendTest
    void aCycleThatThrowsKeepsCycling(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            CountDownLatch threeRuns = new CountDownLatch(3);
            Timer cycle = loop.call(() -> loop.engine.cycle(Duration.ofMillis(1), named("exploding cycle", () -> {
                threeRuns.countDown();
                throw new IllegalStateException("cycle failed on purpose");
            })));
            assertTrue(threeRuns.await(WAIT_MS, TimeUnit.MILLISECONDS), "the cycle ran only " + (3 - threeRuns.getCount()) + " of 3 times");
            loop.run(cycle::cancel);
            awaitError(log, "timer callback", "exploding cycle");
        }
    }

    @BackendTest
    void exceptionInATaskIsLoggedWithTheTaskAndTheLoopCarriesOn(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            RuntimeException boom = new IllegalStateException("task failed on purpose");
            loop.engine.execute(named("exploding task", () -> { throw boom; }));
            LogRecord r = awaitError(log, "execute", "exploding task");
            assertSame(boom, r.getThrown());
            assertEquals("fine", loop.call(() -> "fine"), "tasks after it run");
            try (Client c = new Client(listen(loop, () -> new Touchy(false)))) {
                assertEquals("SERVED", c.ask("served"));
            }
        }
    }
}
