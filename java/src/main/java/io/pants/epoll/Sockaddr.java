package io.pants.epoll;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes Linux socket addresses (sockaddr_in, sockaddr_in6, sockaddr_un) in native
 * memory. Their layout is part of the Linux ABI, the same on every architecture, and the epoll
 * backend is Linux-only; a BSD backend has its own (with sin_len).
 */
final class Sockaddr {
    static final int UNIX_PATH_MAX = 108;
    private static final byte[] V4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private Sockaddr() {}

    /** The family of socket to create for {@code address}. */
    static int family(SocketAddress address, NativeConstants k) {
        if (address instanceof UnixDomainSocketAddress) return k.afUnix;
        InetSocketAddress isa = (InetSocketAddress) address;
        return isa.getAddress() instanceof Inet4Address ? k.afInet : k.afInet6;
    }

    /** Writes {@code address} for a socket of {@code family} at the buffer's start; returns its length. */
    static int encode(ByteBuffer b, SocketAddress address, int family, NativeConstants k) {
        for (int i = 0; i < 128; i++) b.put(i, (byte) 0);
        b.putShort(0, (short) family);
        if (address instanceof UnixDomainSocketAddress u) {
            byte[] path = u.getPath().toString().getBytes(StandardCharsets.UTF_8);
            if (path.length >= UNIX_PATH_MAX) {
                throw new IllegalArgumentException("Unix socket path is " + path.length + " bytes, the limit is " + (UNIX_PATH_MAX - 1) + ": " + u.getPath());
            }
            b.put(2, path);
            return 2 + path.length + 1;
        }
        InetSocketAddress isa = (InetSocketAddress) address;
        InetAddress ip = isa.getAddress();
        int port = isa.getPort();
        b.put(2, (byte) (port >>> 8));
        b.put(3, (byte) port);
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

    /** Reads the address of {@code len} bytes at the buffer's start. */
    static SocketAddress decode(ByteBuffer b, int len, NativeConstants k) {
        int family = b.getShort(0) & 0xffff;
        if (family == k.afUnix) {
            int end = 2;
            while (end < len && b.get(end) != 0) end++;
            byte[] path = new byte[end - 2];
            b.get(2, path);
            return UnixDomainSocketAddress.of(new String(path, StandardCharsets.UTF_8));
        }
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
            throw new IllegalStateException("malformed address from the kernel", e);
        }
        throw new IllegalStateException("unexpected address family " + family);
    }
}
