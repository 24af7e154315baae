// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's shape: a server made without an engine, then {@code Engine.group(n)}: the server
 * serves on every loop of the default group, whose loop 0 is the default engine. The default
 * engine takes its backend from {@code -Dpants.poller}, which the test sets for each backend.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DefaultGroupTest {

    @BackendTest
    void aServerMadeBeforeTheGroupServesOnAllItsLoops(String backend) throws Exception {
        String before = System.getProperty(Pollers.PROPERTY);
        System.setProperty(Pollers.PROPERTY, backend);
        EngineGroup group = null;
        try {
            AtomicIntegerArray perLoop = new AtomicIntegerArray(2);
            Queue<String> offLoop = new ConcurrentLinkedQueue<>();
            CountDownLatch connected = new CountDownLatch(60);
            Server server = new Server(() -> new ServerGroupTest.Pinned(perLoop, offLoop, connected)).listen("127.0.0.1", 0);
            assertEquals(backend, server.engine().pollerName());
            group = Engine.group(2);
            assertSame(group, server.group(), "the server joined the default group");
            assertSame(Engine.instance(), group.engine(0), "loop 0 is the default engine");
            assertSame(group, Engine.group(2), "made once");
            assertThrows(IllegalStateException.class, () -> Engine.group(3), "another size");
            group.startThreads();
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) open.add(EchoTest.connect(server.port()));
                Await.await(connected, "60 connections");
                assertTrue(perLoop.get(0) > 0 && perLoop.get(1) > 0, "both loops accept: " + perLoop);
            } finally {
                for (Socket s : open) s.close();
            }
            assertTrue(offLoop.isEmpty(), () -> offLoop.toString());
            server.close();
            Engine.instance().stop(); // as a one-loop program stops: now every loop of the default group
            assertTrue(group.awaitTermination(LoopThread.WAIT), "Engine.instance().stop() stops the default group");
        } finally {
            if (group != null) group.close();
            else if (Engine.defaultEngineMade()) Engine.instance().close();
            if (before == null) System.clearProperty(Pollers.PROPERTY);
            else System.setProperty(Pollers.PROPERTY, before);
        }
    }
}
