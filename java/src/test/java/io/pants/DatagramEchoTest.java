// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * UDP echo between two {@link Datagram}s on one engine: every size up to the protocol's
 * largest, connected and unconnected clients, IPv4, IPv6 and a dual-stack server, and the
 * errors a sender meets (too large, refused, wrong peer).
 */
@ExtendWith(NoDescriptorLeaks.class)
class DatagramEchoTest {
    /** Sends every datagram back to whoever sent it. */
    static class Echo extends Datagram {
        Echo(Engine engine) { super(engine); }

        @Override
        protected void onRead(byte[] data, SocketAddress sender) { write(data, sender); }
    }

    static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i * 31 + seed + i / 251);
        return b;
    }

    /** Sends each size from {@code client} to {@code server} and checks the echo, one at a time. */
    static void echo(LoopThread loop, RecordingDatagram client, SocketAddress server, boolean connected, int... sizes) throws Exception {
        for (int size : sizes) {
            byte[] sent = payload(size, size);
            loop.run(() -> {
                if (connected) client.write(sent);
                else client.write(sent, server);
            });
            RecordingDatagram.Received echo = client.next("the echo of " + size + " bytes");
            assertArrayEquals(sent, echo.data(), "the echo of a " + size + "-byte datagram");
            assertEquals(server, echo.sender(), "the echo's sender");
        }
        assertTrue(client.errors.isEmpty(), "errors: " + client.errors);
    }

    @BackendTest
    void echoesDatagramsOfEverySizeOverIpv4(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            SocketAddress server = loop.call(() -> new Echo(loop.engine).listen("127.0.0.1", 0).localAddress());
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.listen("127.0.0.1", 0));
            echo(loop, client, server, false, 0, 1, 1472, Datagram.MAX_IPV4_PAYLOAD);
        }
    }

    @BackendTest
    void echoesToAConnectedClient(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            SocketAddress server = loop.call(() -> new Echo(loop.engine).listen("127.0.0.1", 0).localAddress());
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.connect(server));
            assertTrue(loop.call(client::isConnected), "connected");
            assertEquals(server, loop.call(client::remoteAddress));
            echo(loop, client, server, true, 1, 1472, Datagram.MAX_IPV4_PAYLOAD);

            // writing to the peer by address is the same as write(data); to anyone else it is refused
            byte[] hello = {'h', 'i'};
            loop.run(() -> client.write(hello, server));
            assertArrayEquals(hello, client.next("the echo of a datagram addressed to the peer").data());
            SocketAddress other = new InetSocketAddress("127.0.0.1", 9);
            IllegalArgumentException e = loop.call(() -> assertThrows(IllegalArgumentException.class, () -> client.write(hello, other)));
            assertTrue(e.getMessage().contains("connected to " + server), e.getMessage());
        }
    }

    /** A peer given by name is resolved off the loop; what is written meanwhile goes out once connected. */
    @BackendTest
    void connectsToAPeerByName(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Echo(loop.engine).listen(0).port()); // dual-stack: whatever localhost is
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.connect("localhost", port).write(new byte[] {1, 2}));
            RecordingDatagram.Received echo = client.next("the echo of the datagram written while resolving");
            assertArrayEquals(new byte[] {1, 2}, echo.data());
            assertTrue(((InetSocketAddress) echo.sender()).getAddress().isLoopbackAddress(), "from localhost: " + echo.sender());
            assertTrue(loop.call(client::isConnected), "connected");
        }
    }

    @BackendTest
    void anUnknownPeerNameIsReportedAndCloses(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.connect("no-such-host.invalid", 9).write(new byte[] {1})); // .invalid never resolves (RFC 6761)
            assertInstanceOf(java.net.UnknownHostException.class, client.nextError("the failed resolution"));
            client.awaitClose("the failed resolution");
        }
    }

    /** java.nio sends nothing for an empty buffer on a connected channel: documented, and reported. */
    @BackendTest
    void anEmptyDatagramFromAConnectedClient(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            SocketAddress server = loop.call(() -> new Echo(loop.engine).listen("127.0.0.1", 0).localAddress());
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.connect(server));
            loop.run(() -> client.write(new byte[0]).write(new byte[] {7}));
            if (backend.equals("nio")) {
                assertTrue(client.nextError("the empty datagram nio can't send").getMessage().contains("can't send an empty datagram"));
            } else {
                assertEquals(0, client.next("the empty echo").data().length);
            }
            assertArrayEquals(new byte[] {7}, client.next("the echo of the datagram after the empty one").data());
        }
    }

    @BackendTest
    void echoesOverIpv6(String backend) throws Exception {
        assumeTrue(hasIpv6Loopback(), "no IPv6 loopback (::1) on this machine");
        try (LoopThread loop = new LoopThread(backend)) {
            SocketAddress server = loop.call(() -> new Echo(loop.engine).listen("::1", 0).localAddress());
            assertInstanceOf(Inet6Address.class, ((InetSocketAddress) server).getAddress());
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.listen("::1", 0));
            echo(loop, client, server, false, 0, 1, 1452, Datagram.MAX_IPV6_PAYLOAD);

            // the IPv6 limit is the IPv6 one, and an IPv4 socket's the IPv4 one
            assertThrows(IllegalArgumentException.class,
                    () -> loop.run(() -> client.write(new byte[Datagram.MAX_IPV6_PAYLOAD + 1], server)));
        }
    }

    /** A server on the wildcard address hears IPv4 and IPv6 clients, and tells them apart. */
    @BackendTest
    void aDualStackServerAnswersIpv4AndIpv6Clients(String backend) throws Exception {
        assumeTrue(hasIpv6Loopback(), "no IPv6 loopback (::1) on this machine");
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Echo(loop.engine).listen(0).port());
            RecordingDatagram v4 = new RecordingDatagram(loop.engine);
            RecordingDatagram v6 = new RecordingDatagram(loop.engine);
            loop.run(() -> {
                v4.listen("127.0.0.1", 0);
                v6.listen("::1", 0);
            });
            InetSocketAddress server4 = new InetSocketAddress("127.0.0.1", port);
            InetSocketAddress server6 = new InetSocketAddress("::1", port);
            echo(loop, v4, server4, false, 1, 1472);
            echo(loop, v6, server6, false, 1, 1452);
        }
    }

    @BackendTest
    void theServerSeesEachClientsAddress(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram server = new RecordingDatagram(loop.engine);
            SocketAddress serverAddress = loop.call(() -> server.listen("127.0.0.1", 0).localAddress());
            try (DatagramChannel jdk = DatagramChannel.open()) {
                jdk.bind(new InetSocketAddress("127.0.0.1", 0));
                jdk.send(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), serverAddress);
                RecordingDatagram.Received r = server.next("the JDK client's datagram");
                assertArrayEquals(new byte[] {1, 2, 3}, r.data());
                assertEquals(jdk.getLocalAddress(), r.sender(), "the sender is the client's address");
                assertInstanceOf(Inet4Address.class, ((InetSocketAddress) r.sender()).getAddress());
            }
        }
    }

    @BackendTest
    void aDatagramTooLargeForItsProtocolIsRefusedByWrite(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.listen("127.0.0.1", 0));
            SocketAddress target = new InetSocketAddress("127.0.0.1", 9);
            IllegalArgumentException e = loop.call(() -> assertThrows(IllegalArgumentException.class,
                    () -> client.write(new byte[Datagram.MAX_IPV4_PAYLOAD + 1], target)));
            assertTrue(e.getMessage().contains("65508 bytes") && e.getMessage().contains("65507"), e.getMessage());
            assertEquals(0, loop.call(client::queuedDatagrams), "nothing was queued");
        }
    }

    /** A connected socket hears that its peer refused (ICMP port unreachable), and carries on. */
    @BackendTest
    void aRefusedDatagramIsReportedToAConnectedSocket(String backend) throws Exception {
        InetSocketAddress nobody;
        try (DatagramChannel closedAgain = DatagramChannel.open()) {
            closedAgain.bind(new InetSocketAddress("127.0.0.1", 0));
            nobody = (InetSocketAddress) closedAgain.getLocalAddress(); // free a moment ago, nothing receives there now
        }
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram client = new RecordingDatagram(loop.engine);
            loop.run(() -> client.connect(nobody).write(new byte[] {1}));
            assertInstanceOf(PortUnreachableException.class, client.nextError("the refusal"));
            assertTrue(loop.call(client::isOpen), "a refusal doesn't close the socket");
        }
    }

    @BackendTest
    void misuseIsReportedPlainly(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram d = new RecordingDatagram(loop.engine);
            IllegalStateException notOpen = loop.call(() -> assertThrows(IllegalStateException.class, () -> d.write(new byte[1])));
            assertTrue(notOpen.getMessage().contains("listen() or connect() it first"), notOpen.getMessage());
            loop.run(() -> d.listen("127.0.0.1", 0));
            IllegalStateException noPeer = loop.call(() -> assertThrows(IllegalStateException.class, () -> d.write(new byte[1])));
            assertTrue(noPeer.getMessage().contains("not connected"), noPeer.getMessage());
            IllegalStateException twice = loop.call(() -> assertThrows(IllegalStateException.class, () -> d.listen("127.0.0.1", 0)));
            assertTrue(twice.getMessage().contains("binds once"), twice.getMessage());
            IllegalArgumentException unresolved = loop.call(() -> assertThrows(IllegalArgumentException.class,
                    () -> d.write(new byte[1], InetSocketAddress.createUnresolved("example.invalid", 9))));
            assertTrue(unresolved.getMessage().contains("resolve example.invalid first"), unresolved.getMessage());
            IllegalStateException offLoop = assertThrows(IllegalStateException.class, () -> d.write(new byte[1], new InetSocketAddress("127.0.0.1", 9)));
            assertTrue(offLoop.getMessage().contains("engine.execute"), offLoop.getMessage());
        }
    }

    @BackendTest
    void closingCallsOnCloseOnceAndSendsWhatIsQueuedFirst(String backend) throws Exception {
        RecordingDatagram client, server;
        try (LoopThread loop = new LoopThread(backend)) {
            server = new RecordingDatagram(loop.engine);
            SocketAddress serverAddress = loop.call(() -> server.listen("127.0.0.1", 0).localAddress());
            client = new RecordingDatagram(loop.engine);
            loop.run(() -> {
                client.listen("127.0.0.1", 0);
                client.write(new byte[] {1}, serverAddress).write(new byte[] {2}, serverAddress);
                client.close();
                assertTrue(client.isClosed(), "closing");
                client.close(); // again: nothing more happens
            });
            assertArrayEquals(new byte[] {1}, server.next("the first datagram queued before close()").data());
            assertArrayEquals(new byte[] {2}, server.next("the second datagram queued before close()").data());
            client.awaitClose("close() after sending");
            loop.run(server::abort);
            server.awaitClose("abort()");
        }
        assertEquals(1, client.closes.get(), "onClose calls of the client, after the engine closed too");
        assertEquals(1, server.closes.get(), "onClose calls of the server, after the engine closed too");
    }

    /** Closing the engine closes its datagram sockets, with onClose. */
    @BackendTest
    void closingTheEngineClosesItsDatagramSockets(String backend) throws Exception {
        RecordingDatagram d;
        try (LoopThread loop = new LoopThread(backend)) {
            d = new RecordingDatagram(loop.engine);
            loop.run(() -> d.listen("127.0.0.1", 0));
        }
        d.awaitClose("the engine closed");
    }

    /** Options set before listen() apply before binding; after it, at once. */
    @BackendTest
    void optionsSetBeforeListenAreApplied(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram d = new RecordingDatagram(loop.engine);
            int size = loop.call(() -> d.option(java.net.StandardSocketOptions.SO_RCVBUF, 100_000)
                    .listen("127.0.0.1", 0).option(java.net.StandardSocketOptions.SO_RCVBUF));
            // Linux doubles the value for its bookkeeping, up to net.core.rmem_max
            assertTrue(size >= Math.min(100_000, rmemMax()), "SO_RCVBUF after setting 100000 before listen: " + size);
            assertEquals(Boolean.FALSE, loop.call(() -> d.option(java.net.StandardSocketOptions.SO_BROADCAST)));
            assertEquals(Boolean.TRUE, loop.call(() -> d.broadcast(true).option(java.net.StandardSocketOptions.SO_BROADCAST)));
        }
    }

    private static int rmemMax() {
        try {
            return Integer.parseInt(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/core/rmem_max")).trim());
        } catch (Exception e) {
            return 0; // not Linux: only check that something was set
        }
    }

    static boolean hasIpv6Loopback() {
        try (DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET6)) {
            ch.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
