// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Bounded waits for what streams report to the test thread: every wait gives up after
 * {@link LoopThread#WAIT} with a message that says what never happened.
 */
final class Await {
    private Await() {}

    /** The future's value; fails if it does not complete in time or completed exceptionally. */
    static <T> T get(Future<T> future, String what) throws Exception {
        try {
            return future.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for " + what, e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        }
    }

    static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for " + what
                    + " (" + latch.getCount() + " still missing)");
        }
    }

    static <T> T take(BlockingQueue<T> queue, String what) throws InterruptedException {
        T t = queue.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (t == null) throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for " + what);
        return t;
    }
}
