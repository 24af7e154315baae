// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds an interface on which this machine delivers its own multicast datagrams back to itself,
 * by trying it with the JDK's DatagramChannel (not the code under test): join a group, send to
 * it with a TTL (hop limit) of 0, so nothing leaves the machine, and wait a moment for the
 * datagram. Loopback is never chosen: Linux delivers IPv6 multicast on {@code lo} to nobody,
 * and ignores IP_MULTICAST_LOOP there. A machine without such an interface gets one from
 * {@code .ci/run} (a veth pair); elsewhere multicast tests are skipped with
 * {@link #unavailable}.
 */
final class MulticastInterfaces {
    /** IPv4 and IPv6 groups of local scope, unlikely to be used by anything else here. */
    static final String IPV4_GROUP = "239.255.70.77", IPV6_GROUP = "ff02::70:77";

    private static final Map<ProtocolFamily, Optional<NetworkInterface>> FOUND = new ConcurrentHashMap<>();
    private static final Map<ProtocolFamily, String> TRIED = new ConcurrentHashMap<>();

    private MulticastInterfaces() {}

    static Optional<NetworkInterface> find(StandardProtocolFamily family) {
        return FOUND.computeIfAbsent(family, f -> probeAll(family));
    }

    /** Why none was found, for the skip message. */
    static String unavailable(StandardProtocolFamily family) {
        return "no interface on this machine delivers " + family + " multicast back to it (tried: " + TRIED.get(family)
                + "); .ci/run creates a veth pair for this when run as root";
    }

    static InetAddress group(StandardProtocolFamily family, NetworkInterface ni) throws IOException {
        if (family == StandardProtocolFamily.INET) return InetAddress.getByName(IPV4_GROUP);
        return Inet6Address.getByAddress(null, InetAddress.getByName(IPV6_GROUP).getAddress(), ni); // link-local scope: on ni
    }

    private static Optional<NetworkInterface> probeAll(StandardProtocolFamily family) {
        List<NetworkInterface> candidates = new ArrayList<>();
        try {
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                if (ni.isUp() && !ni.isLoopback() && ni.supportsMulticast() && hasAddress(ni, family)) candidates.add(ni);
            }
        } catch (SocketException e) {
            TRIED.put(family, "listing interfaces failed: " + e);
            return Optional.empty();
        }
        // the interface CI makes for this first; real ones otherwise
        candidates.sort(Comparator.comparing((NetworkInterface ni) -> !ni.getName().startsWith("pants")).thenComparing(NetworkInterface::getName));
        List<String> tried = new ArrayList<>();
        for (NetworkInterface ni : candidates) {
            String outcome = probe(family, ni);
            if (outcome == null) return Optional.of(ni);
            tried.add(ni.getName() + ": " + outcome);
        }
        TRIED.put(family, tried.isEmpty() ? "no interface is up with multicast and an " + family + " address" : String.join("; ", tried));
        return Optional.empty();
    }

    private static boolean hasAddress(NetworkInterface ni, StandardProtocolFamily family) {
        return ni.inetAddresses().anyMatch(a -> family == StandardProtocolFamily.INET ? a instanceof Inet4Address : a instanceof Inet6Address);
    }

    /** Null if a datagram sent to the group on {@code ni} came back, else what happened. */
    private static String probe(StandardProtocolFamily family, NetworkInterface ni) {
        try (DatagramChannel receiver = DatagramChannel.open(family); DatagramChannel sender = DatagramChannel.open(family);
             Selector selector = Selector.open()) {
            InetAddress group = group(family, ni);
            receiver.bind(new InetSocketAddress(0));
            receiver.join(group, ni);
            receiver.configureBlocking(false);
            receiver.register(selector, SelectionKey.OP_READ);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, ni);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0);
            sender.send(ByteBuffer.wrap(new byte[] {'?'}), new InetSocketAddress(group, ((InetSocketAddress) receiver.getLocalAddress()).getPort()));
            // a probe, not synchronisation: the datagram comes back within the send call or not at all
            if (selector.select(2000) == 0) return "nothing came back";
            return receiver.receive(ByteBuffer.allocate(16)) != null ? null : "nothing came back";
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }
}
