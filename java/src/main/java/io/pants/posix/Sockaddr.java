// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

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
 * Encodes and decodes socket addresses (sockaddr_in, sockaddr_in6, sockaddr_un) in native
 * memory, for one operating system's flavour of them. The layouts agree everywhere but in the
 * first two bytes and the size of sun_path:
 * <pre>
 *   Linux, Windows: uint16 family               sun_path[108]
 *   BSD, macOS:  uint8 len (sin_len), uint8 family   sun_path[104]
 * </pre>
 * after which come the port (big-endian) at 2, the IPv4 address at 4, or the IPv6 flow info at
 * 4, address at 8 and scope id at 24, or the Unix path at 2. The family numbers are the OS's
 * (AF_INET6 is 10 on Linux, 28 on FreeBSD, 30 on macOS, 24 on NetBSD and OpenBSD).
 */
public final class Sockaddr {
    private static final byte[] V4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};
    private static final int SOCKADDR_IN_LEN = 16, SOCKADDR_IN6_LEN = 28;

    private final int afInet, afInet6, afUnix;
    private final boolean lengthByte;
    private final int unixPathMax;
    /** sizeof(struct sockaddr_storage): room for any address. */
    private final int storageSize;

    private Sockaddr(SocketConstants k, boolean lengthByte, int unixPathMax) {
        this.afInet = k.afInet;
        this.afInet6 = k.afInet6;
        this.afUnix = k.afUnix;
        this.lengthByte = lengthByte;
        this.unixPathMax = unixPathMax;
        this.storageSize = k.sockaddrStorageSize;
    }

    /** Linux's addresses: a 16-bit family, a 108-byte Unix path. */
    public static Sockaddr linux(SocketConstants k) {
        return new Sockaddr(k, false, 108);
    }

    /** Winsock's SOCKADDR_IN, SOCKADDR_IN6 and SOCKADDR_UN: Linux's layout, with Windows's family numbers (AF_INET6 is 23). */
    public static Sockaddr windows(SocketConstants k) {
        return new Sockaddr(k, false, 108);
    }

    /** The BSD family's (FreeBSD, macOS, NetBSD, OpenBSD, DragonFly): a length byte, then an 8-bit family; a 104-byte Unix path. */
    public static Sockaddr bsd(SocketConstants k) {
        return new Sockaddr(k, true, 104);
    }

    /** Whether addresses start with a length byte (sin_len), as on BSD and macOS. */
    public boolean hasLengthByte() { return lengthByte; }

    /** The size of sun_path, terminating NUL included. */
    public int unixPathMax() { return unixPathMax; }

    /**
     * Readies {@code scratch} (native memory at {@code scratchAddr}) for a call that returns an
     * address (accept, getsockname): the address goes first, with room for a sockaddr_storage,
     * then its length, a socklen_t (in: that room; out: the address's size). Returns the
     * length's address, the call's last argument; {@link #decodeReturned} reads the address.
     */
    public long prepareReturn(ByteBuffer scratch, long scratchAddr) {
        scratch.putInt(storageSize, storageSize);
        return scratchAddr + storageSize;
    }

    /** The address a call readied by {@link #prepareReturn} wrote into {@code scratch}. */
    public SocketAddress decodeReturned(ByteBuffer scratch) { return decode(scratch, scratch.getInt(storageSize)); }

    /** The family of socket to create for {@code address}. */
    public int family(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) return afUnix;
        InetSocketAddress isa = (InetSocketAddress) address;
        return isa.getAddress() instanceof Inet4Address ? afInet : afInet6;
    }

    /**
     * Writes {@code address} for a socket of {@code family} at the buffer's start (which must
     * have room for a sockaddr_storage, 128 bytes); returns its length.
     * @throws IllegalArgumentException if a Unix socket path does not fit in sun_path
     */
    public int encode(ByteBuffer b, SocketAddress address, int family) {
        for (int i = 0; i < 128; i++) b.put(i, (byte) 0);
        int len;
        if (address instanceof UnixDomainSocketAddress u) {
            byte[] path = u.getPath().toString().getBytes(StandardCharsets.UTF_8);
            if (path.length >= unixPathMax) {
                throw new IllegalArgumentException("Unix socket path is " + path.length + " bytes, the limit is " + (unixPathMax - 1) + ": " + u.getPath());
            }
            b.put(2, path);
            len = 2 + path.length + 1;
        } else {
            InetSocketAddress isa = (InetSocketAddress) address;
            InetAddress ip = isa.getAddress();
            int port = isa.getPort();
            b.put(2, (byte) (port >>> 8));
            b.put(3, (byte) port);
            if (family == afInet) {
                b.put(4, ip.getAddress());
                len = SOCKADDR_IN_LEN;
            } else {
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
                len = SOCKADDR_IN6_LEN;
            }
        }
        if (lengthByte) {
            b.put(0, (byte) len);
            b.put(1, (byte) family);
        } else {
            b.putShort(0, (short) family);
        }
        return len;
    }

    /** Reads the address of {@code len} bytes at the buffer's start. */
    public SocketAddress decode(ByteBuffer b, int len) {
        int family = lengthByte ? b.get(1) & 0xff : b.getShort(0) & 0xffff;
        if (family == afUnix) {
            int end = 2;
            while (end < len && b.get(end) != 0) end++;
            byte[] path = new byte[end - 2];
            b.get(2, path);
            return UnixDomainSocketAddress.of(new String(path, StandardCharsets.UTF_8));
        }
        int port = ((b.get(2) & 0xff) << 8) | (b.get(3) & 0xff);
        try {
            if (family == afInet) {
                byte[] a = new byte[4];
                b.get(4, a);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == afInet6) {
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
