// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import io.pants.Backends;
import io.pants.Datagram;
import io.pants.Engine;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.RecordingDatagram;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Datagram sends on io_uring: a socket's queued datagrams go as chains of linked sendmsg
 * operations (at most 64 datagrams or 256 KiB each, one chain per socket in flight), submitted
 * with the turn's wait. The datagrams arrive whole and in order however many chains they take; a
 * datagram the socket refuses in the middle of a chain is reported exactly as epoll's sendmmsg
 * reports it, and the ones after it, cancelled with it, go in the next chain; a refused peer is
 * reported as on epoll and sending goes on once it listens again; and a socket closed while its
 * chain is on its way is closed when the chain has completed, without a callback after its
 * onClose. (The shared datagram tests, UnixDatagramTest among them, run on io_uring too.)
 */
@ExtendWith(NoDescriptorLeaks.class)
class UringDatagramSendTest {
    /** What a burst asks of the JDK peer's receive buffer: the kernel counts each small datagram at about 1.3 KiB. */
    private static final int PEER_BUFFER = 4 << 20;

    @TempDir
    Path dir;

    @BeforeEach
    void onlyWhereIoUringWorks() {
        assumeTrue(Backends.ioUringExpected(),
                "io_uring is not expected to work here (not Linux, no shim, or kernel.io_uring_disabled set): its chained datagram sends are not tested");
    }

    /** Datagram {@code i}'s bytes: its number, then bytes that differ with it, so that a misplaced or mixed datagram shows. */
    private static byte[] payload(int i, int size) {
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) b[k] = (byte) (i * 31 + k * 7);
        byte[] number = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(number, 0, b, 0, Math.min(number.length, size));
        return b;
    }

    /** A JDK datagram socket on loopback, with room for a burst (none dropped) and a bounded receive. */
    private static DatagramSocket peer(int port) throws IOException {
        DatagramSocket peer = new DatagramSocket(null);
        peer.setReceiveBufferSize(PEER_BUFFER);
        peer.bind(new InetSocketAddress("127.0.0.1", port));
        peer.setSoTimeout((int) LoopThread.WAIT.toMillis());
        return peer;
    }

    private static byte[] receive(DatagramSocket peer, String what) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[Datagram.MAX_SIZE], Datagram.MAX_SIZE);
        try {
            peer.receive(p);
        } catch (SocketTimeoutException e) {
            fail("the peer received nothing within " + LoopThread.WAIT + " (expecting " + what + ")");
        }
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    /** The counts of the ring's datagram sends, read on its loop. */
    private record Sends(long chains, long sent, int longest, long closesDeferred, long stale) {
        static Sends of(LoopThread loop, UringProvider provider) throws Exception {
            return loop.call(() -> {
                UringStats s = provider.stats();
                return new Sends(s.datagramChains, s.datagramsSent, s.datagramChainLongest, s.closesDeferred, s.stale);
            });
        }
    }

    @Test
    void aThousandDatagramsGoInChainsOfAtMost64AndArriveInOrder() throws Exception {
        UringProvider provider = new UringProvider();
        try (LoopThread loop = new LoopThread(new Engine(provider)); DatagramSocket peer = peer(0)) {
            assumeTrue(peer.getReceiveBufferSize() >= PEER_BUFFER,
                    "the peer's receive buffer stays at " + peer.getReceiveBufferSize() + " bytes (net.core.rmem_max): a burst would be dropped");
            SocketAddress to = peer.getLocalSocketAddress();
            RecordingDatagram d = new RecordingDatagram(loop.engine);
            int n = 1000;
            loop.run(() -> {
                d.listen("127.0.0.1", 0);
                for (int i = 0; i < n; i++) d.write(payload(i, 1 + i % 200), to); // one turn's worth: many chains
            });
            for (int i = 0; i < n; i++) assertArrayEquals(payload(i, 1 + i % 200), receive(peer, "datagram " + i), "datagram " + i + " of " + n);
            loop.until("the send queue to empty", () -> d.queuedDatagrams() == 0);
            Sends s = Sends.of(loop, provider);
            assertEquals(n, s.sent(), "datagrams the chains sent (each completion-counted, none by a synchronous call)");
            assertTrue(s.chains() >= (n + 63) / 64, s.chains() + " chains for " + n + " datagrams");
            assertEquals(64, s.longest(), "the longest chain");
            assertEquals(List.of(), loop.call(() -> new ArrayList<>(d.errors)), "errors");
            assertEquals((long) n, loop.call(() -> loop.engine.stats().messagesWritten()), "datagrams the engine counted as written");
            loop.run(d::close);
            d.awaitClose("close()");
        }
    }

    @Test
    void largeDatagramsMakeChainsOfAtMost256KiB() throws Exception {
        UringProvider provider = new UringProvider();
        try (LoopThread loop = new LoopThread(new Engine(provider)); DatagramSocket peer = peer(0)) {
            SocketAddress to = peer.getLocalSocketAddress();
            RecordingDatagram d = new RecordingDatagram(loop.engine);
            int n = 20, size = 60_000;
            loop.run(() -> {
                d.listen("127.0.0.1", 0);
                for (int i = 0; i < n; i++) d.write(payload(i, size), to);
            });
            for (int i = 0; i < n; i++) assertArrayEquals(payload(i, size), receive(peer, "datagram " + i), "datagram " + i + " of " + n);
            loop.until("the send queue to empty", () -> d.queuedDatagrams() == 0);
            Sends s = Sends.of(loop, provider);
            assertEquals(n, s.sent(), "datagrams the chains sent");
            assertEquals(256 * 1024 / size, s.longest(), "the longest chain: as many " + size + "-byte datagrams as 256 KiB holds");
            assertTrue(s.chains() >= 5, s.chains() + " chains for " + n + " datagrams of " + size + " bytes");
            loop.run(d::close);
            d.awaitClose("close()");
        }
    }

    @Test
    void aRingWithFewSubmissionEntriesMakesChainsNoLongerThanItsQueue() throws Exception {
        UringProvider provider = new UringProvider(8, 16, 256, 4096); // 8 entries: a chain is submitted whole, so at most 8
        try (LoopThread loop = new LoopThread(new Engine(provider)); DatagramSocket peer = peer(0)) {
            SocketAddress to = peer.getLocalSocketAddress();
            RecordingDatagram d = new RecordingDatagram(loop.engine);
            int n = 200;
            loop.run(() -> {
                d.listen("127.0.0.1", 0);
                for (int i = 0; i < n; i++) d.write(payload(i, 50), to);
            });
            for (int i = 0; i < n; i++) assertArrayEquals(payload(i, 50), receive(peer, "datagram " + i), "datagram " + i + " of " + n);
            loop.until("the send queue to empty", () -> d.queuedDatagrams() == 0);
            Sends s = Sends.of(loop, provider);
            assertEquals(n, s.sent(), "datagrams the chains sent");
            assertEquals(8, s.longest(), "the longest chain, on a ring of 8 submission entries");
            loop.run(d::close);
            d.awaitClose("close()");
        }
    }

    @Test
    void anExplicitFlushSendsAtOnce() throws Exception {
        UringProvider provider = new UringProvider();
        try (LoopThread loop = new LoopThread(new Engine(provider)); DatagramSocket peer = peer(0)) {
            SocketAddress to = peer.getLocalSocketAddress();
            RecordingDatagram d = new RecordingDatagram(loop.engine);
            int left = loop.call(() -> {
                d.listen("127.0.0.1", 0);
                for (int i = 0; i < 10; i++) d.write(payload(i, 20), to);
                d.flush(); // sendmmsg, before it returns: nothing submitted
                return d.queuedDatagrams();
            });
            assertEquals(0, left, "datagrams still queued when flush() returned");
            for (int i = 0; i < 10; i++) assertArrayEquals(payload(i, 20), receive(peer, "datagram " + i), "datagram " + i);
            assertEquals(0, Sends.of(loop, provider).chains(), "chains submitted");
            loop.run(d::close);
            d.awaitClose("close()");
        }
    }

    /** What a Unix datagram socket made to refuse its second datagram (too large for its send buffer) reported, and what arrived. */
    private record Refusal(List<String> received, List<String> errors) { }

    private Refusal refuseMidChain(LoopThread loop, String name) throws Exception {
        UnixDomainSocketAddress receiverPath = UnixDomainSocketAddress.of(dir.resolve(name + "-r.sock"));
        RecordingDatagram receiver = new RecordingDatagram(loop.engine), sender = new RecordingDatagram(loop.engine);
        loop.run(() -> {
            receiver.listen(receiverPath);
            // the kernel takes 8 KiB (twice this) and refuses a Unix datagram larger than that with EMSGSIZE
            sender.option(StandardSocketOptions.SO_SNDBUF, 4096).connect(receiverPath);
            sender.write("a".getBytes(StandardCharsets.US_ASCII));
            sender.write(new byte[20_000]);
            sender.write("b".getBytes(StandardCharsets.US_ASCII));
            sender.write("c".getBytes(StandardCharsets.US_ASCII));
        });
        List<String> received = new ArrayList<>();
        for (String expected : List.of("a", "b", "c")) received.add(receiver.next(expected).text());
        IOException e = sender.nextError("EMSGSIZE for the 20000-byte datagram");
        loop.until("the send queue to empty", () -> sender.queuedDatagrams() == 0);
        List<String> errors = new ArrayList<>();
        errors.add(e.getClass().getSimpleName() + ": " + e.getMessage().replace(receiverPath.getPath().toString(), "<receiver>"));
        errors.addAll(loop.call(() -> sender.errors.stream().map(x -> x.getClass().getSimpleName() + ": " + x.getMessage()).toList()));
        loop.run(() -> {
            sender.close();
            receiver.close();
        });
        sender.awaitClose("close()");
        receiver.awaitClose("close()");
        return new Refusal(received, errors);
    }

    @Test
    void aDatagramRefusedMidChainIsReportedAsOnEpollAndTheRestGoInOrder() throws Exception {
        Refusal epoll;
        try (LoopThread loop = new LoopThread("epoll")) {
            epoll = refuseMidChain(loop, "epoll");
        }
        UringProvider provider = new UringProvider();
        try (LoopThread loop = new LoopThread(new Engine(provider))) {
            Refusal uring = refuseMidChain(loop, "uring");
            assertEquals(List.of("a", "b", "c"), uring.received(), "what arrived, in order");
            assertEquals(1, uring.errors().size(), "errors: " + uring.errors());
            assertTrue(uring.errors().get(0).contains("errno 90, send 20000 bytes to <receiver>"), uring.errors().get(0));
            assertEquals(epoll, uring, "what io_uring's chains did, against epoll's sendmmsg");
            Sends s = Sends.of(loop, provider);
            assertEquals(3, s.sent(), "datagrams the chains sent");
            // a, then the refused one, b and c cancelled with it; the refused one again (failed), b and c
            assertTrue(s.chains() >= 3, s.chains() + " chains");
        }
    }

    /** Sends to a port where nothing listens, then, once something does, more: the errors reported and what arrived. */
    private static List<IOException> refusedThenListening(String backend) throws Exception {
        int port;
        try (DatagramSocket gone = peer(0)) {
            port = gone.getLocalPort();
        }
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram d = new RecordingDatagram(loop.engine);
            loop.run(() -> {
                d.connect(new InetSocketAddress("127.0.0.1", port));
                for (int i = 0; i < 20; i++) d.write(payload(i, 10));
            });
            List<IOException> errors = new ArrayList<>();
            errors.add(d.nextError("the refusal of a datagram to a port where nothing listens"));
            loop.until("the send queue to empty", () -> d.queuedDatagrams() == 0);
            try (DatagramSocket peer = peer(port)) {
                loop.run(() -> {
                    for (int i = 100; i < 120; i++) d.write(payload(i, 10));
                });
                for (int i = 100; i < 120; i++) assertArrayEquals(payload(i, 10), receive(peer, "datagram " + i + " once the peer listens"), "datagram " + i);
            }
            errors.addAll(loop.call(() -> new ArrayList<>(d.errors)));
            loop.run(d::close);
            d.awaitClose("close()");
            return errors;
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"epoll", "io_uring"})
    void aRefusedPeerIsReportedAsOnEpollThenSendingGoesOn(String backend) throws Exception {
        for (IOException e : refusedThenListening(backend)) {
            // the refusal reaches the socket's next send or its receive, whichever asks first:
            // the same exception, and the same message but for what it was doing
            assertInstanceOf(PortUnreachableException.class, e, String.valueOf(e));
            assertTrue(e.getMessage().contains("errno 111") && e.getMessage().endsWith(": nothing receives at the peer's port"), e.getMessage());
        }
    }

    /** A datagram socket that closes at its first error: in the turn it submitted a chain, before the chain went. */
    static final class ClosingOnError extends RecordingDatagram {
        ClosingOnError(Engine engine) {
            super(engine);
        }

        @Override
        protected void onError(IOException cause) {
            super.onError(cause);
            abort();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"epoll", "io_uring"})
    void aSocketClosedWithItsChainOnTheWayClosesWhenTheChainHasCompleted(String backend) throws Exception {
        UringProvider provider = new UringProvider();
        boolean uring = backend.equals("io_uring");
        try (LoopThread loop = new LoopThread(uring ? new Engine(provider) : new Engine(backend)); DatagramSocket peer = peer(0)) {
            SocketAddress to = peer.getLocalSocketAddress();
            ClosingOnError d = new ClosingOnError(loop.engine);
            int n = 50;
            loop.run(() -> {
                d.listen("127.0.0.1", 0);
                // refused before anything is sent (an IPv4 socket can't reach an IPv6 address):
                // onError, which closes, runs after the flush submitted the chain of the rest
                d.write(payload(-1, 10), new InetSocketAddress("::1", 9));
                for (int i = 0; i < n; i++) d.write(payload(i, 100), to);
            });
            d.awaitClose("abort() in onError");
            // what was sent (epoll) or submitted (io_uring) before the error was reported goes out
            for (int i = 0; i < n; i++) assertArrayEquals(payload(i, 100), receive(peer, "datagram " + i), "datagram " + i + " of " + n);
            if (uring) {
                loop.until("the chain's completions, after the close", () -> provider.stats().stale >= n);
                Sends s = Sends.of(loop, provider);
                assertEquals(1, s.closesDeferred(), "closes put off until the chain had completed");
                assertEquals(0, s.sent(), "datagrams counted as sent for the closed socket");
            }
            loop.run(() -> { }); // a turn after the completions: nothing reaches the closed socket
            List<IOException> errors = loop.call(() -> new ArrayList<>(d.errors));
            assertEquals(1, errors.size(), "errors reported: " + errors);
            assertTrue(errors.get(0).getMessage().contains("can't reach the IPv6 address"), errors.get(0).getMessage());
            assertEquals(1, d.closes.get(), "onClose calls");
        }
    }
}
