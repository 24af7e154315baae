// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A group of engines running on their threads for a test, closed at the end; {@link #call}
 * runs code on one loop and waits for it, with a bounded wait ({@link LoopThread#WAIT}).
 */
final class GroupThreads implements AutoCloseable {
    final EngineGroup group;

    GroupThreads(int loops, String backend) {
        this.group = new EngineGroup(loops, backend);
    }

    /** Starts the loops (after the test set its servers up, as a program does before start()). */
    GroupThreads start() {
        group.startThreads();
        return this;
    }

    <T> T call(int loop, Callable<T> task) throws Exception {
        try {
            return group.engine(loop).submit(task).get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("loop " + loop + " did not run the task within " + LoopThread.WAIT, e);
        }
    }

    @Override
    public void close() throws Exception {
        group.stop();
        if (!group.awaitTermination(LoopThread.WAIT)) throw new AssertionError("the loops did not stop within " + LoopThread.WAIT);
        group.close();
    }
}
