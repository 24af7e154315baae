// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * An engine running on a background thread for a test, closed (on its own thread) at the end.
 * {@link #call} runs code on the loop and waits for it, with a bounded wait.
 */
public final class LoopThread implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);

    public final Engine engine;
    private final Thread thread;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    public LoopThread(String backend) {
        this(new Engine(backend));
    }

    public LoopThread(Engine engine) {
        this.engine = engine;
        this.thread = new Thread(() -> {
            try {
                engine.start();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "pants-test-loop-" + engine.pollerName());
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} on the loop thread and returns its result; fails after {@link #WAIT}. */
    public <T> T call(Callable<T> task) throws Exception {
        try {
            return engine.submit(task).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("the loop did not run the task within " + WAIT, e);
        }
    }

    /** Runs {@code task} on the loop thread and waits for it. */
    public void run(Runnable task) throws Exception {
        call(() -> {
            task.run();
            return null;
        });
    }

    /** Asks the loop, a turn at a time, until {@code condition} holds there; fails after {@link #WAIT} naming {@code what}. */
    public void until(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!call(condition::getAsBoolean)) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
        }
    }

    /**
     * Listens on a free loopback port with a server whose streams {@code factory} makes, and
     * completes {@code made} with the first one; returns the port.
     */
    public <T extends Stream> int serve(CompletableFuture<T> made, Supplier<T> factory) throws Exception {
        return call(() -> new Server(engine, () -> {
            T s = factory.get();
            made.complete(s);
            return s;
        }).listen("127.0.0.1", 0).port());
    }

    /** Stops the loop, waits for it, and closes the engine with everything on it. */
    @Override
    public void close() throws Exception {
        engine.stop();
        try {
            done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the engine did not stop within " + WAIT, e);
        }
        thread.join(WAIT.toMillis());
        engine.close();
    }
}
