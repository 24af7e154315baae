// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Unix domain datagram sockets, by path. They need a native backend: java.nio has Unix domain
 * sockets for streams only, so on {@code nio} the test checks that opening one fails with a
 * message that says so, and skips the rest.
 */
@ExtendWith(NoDescriptorLeaks.class)
class UnixDatagramTest {
    private Path dir;

    @BeforeEach
    void makeDirectory() throws IOException {
        dir = Files.createTempDirectory("pants-unix-dgram");
    }

    @AfterEach
    void removeDirectory() throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }

    private UnixDomainSocketAddress address(String name) {
        return UnixDomainSocketAddress.of(dir.resolve(name));
    }

    /** A datagram socket on {@code loop} bound to {@code path}. */
    private static RecordingDatagram listening(LoopThread loop, UnixDomainSocketAddress path) throws Exception {
        RecordingDatagram d = new RecordingDatagram(loop.engine);
        loop.run(() -> d.listen(path));
        return d;
    }

    /** On nio: a clear error. Elsewhere: true, and the test goes on. */
    private boolean supported(String backend, LoopThread loop) throws Exception {
        if (!backend.equals("nio")) return true;
        RecordingDatagram d = new RecordingDatagram(loop.engine);
        UnsupportedOperationException e = loop.call(() -> assertThrows(UnsupportedOperationException.class, () -> d.listen(address("x.sock"))));
        assertTrue(e.getMessage().contains("java.nio supports Unix domain sockets for streams only"), e.getMessage());
        UnsupportedOperationException c = loop.call(() -> assertThrows(UnsupportedOperationException.class,
                () -> new RecordingDatagram(loop.engine).connect(address("y.sock"))));
        assertTrue(c.getMessage().contains("use the epoll poller"), c.getMessage());
        assumeTrue(false, "the nio poller has no Unix domain datagram sockets (java.nio has none); the error was checked");
        return false;
    }

    @BackendTest
    void echoesBetweenTwoBoundSockets(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            UnixDomainSocketAddress serverPath = address("server.sock"), clientPath = address("client.sock");
            loop.run(() -> new DatagramEchoTest.Echo(loop.engine).listen(serverPath));
            assertTrue(Files.exists(serverPath.getPath()), "listen() made the socket file");
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.listen(clientPath).connect(serverPath));
            assertEquals(clientPath, loop.call(client::localAddress));
            DatagramEchoTest.echo(loop, client, serverPath, true, 0, 1, 1500, Datagram.MAX_SIZE);
            DatagramEchoTest.echo(loop, client, serverPath, false, 2, 3);

            IllegalArgumentException tooLarge = loop.call(() -> assertThrows(IllegalArgumentException.class,
                    () -> client.write(new byte[Datagram.MAX_SIZE + 1])));
            assertTrue(tooLarge.getMessage().contains("65537 bytes"), tooLarge.getMessage());
            loop.run(client::close);
            client.awaitClose("close()");
            assertFalse(Files.exists(clientPath.getPath()), "close() removed the socket file");
        }
    }

    /** A socket that only connected has no name: it can send, and its receiver sees the unnamed address. */
    @BackendTest
    void anUnboundSenderIsUnnamed(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            UnixDomainSocketAddress serverPath = address("server.sock");
            RecordingDatagram server = listening(loop, serverPath), client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.connect(serverPath).write(new byte[] {42}));
            RecordingDatagram.Received r = server.next("the unnamed client's datagram");
            assertArrayEquals(new byte[] {42}, r.data());
            assertEquals(UnixDomainSocketAddress.of(""), r.sender(), "an unbound sender's address is the unnamed one");
        }
    }

    /** A datagram the socket's send buffer can't hold is refused by the system, reported, and the socket carries on. */
    @BackendTest
    void aDatagramLargerThanTheSendBufferIsReported(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            UnixDomainSocketAddress serverPath = address("server.sock");
            RecordingDatagram server = listening(loop, serverPath), client = new RecordingDatagram(loop.engine);
            int sendBuffer = loop.call(() -> client.option(StandardSocketOptions.SO_SNDBUF, 4096).connect(serverPath)
                    .option(StandardSocketOptions.SO_SNDBUF));
            assertTrue(sendBuffer < 30_000, "a small send buffer: " + sendBuffer);
            loop.run(() -> client.write(new byte[30_000]).write(new byte[] {1}));
            IOException e = client.nextError("the datagram too large for the send buffer");
            assertTrue(e.getMessage().contains("Message too long") && e.getMessage().contains("30000 bytes"), e.getMessage());
            assertArrayEquals(new byte[] {1}, server.next("the datagram after the refused one").data());
            assertTrue(server.received.isEmpty(), "only the small datagram arrived: " + server.received);
        }
    }

    /**
     * A refused datagram in the middle of a burst: the ones before it and after it arrive, in
     * order (on io_uring the ones after it were cancelled with it, and go again).
     */
    @BackendTest
    void aDatagramRefusedInTheMiddleOfABurstLeavesTheOthersInOrder(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            UnixDomainSocketAddress serverPath = address("server.sock");
            RecordingDatagram server = listening(loop, serverPath), client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.option(StandardSocketOptions.SO_SNDBUF, 4096).connect(serverPath)
                    .write(new byte[] {1}).write(new byte[] {2}).write(new byte[30_000]).write(new byte[] {3}).write(new byte[] {4}));
            for (int i = 1; i <= 4; i++) assertArrayEquals(new byte[] {(byte) i}, server.next("datagram " + i).data(), "datagram " + i);
            IOException e = client.nextError("the datagram too large for the send buffer");
            assertTrue(e.getMessage().contains("Message too long") && e.getMessage().contains("send 30000 bytes to " + serverPath), e.getMessage());
            loop.until("the client's queue to empty", () -> client.queuedDatagrams() == 0);
            assertTrue(client.errors.isEmpty(), "one error only: " + client.errors);
            assertTrue(server.received.isEmpty(), "nothing else arrived: " + server.received);
        }
    }

    /**
     * More datagrams than the receiver's queue holds (net.unix.max_dgram_qlen, 10 by default):
     * the sender finds the socket full, waits until it may send again, and every datagram
     * arrives, in order.
     */
    @BackendTest
    void aBurstLargerThanTheReceiversQueueArrivesWholeAndInOrder(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            UnixDomainSocketAddress serverPath = address("server.sock");
            RecordingDatagram server = listening(loop, serverPath), client = new RecordingDatagram(loop.engine);
            int n = 500;
            loop.run(() -> {
                client.connect(serverPath);
                for (int i = 0; i < n; i++) client.write(("datagram " + i).getBytes(StandardCharsets.US_ASCII));
            });
            for (int i = 0; i < n; i++) assertEquals("datagram " + i, server.next("datagram " + i).text());
            loop.until("the client's queue to empty", () -> client.queuedDatagrams() == 0);
            assertTrue(client.errors.isEmpty(), "errors: " + client.errors);
        }
    }

    /**
     * Many sockets send bursts at once to one receiver whose queue is far smaller than the total:
     * each waits for room on its own (on io_uring, each with its chain in flight), and every
     * datagram arrives, each sender's in the order sent.
     */
    @BackendTest
    void manySendersBurstingAtOnceLoseNothingAndKeepEachOnesOrder(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            UnixDomainSocketAddress serverPath = address("server.sock");
            RecordingDatagram server = listening(loop, serverPath);
            int senders = 16, each = 300;
            RecordingDatagram[] clients = new RecordingDatagram[senders];
            loop.run(() -> {
                for (int c = 0; c < senders; c++) {
                    clients[c] = new RecordingDatagram(loop.engine);
                    clients[c].connect(serverPath);
                }
                for (int i = 0; i < each; i++) {
                    for (int c = 0; c < senders; c++) clients[c].write((c + " " + i).getBytes(StandardCharsets.US_ASCII));
                }
            });
            int[] next = new int[senders];
            for (int k = 0; k < senders * each; k++) {
                String[] got = server.next("datagram " + k + " of " + senders * each).text().split(" ");
                int c = Integer.parseInt(got[0]), i = Integer.parseInt(got[1]);
                assertEquals(next[c], i, "sender " + c + "'s datagrams out of order");
                next[c]++;
            }
            for (int c = 0; c < senders; c++) {
                RecordingDatagram client = clients[c];
                loop.until("sender " + c + "'s queue to empty", () -> client.queuedDatagrams() == 0);
                assertTrue(client.errors.isEmpty(), "sender " + c + "'s errors: " + client.errors);
            }
            assertTrue(server.received.isEmpty(), "more datagrams than were sent: " + server.received.size());
        }
    }

    /** Connecting to a path nobody is bound to fails at once; the socket opened for it closes again. */
    @BackendTest
    void connectingToAMissingPathFails(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            UncheckedIOException e = loop.call(() -> assertThrows(UncheckedIOException.class, () -> client.connect(address("nobody.sock"))));
            assertTrue(e.getMessage().contains("No such file or directory") && e.getMessage().contains("nobody.sock"), e.getMessage());
            client.awaitClose("the failed connect");
            assertTrue(loop.call(client::isClosed), "closed");
            assertEquals(1, client.closes.get(), "onClose once");
        }
    }

    @BackendTest
    void aPathInUseIsReportedWithAHint(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            if (!supported(backend, loop)) return;
            UnixDomainSocketAddress path = address("taken.sock");
            loop.run(() -> new RecordingDatagram(loop.engine).listen(path));
            UncheckedIOException e = loop.call(() -> assertThrows(UncheckedIOException.class, () -> new RecordingDatagram(loop.engine).listen(path)));
            assertTrue(e.getMessage().contains("delete the stale socket file"), e.getMessage());
        }
    }
}
