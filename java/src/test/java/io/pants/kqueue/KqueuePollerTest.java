// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import com.sun.jna.NativeLibrary;
import io.pants.NoDescriptorLeaks;
import io.pants.Pollers;
import io.pants.posix.PosixStream;
import io.pants.spi.PollerSocket;
import io.pants.spi.ReadyHandler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.pants.spi.Poller.ERROR;
import static io.pants.spi.Poller.HANGUP;
import static io.pants.spi.Poller.READ;
import static io.pants.spi.Poller.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What is particular to kqueue, at the poller's level, over real loopback sockets: the change
 * list submitted by the kevent call that waits, EV_EOF arriving while data is still buffered,
 * wake-ups from another thread (EVFILT_USER and the pipe that stands in for it), a socket error
 * carried by EV_EOF, and descriptor numbers reused after a close. Everything else kqueue must do
 * is the shared behaviour suite's, which runs on kqueue whenever it is available.
 */
@ExtendWith(NoDescriptorLeaks.class)
class KqueuePollerTest {
    private static final long WAIT_MS = 20_000;
    private static final long TURN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    @TempDir
    Path tmp;

    private KqueueBinding binding;

    @BeforeEach
    void kqueueHere() {
        assumeTrue(Pollers.available().contains("kqueue"), "kqueue is not available here ("
                + Pollers.probeAll().stream().filter(p -> p.name().equals("kqueue")).findFirst().orElseThrow().detail()
                + "). On Linux, name a userspace kqueue library to run these tests:"
                + " -Dpants.kqueue.library=/path/to/libkqueue.so or PANTS_KQUEUE_LIBRARY=/path/to/libkqueue.so");
        binding = KqueueBinding.get();
    }

    /** What a wait delivered, per token. */
    static final class Events implements ReadyHandler {
        final Map<Integer, Integer> ready = new HashMap<>();
        final Map<Integer, ByteArrayOutputStream> received = new HashMap<>();
        final Map<Integer, IOException> ended = new HashMap<>();
        final List<String> log = new ArrayList<>();

        @Override
        public void ready(int token, int events) {
            ready.merge(token, events, (a, b) -> a | b);
            log.add(token + " ready " + events);
        }

        @Override
        public void received(int token, ByteBuffer data) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            received.computeIfAbsent(token, t -> new ByteArrayOutputStream()).writeBytes(b);
            log.add(token + " received " + b.length);
        }

        @Override
        public void receiveEnded(int token, IOException error) {
            ended.put(token, error);
            log.add(token + " ended " + error);
        }

        int readyOf(int token) { return ready.getOrDefault(token, 0); }

        void clear() {
            ready.clear();
            received.clear();
            ended.clear();
            log.clear();
        }
    }

    /** A poller, a loopback listener on it, and connections accepted from JDK clients; all closed at the end. */
    final class Connections implements AutoCloseable {
        final KqueuePoller poller;
        final PosixStream listener;
        final List<Socket> clients = new ArrayList<>();
        final List<PosixStream> accepted = new ArrayList<>();

        Connections(KqueuePoller poller, int n) throws Exception {
            this.poller = poller;
            this.listener = (PosixStream) poller.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            poller.register(listener, 0, READ, false);
            poller.poll(0, new Events()); // the listener's EV_ADD goes out now, not with a test's turn
            for (int i = 0; i < n; i++) more();
        }

        /** One more connection; its accepted socket is the last of {@link #accepted}, not registered yet. */
        PosixStream more() throws Exception {
            connectClient();
            return acceptPending();
        }

        /** A client connected to the listener (in its backlog, not accepted yet). */
        Socket connectClient() throws IOException {
            Socket c = new Socket();
            clients.add(c);
            c.connect(listener.localAddress(), (int) WAIT_MS);
            c.setSoTimeout((int) WAIT_MS);
            return c;
        }

        PosixStream acceptPending() throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (true) {
                PollerSocket s = listener.accept();
                if (s != null) {
                    accepted.add((PosixStream) s);
                    return (PosixStream) s;
                }
                if (System.nanoTime() > deadline) fail("the listener did not accept connection " + clients.size() + " within " + WAIT_MS + " ms");
                poller.poll(TURN_NANOS, new Events());
            }
        }

        @Override
        public void close() throws IOException {
            for (PosixStream s : accepted) s.close();
            listener.close();
            for (Socket c : clients) c.close();
            poller.close();
        }
    }

    /** Waits (turn by turn, bounded) until {@code token} has been reported with all of {@code bits}; returns what it got. */
    private static int waitFor(KqueuePoller poller, Events events, int token, int bits) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while ((events.readyOf(token) & bits) != bits) {
            if (System.nanoTime() > deadline) {
                fail("token " + token + " was not reported with events " + bits + " within " + WAIT_MS + " ms: " + events.log);
            }
            poller.poll(TURN_NANOS, events);
        }
        return events.readyOf(token);
    }

    // ---------------------------------------------------------------- the change list

    @Test
    void aTurnsInterestChangesGoInTheKeventCallThatWaits() throws Exception {
        int n = 8;
        try (Connections c = new Connections(new KqueuePoller(binding, "kqueue"), n)) {
            KqueuePoller poller = c.poller;
            long calls = poller.waitCalls, submitted = poller.changesSubmitted;
            for (int i = 0; i < n; i++) poller.register(c.accepted.get(i), i + 1, READ | WRITE, false);
            assertEquals(submitted, poller.changesSubmitted, "registering submits nothing by itself");

            Events events = new Events();
            poller.poll(0, events);
            assertEquals(calls + 1, poller.waitCalls, "one kevent call");
            assertEquals(submitted + 2L * n, poller.changesSubmitted, "an EV_ADD per filter and socket, all in that call");
            assertEquals(0, poller.changesSubmittedAlone);
            for (int t = 1; t <= n; t++) {
                assertEquals(WRITE, events.readyOf(t), "the same call, not waiting, found the filters it added: " + events.log);
            }

            submitted = poller.changesSubmitted;
            for (int i = 0; i < n; i++) poller.setInterest(c.accepted.get(i), READ | WRITE);
            events.clear();
            poller.poll(0, events);
            assertEquals(submitted, poller.changesSubmitted, "unchanged interest submits nothing");

            for (int i = 0; i < n; i++) poller.setInterest(c.accepted.get(i), READ);
            events.clear();
            poller.poll(0, events);
            assertEquals(submitted + n, poller.changesSubmitted, "one EV_DELETE of EVFILT_WRITE per socket");
            assertEquals(Map.of(), events.ready, "nothing is readable, and writability is no longer asked for");

            for (int i = 0; i < n; i++) poller.setInterest(c.accepted.get(i), WRITE);
            poller.setInterest(c.accepted.get(0), READ); // changed twice in the turn: only the last counts
            events.clear();
            poller.poll(0, events);
            assertEquals(submitted + n + 2L * (n - 1), poller.changesSubmitted, "EV_DELETE read and EV_ADD write, but socket 1 kept as it was");
            for (int t = 2; t <= n; t++) assertEquals(WRITE, events.readyOf(t), events.log.toString());
            assertEquals(0, events.readyOf(1), events.log.toString());

            for (int i = 0; i < n; i++) poller.setInterest(c.accepted.get(i), READ);
            for (Socket client : c.clients) client.getOutputStream().write(42);
            events.clear();
            for (int t = 1; t <= n; t++) assertEquals(READ, waitFor(poller, events, t, READ), events.log.toString());
        }
    }

    @Test
    void changesBeyondTheListsCapacityAreAppliedAtOnceInstead() throws Exception {
        int n = KqueuePoller.MAX_CHANGES / 2 + 10;
        try (Connections c = new Connections(new KqueuePoller(binding, "kqueue"), n)) {
            KqueuePoller poller = c.poller;
            long submitted = poller.changesSubmitted;
            for (int i = 0; i < n; i++) poller.register(c.accepted.get(i), i + 1, READ | WRITE, false);
            Events events = new Events();
            poller.poll(0, events);
            assertEquals(submitted + KqueuePoller.MAX_CHANGES, poller.changesSubmitted, "a full change list with the wait");
            assertEquals(2L * n - KqueuePoller.MAX_CHANGES, poller.changesSubmittedAlone, "the rest one by one, before it");
            for (int t = 1; t <= n; t++) assertEquals(WRITE, events.readyOf(t), "socket " + t + " was registered all the same");
        }
    }

    // ---------------------------------------------------------------- end of stream

    private static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i * 31 + i / 251);
        return b;
    }

    private static void append(ByteArrayOutputStream out, ByteBuffer filled) {
        byte[] b = new byte[filled.flip().remaining()];
        filled.get(b);
        out.writeBytes(b);
    }

    @Test
    void endOfStreamIsReportedWhileDataIsStillBufferedAndAllOfItCanBeRead() throws Exception {
        byte[] sent = pattern(48 * 1024); // within any loopback receive window: all of it arrives before the FIN
        try (Connections c = new Connections(new KqueuePoller(binding, "kqueue"), 1)) {
            KqueuePoller poller = c.poller;
            PosixStream server = c.accepted.get(0);
            poller.register(server, 1, READ, false);
            Socket client = c.clients.get(0);
            client.getOutputStream().write(sent);
            client.shutdownOutput();

            Events events = new Events();
            int first = waitFor(poller, events, 1, HANGUP);
            assertEquals(READ | HANGUP, first, "EV_EOF with the data still unread: readable and hung up, no error");

            ByteBuffer piece = ByteBuffer.allocateDirect(16 * 1024); // direct, as the engine's
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            assertEquals(16 * 1024, server.read(piece));
            append(got, piece);

            events.clear();
            poller.poll(0, events);
            assertEquals(READ | HANGUP, events.readyOf(1), "still both while data remains (level-triggered): " + events.log);

            int r;
            while ((r = server.read(piece.clear())) > 0) append(got, piece);
            assertEquals(-1, r, "then the end of the stream");
            assertArrayEquals(sent, got.toByteArray(), "every byte sent before the FIN, in order");
        }
    }

    @Test
    void aPreReadingSocketGetsAllItsDataBeforeTheEndOfStream() throws Exception {
        // A Unix socket: what the peer writes is in our receive queue when its write returns, so
        // the end of stream is there before the first wait. 8 KiB fits macOS's small buffers.
        byte[] sent = pattern(8 * 1024);
        SocketAddress path = UnixDomainSocketAddress.of(tmp.resolve("eof.sock"));
        KqueuePoller poller = new KqueuePoller(binding, "kqueue");
        PosixStream listener = (PosixStream) poller.listen(path, 8);
        PosixStream server = null;
        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(path);
            poller.register(listener, 0, READ, false);
            Events events = new Events();
            waitFor(poller, events, 0, READ);
            server = (PosixStream) listener.accept();
            assertTrue(server != null, "the connection is pending");
            client.write(ByteBuffer.wrap(sent));
            client.shutdownOutput();

            poller.register(server, 1, READ, true);
            events.clear();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (!events.ended.containsKey(1)) {
                if (System.nanoTime() > deadline) fail("no end of stream within " + WAIT_MS + " ms: " + events.log);
                poller.poll(TURN_NANOS, events);
            }
            assertEquals(null, events.ended.get(1), "a clean end of stream: " + events.log);
            assertArrayEquals(sent, events.received.get(1).toByteArray(), "all the data first: " + events.log);
            assertEquals("1 ended null", events.log.get(events.log.size() - 1), "the end of stream last: " + events.log);
            assertFalse(events.ready.containsKey(1), "no bare hang-up for a socket the poller reads itself: " + events.log);
        } finally {
            if (server != null) server.close();
            listener.close();
            poller.close();
        }
    }

    // ---------------------------------------------------------------- wake-ups

    private void assertWakesUpFromAnotherThread(KqueuePoller poller) throws Exception {
        for (int round = 0; round < 3; round++) {
            Events events = new Events();
            CountDownLatch waiting = new CountDownLatch(1);
            CompletableFuture<Integer> turn = new CompletableFuture<>();
            Thread loop = new Thread(() -> {
                waiting.countDown();
                try {
                    turn.complete(poller.poll(TimeUnit.SECONDS.toNanos(60), events)); // far longer than the test waits
                } catch (Throwable e) {
                    turn.completeExceptionally(e);
                }
            }, "kqueue-test-loop");
            loop.start();
            assertTrue(waiting.await(WAIT_MS, TimeUnit.MILLISECONDS), "the loop thread started");
            poller.wakeup(); // before or during its kevent call: either way that wait must return
            try {
                turn.get(WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("round " + round + ": wakeup() from another thread did not end a 60 s wait within " + WAIT_MS + " ms", e);
            } catch (ExecutionException e) {
                throw new AssertionError("the wait failed", e.getCause());
            }
            loop.join(WAIT_MS);
            assertEquals(List.of(), events.log, "a wake-up delivers nothing to the engine");
            assertEquals(0, poller.poll(0, events), "the wake-up was used up: the next wait finds nothing");
        }
    }

    @Test
    void wakesUpFromAnotherThreadWithEvfiltUser() throws Exception {
        try (KqueuePoller poller = new KqueuePoller(binding, "kqueue")) {
            assumeTrue(poller.wakesByUserEvent(), "this kqueue has no EVFILT_USER that another thread can trigger while the loop"
                    + " waits (a libkqueue before 2.7.0 holds its lock through the wait): " + poller.description());
            assertWakesUpFromAnotherThread(poller);
        }
    }

    @Test
    void wakesUpFromAnotherThreadThroughThePipeWhereThereIsNoEvfiltUser() throws Exception {
        try (KqueuePoller poller = new KqueuePoller(binding, "kqueue", false)) {
            assertFalse(poller.wakesByUserEvent());
            assertTrue(poller.description().contains("pipe"), poller.description());
            assertWakesUpFromAnotherThread(poller);
        }
    }

    // ---------------------------------------------------------------- errors and descriptors

    @Test
    void aRefusedConnectIsAHangupWithAnErrorAndFinishConnectSaysRefused() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        try (KqueuePoller poller = new KqueuePoller(binding, "kqueue")) {
            PosixStream s;
            try {
                s = (PosixStream) poller.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (ConnectException refusedAtOnce) {
                assumeTrue(false, "this system refused the connect in the call itself, before kqueue was involved");
                return;
            }
            try {
                poller.register(s, 1, WRITE, true);
                Events events = new Events();
                int got = waitFor(poller, events, 1, WRITE);
                assertEquals(WRITE | HANGUP | ERROR, got, "EV_EOF with the socket error in fflags: " + events.log);
                ConnectException e = assertThrows(ConnectException.class, s::finishConnect);
                assertTrue(e.getMessage().contains("errno"), e.getMessage());
            } finally {
                s.close();
            }
        }
    }

    @Test
    void aDescriptorNumberReusedAfterACloseIsWatchedAfresh() throws Exception {
        try (Connections c = new Connections(new KqueuePoller(binding, "kqueue"), 1)) {
            KqueuePoller poller = c.poller;
            PosixStream first = c.accepted.get(0);
            poller.register(first, 1, READ | WRITE, true);
            Events events = new Events();
            waitFor(poller, events, 1, WRITE);
            int fd = first.fd;
            c.connectClient(); // its descriptor first, so that accepting takes the one the close frees
            first.close();
            PosixStream second = c.acceptPending();
            assumeTrue(second.fd == fd, "the next socket did not get descriptor " + fd + " again (" + second.fd + "): nothing to check");
            poller.register(second, 2, READ, true);
            c.clients.get(1).getOutputStream().write("again".getBytes());
            events.clear();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (!events.received.containsKey(2)) {
                if (System.nanoTime() > deadline) fail("the new socket on descriptor " + fd + " was never read: " + events.log);
                poller.poll(TURN_NANOS, events);
            }
            assertEquals("again", events.received.get(2).toString());
            assertFalse(events.ended.containsKey(2), "its registration did not fail: " + events.log);
            assertFalse(events.ready.containsKey(1) || events.received.containsKey(1), "nothing for the closed one: " + events.log);
        }
    }

    @Test
    void usesTheShimWhenItWasBuiltWithKqueue() {
        boolean shimHasKqueue;
        try {
            NativeLibrary.getInstance("pants", KqueuePollerTest.class.getClassLoader()).getFunction("pants_kqueue_turn");
            shimHasKqueue = true;
        } catch (UnsatisfiedLinkError e) {
            shimHasKqueue = false;
        }
        String d = binding.description();
        assertEquals(shimHasKqueue, binding.shim, d);
        assertTrue(shimHasKqueue ? d.contains("native shim") && d.contains("layouts from the shim") : d.contains("through JNA"), d);
        String library = binding.library;
        if (library != null) assertTrue(d.contains(library), d);
    }
}
