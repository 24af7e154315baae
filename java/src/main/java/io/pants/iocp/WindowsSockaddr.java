package io.pants.iocp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Encodes and decodes Winsock's SOCKADDR_IN and SOCKADDR_IN6 in native memory: a 16-bit family
 * in host order, the port in network order, then the IPv4 address at 4, or the flow info at 4,
 * the IPv6 address at 8 and the scope id at 24. (The family values themselves differ from
 * Linux: AF_INET6 is 23, which is why they come from the shim.) Unix domain sockets are not
 * offered by this prototype.
 */
final class WindowsSockaddr {
    private static final byte[] V4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private WindowsSockaddr() {}

    /** Writes {@code address} for a socket of {@code family} at the buffer's start; returns its length. */
    static int encode(ByteBuffer b, InetSocketAddress address, int family, WinsockConstants k) {
        for (int i = 0; i < 28; i++) b.put(i, (byte) 0);
        b.putShort(0, (short) family);
        int port = address.getPort();
        b.put(2, (byte) (port >>> 8));
        b.put(3, (byte) port);
        InetAddress ip = address.getAddress();
        if (family == k.afInet) {
            b.put(4, ip.getAddress());
            return 16;
        }
        byte[] a16;
        if (ip instanceof Inet4Address) {
            a16 = new byte[16];
            if (!ip.isAnyLocalAddress()) { // 0.0.0.0 on a dual-stack socket is ::
                System.arraycopy(V4_MAPPED_PREFIX, 0, a16, 0, 12);
                System.arraycopy(ip.getAddress(), 0, a16, 12, 4);
            }
        } else {
            a16 = ip.getAddress();
            b.putInt(24, ((Inet6Address) ip).getScopeId());
        }
        b.put(8, a16);
        return 28;
    }

    /** Reads the address at the buffer's start. */
    static InetSocketAddress decode(ByteBuffer b, WinsockConstants k) {
        int family = b.getShort(0) & 0xffff;
        int port = ((b.get(2) & 0xff) << 8) | (b.get(3) & 0xff);
        try {
            if (family == k.afInet) {
                byte[] a = new byte[4];
                b.get(4, a);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == k.afInet6) {
                byte[] a = new byte[16];
                b.get(8, a);
                int scope = b.getInt(24);
                InetAddress ip = InetAddress.getByAddress(a); // an IPv4-mapped address comes back as IPv4
                if (scope != 0 && ip instanceof Inet6Address) ip = Inet6Address.getByAddress(null, a, scope);
                return new InetSocketAddress(ip, port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("malformed address from Winsock", e);
        }
        throw new IllegalStateException("unexpected address family " + family);
    }
}
