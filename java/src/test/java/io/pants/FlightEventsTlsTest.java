// SPDX-License-Identifier: Apache-2.0
package io.pants;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code io.pants.TlsHandshake} Flight Recorder event, done and failed, on both ends. One
 * recording stream runs for the whole class, and each test takes its own handshakes from it, by
 * port. Not a recording per test dumped to a file, as {@link FlightEventsTest} does: JDK 17's
 * recorder keeps its pool of long strings (a cipher suite's name, a failure message) from one
 * chunk to the next, and a file read after the pool's first chunk is gone reads them as null; a
 * stream keeps the pools of the chunks it has read. That handshakes are off unless a recording
 * enables them: {@link FlightEventsTest}.
 */
@ExtendWith(NoDescriptorLeaks.class)
class FlightEventsTlsTest {
    private static RecordingStream stream;
    private static final LinkedBlockingQueue<RecordedEvent> RECORDED = new LinkedBlockingQueue<>();

    @BeforeAll
    static void record() {
        stream = new RecordingStream();
        stream.setReuse(false); // the events are kept
        stream.enable("io.pants.TlsHandshake");
        stream.onEvent("io.pants.TlsHandshake", RECORDED::add);
        stream.startAsync();
    }

    @AfterAll
    static void stop() {
        stream.close();
    }

    @BackendTest
    void aTlsHandshakeIsRecordedOnBothEnds(String backend) throws Exception {
        SSLSession session;
        int port, clientPort;
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> accepted = new CompletableFuture<>();
            port = TlsFixtures.serve(loop, accepted, TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()).alpn("h2", "http/1.1"));
            // the JDK sends no SNI for a name without a dot: ask for it, for the server to record
            TlsConfig client = TlsConfig.of(TlsFixtures.clientContext()).alpn("http/1.1")
                    .parameters(p -> p.setServerNames(List.of(new SNIHostName("localhost"))));
            TlsProbe probe = new TlsProbe(loop.engine, null);
            loop.run(() -> probe.tls(client).connect("localhost", port));
            session = Await.get(probe.handshake, "the client's handshake");
            Await.get(Await.get(accepted, "the server's stream").handshake, "the server's handshake");
            clientPort = loop.call(() -> ((InetSocketAddress) probe.localAddress()).getPort());
            loop.run(probe::close);
            Await.get(probe.closed, "the client to close");
        }
        List<RecordedEvent> events = handshakes(port);
        assertEquals(2, events.size(), "one for each end: " + events);
        RecordedEvent client = only(events, e -> e.getBoolean("client")), server = only(events, e -> !e.getBoolean("client"));
        for (RecordedEvent e : List.of(client, server)) {
            assertFalse(e.getBoolean("failed"), e.toString());
            assertNull(e.getString("failure"), e.toString());
            assertEquals(session.getProtocol(), e.getString("protocol"), e.toString());
            assertEquals(session.getCipherSuite(), e.getString("cipherSuite"), e.toString());
            assertEquals("http/1.1", e.getString("applicationProtocol"), e.toString());
            assertEquals("localhost", e.getString("serverName"), "the client's host, the server's SNI: " + e);
            assertTrue(e.getDuration().compareTo(Duration.ZERO) > 0, "the handshake's time: " + e);
        }
        assertTrue(client.getString("remoteAddress").endsWith(":" + port), "the client's peer is the server: " + client);
        assertTrue(server.getString("remoteAddress").endsWith(":" + clientPort), "the server's peer is the client: " + server);
    }

    @BackendTest
    void aFailedTlsHandshakeIsRecordedWithWhy(String backend) throws Exception {
        SSLException why;
        int port;
        try (LoopThread loop = new LoopThread(backend)) {
            CompletableFuture<TlsFixtures.Echo> accepted = new CompletableFuture<>();
            port = TlsFixtures.serve(loop, accepted, TlsFixtures.Echo::new, TlsConfig.of(TlsFixtures.serverContext()));
            TlsProbe probe = new TlsProbe(loop.engine, null);
            loop.run(() -> probe.tls(Tls.clientContext()).connect("localhost", port)); // the JDK's CAs: the test certificate is not trusted
            why = Await.get(probe.error, "the client to refuse the certificate");
            Await.get(probe.closed, "the client to close");
            Await.get(Await.get(accepted, "the server's stream").closed, "the server's stream to close");
        }
        List<RecordedEvent> events = handshakes(port);
        assertEquals(2, events.size(), "one for each end: " + events);
        RecordedEvent client = only(events, e -> e.getBoolean("client")), server = only(events, e -> !e.getBoolean("client"));
        assertTrue(client.getBoolean("failed"), client.toString());
        assertEquals(why.getMessage(), client.getString("failure"), "the client's reason: " + client);
        assertTrue(why.getMessage().contains("PKIX") || why.getMessage().contains("certification path"), why.toString());
        assertNull(client.getString("cipherSuite"), "no suite was agreed: " + client);
        assertNull(client.getString("protocol"), client.toString());
        assertEquals("localhost", client.getString("serverName"));
        assertTrue(server.getBoolean("failed"), server.toString());
        assertTrue(server.getString("failure") != null && !server.getString("failure").isEmpty(), "the server's reason: " + server);
    }

    /**
     * The two handshakes of the connection to the server on {@code port}, as the stream delivers
     * them (it reads the recording about once a second); then any more that came for it.
     */
    private static List<RecordedEvent> handshakes(int port) throws Exception {
        String end = ":" + port;
        Predicate<RecordedEvent> ours = e -> e.getBoolean("client") ? e.getString("remoteAddress").endsWith(end)
                : e.getString("localAddress").endsWith(end);
        List<RecordedEvent> found = new ArrayList<>();
        long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
        while (found.size() < 2) {
            RecordedEvent e = RECORDED.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) throw new AssertionError("within " + LoopThread.WAIT + " the recording had " + found + " of the two handshakes with port " + port);
            if (ours.test(e)) found.add(e);
        }
        for (RecordedEvent e : RECORDED) if (ours.test(e)) found.add(e);
        return found;
    }

    private static RecordedEvent only(List<RecordedEvent> events, Predicate<RecordedEvent> which) {
        List<RecordedEvent> found = events.stream().filter(which).toList();
        assertEquals(1, found.size(), events.toString());
        return found.get(0);
    }
}
