// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.LoopThread;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;


/** An {@link HttpClient} on an engine running in a {@link LoopThread}, with bounded waits for its results. */
final class ClientLoop implements AutoCloseable {
    final LoopThread loop;
    final HttpClient client;

    ClientLoop(String backend) throws Exception {
        this(backend, c -> { });
    }

    /** {@code settings} adjusts the client before its first request. */
    ClientLoop(String backend, Consumer<HttpClient> settings) throws Exception {
        loop = new LoopThread(backend);
        try {
            client = loop.call(() -> {
                HttpClient c = HttpClient.create(loop.engine);
                settings.accept(c);
                return c;
            });
        } catch (Exception | AssertionError e) {
            loop.close();
            throw e;
        }
    }

    /** The future's value, within {@link LoopThread#WAIT}; fails with the cause if it failed. */
    static <T> T await(CompletableFuture<T> f, String what) throws Exception {
        try {
            return f.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for " + what, e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** The exception the future failed with, within {@link LoopThread#WAIT}; fails if it succeeded. */
    static Throwable failure(CompletableFuture<?> f, String what) throws Exception {
        try {
            Object v = f.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError(what + " was expected to fail, but completed with " + v);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for " + what + " to fail", e);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Waits until {@code condition}, checked on the loop thread, holds. */
    void until(String what, BooleanSupplier condition) throws Exception {
        loop.until(what, condition);
    }

    <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
        return loop.call(task);
    }

    @Override
    public void close() throws Exception {
        try {
            loop.run(client::close);
        } finally {
            loop.close();
        }
    }
}
