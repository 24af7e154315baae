// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EngineGroup: N loops on threads pants-loop-N, execute on a chosen or the next loop, the loop one is on, start/stop/close. */
@ExtendWith(NoDescriptorLeaks.class)
class EngineGroupTest {

    @BackendTest
    void eachLoopRunsOnItsOwnNamedThread(String backend) throws Exception {
        try (GroupThreads loops = new GroupThreads(3, backend).start()) {
            EngineGroup g = loops.group;
            assertEquals(3, g.size());
            for (int i = 0; i < 3; i++) {
                Engine e = g.engine(i);
                assertSame(g, e.engineGroup());
                assertEquals(i, e.loopIndex());
                int loop = i;
                String name = loops.call(i, () -> Thread.currentThread().getName());
                assertEquals("pants-loop-" + loop, name);
                assertSame(e, loops.call(i, Engine::current), "Engine.current() on loop " + i);
                assertTrue(loops.call(i, e::inLoopThread));
            }
            assertNull(Engine.current(), "the test thread runs no loop");
        }
    }

    @BackendTest
    void nextAndExecuteGoRoundRobin(String backend) throws Exception {
        try (GroupThreads loops = new GroupThreads(4, backend).start()) {
            EngineGroup g = loops.group;
            Set<Engine> seen = new HashSet<>();
            for (int i = 0; i < 4; i++) seen.add(g.next());
            assertEquals(Set.copyOf(g.engines()), seen, "four calls of next() visit every loop once");

            CountDownLatch ran = new CountDownLatch(8);
            Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 8; i++) {
                g.execute(() -> {
                    threads.add(Thread.currentThread().getName());
                    ran.countDown();
                });
            }
            Await.await(ran, "tasks given to group.execute");
            assertEquals(Set.of("pants-loop-0", "pants-loop-1", "pants-loop-2", "pants-loop-3"), threads);

            // handing work from one loop to another: the task runs on the loop it was given to
            CompletableFuture<String> handed = new CompletableFuture<>();
            g.engine(0).execute(() -> g.engine(2).execute(() -> handed.complete(Thread.currentThread().getName())));
            assertEquals("pants-loop-2", Await.get(handed, "a task handed from loop 0 to loop 2"));
        }
    }

    @BackendTest
    void startThreadsReturnsOnceEveryLoopOwnsItsEngine(String backend) throws Exception {
        // What the caller does next (listen, connect) goes through each loop's queue, never
        // straight into a poller whose loop is about to make its first wait.
        for (int round = 0; round < 20; round++) {
            try (GroupThreads loops = new GroupThreads(3, backend).start()) {
                for (Engine e : loops.group.engines()) {
                    assertTrue(e.isRunning(), "round " + round + ": loop " + e.indexInGroup + " not yet running when startThreads() returned");
                    assertFalse(e.inLoopThread());
                }
            }
        }
    }

    @BackendTest
    void startBlocksUntilStopAndCloseClosesEveryEngine(String backend) throws Exception {
        EngineGroup g = new EngineGroup(2, backend);
        CompletableFuture<Void> returned = new CompletableFuture<>();
        Thread main = new Thread(() -> {
            g.start();
            returned.complete(null);
        }, "test-main");
        main.start();
        CountDownLatch running = new CountDownLatch(2);
        for (Engine e : g.engines()) e.execute(running::countDown);
        Await.await(running, "both loops running");
        assertFalse(returned.isDone(), "start() returned while the loops run");
        assertThrows(IllegalStateException.class, g::startThreads, "a group starts once");
        g.stop();
        Await.get(returned, "start() returning after stop()");
        assertTrue(g.awaitTermination(LoopThread.WAIT));
        main.join(TimeUnit.SECONDS.toMillis(10));
        g.close();
        assertTrue(g.isClosed());
        for (Engine e : g.engines()) assertTrue(e.isClosed());
    }

    @BackendTest
    void aBuilderMakesEveryLoop(String backend) throws Exception {
        try (EngineGroup g = new EngineGroup(2, Engine.builder().poller(backend).outputChunkSize(4096))) {
            for (Engine e : g.engines()) {
                assertEquals(backend, e.pollerName());
                assertEquals(4096, e.chunks.chunkSize(), "each loop has its own pool, made with the builder's size");
            }
            assertTrue(g.engine(0).chunks != g.engine(1).chunks, "chunk pools are per loop");
        }
    }

    @Test
    void theLoopCountComesFromThePropertyOrTheProcessors() {
        String before = System.getProperty(EngineGroup.LOOPS_PROPERTY);
        try {
            System.clearProperty(EngineGroup.LOOPS_PROPERTY);
            assertEquals(Runtime.getRuntime().availableProcessors(), EngineGroup.defaultLoops());
            System.setProperty(EngineGroup.LOOPS_PROPERTY, "3");
            assertEquals(3, EngineGroup.defaultLoops());
            System.setProperty(EngineGroup.LOOPS_PROPERTY, "none");
            assertEquals(Runtime.getRuntime().availableProcessors(), EngineGroup.defaultLoops(), "a bad value is ignored");
        } finally {
            if (before == null) System.clearProperty(EngineGroup.LOOPS_PROPERTY);
            else System.setProperty(EngineGroup.LOOPS_PROPERTY, before);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EngineGroup(0, "nio"));
        assertTrue(e.getMessage().contains("at least one loop"), e.getMessage());
    }
}
