// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Multicast between two datagram sockets on this machine, IPv4 and IPv6: join, send with a TTL
 * of 0 (nothing leaves the machine), loopback off and on, leave. Both sockets are dual-stack
 * ({@code listen(0)}). The interface is one this machine is known to loop multicast back on
 * ({@link MulticastInterfaces}).
 *
 * <p>What must not arrive is checked by order, not by waiting: a datagram sent afterwards from
 * the same socket (or to the same receiver) must be the next one received.
 */
@ExtendWith(NoDescriptorLeaks.class)
class MulticastTest {
    @BackendTest
    void ipv4FromADualStackSocket(String backend) throws Exception {
        exchange(backend, StandardProtocolFamily.INET, new InetSocketAddress("127.0.0.1", 0), false);
    }

    /** The sender bound to the interface's IPv4 address: an IPv4 socket, whose options are IPv4's own. */
    @BackendTest
    void ipv4FromAnIpv4Socket(String backend) throws Exception {
        exchange(backend, StandardProtocolFamily.INET, new InetSocketAddress("127.0.0.1", 0), true);
    }

    @BackendTest
    void ipv6(String backend) throws Exception {
        assumeTrue(DatagramEchoTest.hasIpv6Loopback(), "no IPv6 loopback (::1) on this machine");
        exchange(backend, StandardProtocolFamily.INET6, new InetSocketAddress("::1", 0), false);
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static void exchange(String backend, StandardProtocolFamily family, InetSocketAddress loopback,
                                 boolean senderOnInterfaceAddress) throws Exception {
        NetworkInterface ni = MulticastInterfaces.find(family).orElse(null);
        assumeTrue(ni != null, () -> MulticastInterfaces.unavailable(family));
        InetAddress group = MulticastInterfaces.group(family, ni);
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram receiver = new RecordingDatagram(loop.engine);
            int port = loop.call(() -> receiver.listen(0).joinGroup(group, ni).port());
            InetSocketAddress to = new InetSocketAddress(group, port);

            RecordingDatagram sender = new RecordingDatagram(loop.engine);
            // set before listen: applied when the socket opens
            InetSocketAddress senderBind = senderOnInterfaceAddress
                    ? new InetSocketAddress(ni.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst().orElseThrow(), 0)
                    : new InetSocketAddress(0);
            int senderPort = loop.call(() -> sender.multicastInterface(ni).multicastTtl(0).listen(senderBind).port());
            assertEquals(0, (int) loop.call(() -> sender.option(StandardSocketOptions.IP_MULTICAST_TTL)), "TTL as set");
            assertEquals(ni, loop.call(() -> sender.option(StandardSocketOptions.IP_MULTICAST_IF)), "interface as set");
            assertEquals(Boolean.TRUE, loop.call(() -> sender.option(StandardSocketOptions.IP_MULTICAST_LOOP)), "loopback on by default");

            loop.run(() -> sender.write(bytes("hello, group"), to));
            RecordingDatagram.Received hello = receiver.next("the datagram sent to " + group.getHostAddress() + " on " + ni.getName());
            assertEquals("hello, group", hello.text());
            InetSocketAddress from = (InetSocketAddress) hello.sender();
            assertEquals(senderPort, from.getPort(), "the sender's port");
            assertTrue(ni.inetAddresses().anyMatch(a -> a.equals(from.getAddress())),
                    "the sender's address " + from.getAddress() + " is one of " + ni.getName() + "'s");

            // with loopback off this host doesn't hear the datagram; switched on again, it does
            loop.run(() -> {
                sender.multicastLoopback(false).write(bytes("unheard"), to).flush();
                sender.multicastLoopback(true).write(bytes("heard"), to).flush();
                sender.write(bytes("heard too"), to);
            });
            assertEquals("heard", receiver.next("the datagram sent with loopback on again").text());
            assertEquals("heard too", receiver.next("the last datagram sent with loopback on").text());

            // after leaving, the group's datagrams no longer arrive; a unicast one sent after them does
            SocketAddress direct = new InetSocketAddress(loopback.getAddress(), port);
            loop.run(() -> receiver.leaveGroup(group, ni));
            loop.run(() -> {
                sender.write(bytes("after leaving"), to).flush();
                sender.write(bytes("direct"), direct);
            });
            assertEquals("direct", receiver.next("the unicast datagram sent after the group one").text());
            assertTrue(receiver.errors.isEmpty() && sender.errors.isEmpty(), "errors: " + receiver.errors + sender.errors);
        }
    }
}
