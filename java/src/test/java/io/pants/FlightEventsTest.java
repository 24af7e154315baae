// SPDX-License-Identifier: Apache-2.0
package io.pants;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's JDK Flight Recorder events, read back from a recording dumped to a file. */
@ExtendWith(NoDescriptorLeaks.class)
class FlightEventsTest {
    @TempDir Path dir;

    @BackendTest
    void connectionsOpenedAndClosedAreRecordedWhenEnabled(String backend) throws Exception {
        List<RecordedEvent> events;
        int port, clientPort;
        try (LoopThread loop = new LoopThread(backend); Recording recording = new Recording()) {
            recording.enable("io.pants.ConnectionOpened");
            recording.enable("io.pants.ConnectionClosed");
            recording.start();
            CompletableFuture<StatsTest.Echo> made = new CompletableFuture<>();
            port = loop.serve(made, StatsTest.Echo::new);
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                c.setSoTimeout(10_000);
                clientPort = c.getLocalPort();
                c.getOutputStream().write(1);
                assertEquals(1, new DataInputStream(c.getInputStream()).read());
            }
            Await.await(Await.get(made, "the server's stream").closed, "the stream to close");
            recording.stop();
            events = dump(recording);
        }
        List<RecordedEvent> opened = named(events, "io.pants.ConnectionOpened"), closed = named(events, "io.pants.ConnectionClosed");
        assertEquals(1, opened.size(), "opened: " + opened);
        assertEquals(1, closed.size(), "closed: " + closed);
        for (RecordedEvent e : List.of(opened.get(0), closed.get(0))) {
            assertTrue(e.getString("localAddress").endsWith(":" + port), e.toString());
            assertTrue(e.getString("remoteAddress").endsWith(":" + clientPort), e.toString());
            assertTrue(e.getBoolean("accepted"), e.toString());
        }
    }

    @BackendTest
    void connectionEventsAreOffUnlessARecordingEnablesThem(String backend) throws Exception {
        List<RecordedEvent> events;
        try (LoopThread loop = new LoopThread(backend); Recording recording = new Recording()) {
            recording.enable("io.pants.SlowTurn"); // a recording of Pants events, but not of connections
            recording.start();
            CompletableFuture<StatsTest.Echo> made = new CompletableFuture<>();
            int port = loop.serve(made, StatsTest.Echo::new);
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                c.getOutputStream().write(1);
                assertEquals(1, c.getInputStream().read());
            }
            Await.await(Await.get(made, "the server's stream").closed, "the stream to close");
            recording.stop();
            events = dump(recording);
        }
        assertTrue(named(events, "io.pants.ConnectionOpened").isEmpty() && named(events, "io.pants.ConnectionClosed").isEmpty(),
                events.toString());
    }

    /** The handshakes recorded: {@link FlightEventsTlsTest}. */
    @BackendTest
    void tlsHandshakesAreOffUnlessARecordingEnablesThem(String backend) throws Exception {
        List<RecordedEvent> events;
        try (LoopThread loop = new LoopThread(backend); Recording recording = new Recording()) {
            recording.enable("io.pants.SlowTurn"); // a recording of Pants events, but not of handshakes
            recording.start();
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            TlsProbe probe = new TlsProbe(loop.engine, null);
            loop.run(() -> probe.tls(TlsFixtures.clientContext()).connect("localhost", port));
            Await.get(probe.handshake, "the handshake");
            loop.run(probe::close);
            Await.get(probe.closed, "the client to close");
            recording.stop();
            events = dump(recording);
        }
        assertTrue(named(events, "io.pants.TlsHandshake").isEmpty(), events.toString());
    }

    @BackendTest
    void aTurnSlowerThanTheThresholdIsRecordedWithWhatItDid(String backend) throws Exception {
        List<RecordedEvent> events;
        Engine engine = Engine.builder().poller(backend).slowTurnThreshold(Duration.ofMillis(20)).build();
        long turn;
        try (LoopThread loop = new LoopThread(engine); Recording recording = new Recording()) {
            recording.enable("io.pants.SlowTurn");
            recording.start();
            // the slowness itself: a task that keeps the loop busy for 100 ms
            turn = loop.call(() -> {
                Thread.sleep(100);
                return engine.turns();
            });
            // the event is committed as its turn ends. A task queued now may still run in that
            // turn (the turn takes the tasks queued while it runs them), so wait for a later one
            long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
            while (loop.call(engine::turns) <= turn) {
                if (System.nanoTime() > deadline) throw new AssertionError("the loop did not start a turn after " + turn + " within " + LoopThread.WAIT);
            }
            recording.stop();
            events = dump(recording);
        }
        List<RecordedEvent> slow = named(events, "io.pants.SlowTurn");
        RecordedEvent e = slow.stream().filter(x -> x.getLong("turn") == turn).findFirst()
                .orElseThrow(() -> new AssertionError("no SlowTurn event for turn " + turn + ": " + slow));
        assertTrue(e.getDuration("busy").toMillis() >= 100, e.toString());
        assertTrue(e.getLong("tasksRun") >= 1, e.toString());
        assertEquals(engine.pollerName(), e.getString("poller"));
    }

    @BackendTest
    void aTurnUnderTheThresholdIsNotRecorded(String backend) throws Exception {
        List<RecordedEvent> events;
        Engine engine = Engine.builder().poller(backend).slowTurnThreshold(Duration.ofSeconds(30)).build();
        try (LoopThread loop = new LoopThread(engine); Recording recording = new Recording()) {
            recording.enable("io.pants.SlowTurn");
            recording.start();
            loop.run(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException x) {
                    throw new AssertionError(x);
                }
            });
            loop.run(() -> { }); // runs in a later turn: the long one has ended
            recording.stop();
            events = dump(recording);
        }
        assertTrue(named(events, "io.pants.SlowTurn").isEmpty(), "a turn under the threshold was recorded: " + events);
    }

    @BackendTest
    void theThresholdMustNotBeNegative(String backend) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Engine.builder().poller(backend).slowTurnThreshold(Duration.ofMillis(-1)));
        assertTrue(e.getMessage().contains("slowTurnThreshold"), e.getMessage());
    }

    private List<RecordedEvent> dump(Recording recording) throws Exception {
        Path file = dir.resolve("pants-" + System.nanoTime() + ".jfr");
        recording.dump(file);
        return RecordingFile.readAllEvents(file);
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
