// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run TLS handshakes' delegated tasks ({@code SSLEngine.getDelegatedTask()}:
 * key exchange, signatures, certificate checks), for every engine of the process.
 *
 * <p>As many threads as processors, not one per waiting handshake: the tasks are CPU work, and a
 * burst of new connections with a thread each would leave the loops one share among hundreds of
 * the processors' time, so that every connection, handshaken or not, waits for all the others'
 * handshakes. With at most one task thread per processor, the loops keep their share and the
 * handshakes queue, first come, first served. The threads are daemons and go after 30 idle
 * seconds.
 */
final class TlsTasks {
    private static final AtomicInteger NUMBER = new AtomicInteger();
    static final int THREADS = Runtime.getRuntime().availableProcessors();
    private static final ThreadPoolExecutor POOL = pool(THREADS);

    private TlsTasks() { }

    /** Runs {@code tasks} in order on a task thread. */
    static void run(Runnable tasks) { POOL.execute(tasks); }

    /** Task runs waiting for a thread (for tests). */
    static int waiting() { return POOL.getQueue().size(); }

    private static ThreadPoolExecutor pool(int threads) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "pants-tls-task-" + NUMBER.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
