// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Socket addresses in both flavours, byte by byte against the documented layouts: Linux's
 * {@code sa_family_t} (16 bits, host order) and BSD's {@code sin_len} + 8-bit family, then the
 * same fields (port at 2, IPv4 at 4, IPv6 at 8 and scope at 24, Unix path at 2).
 */
class SockaddrTest {
    private static final Sockaddr LINUX = Sockaddr.linux(SocketConstants.linux());
    private static final Sockaddr FREEBSD = Sockaddr.bsd(SocketConstants.freeBsd());
    private static final Sockaddr MACOS = Sockaddr.bsd(SocketConstants.macOs());

    private static ByteBuffer buffer() {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 128; i++) b.put(i, (byte) 0x77); // encode must clear what it doesn't set
        return b;
    }

    @Test
    void ipv4() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0x1f90);
        ByteBuffer linux = buffer();
        assertEquals(16, LINUX.encode(linux, a, 2));
        assertEquals(2, linux.getShort(0), "sin_family, 16 bits");
        ByteBuffer bsd = buffer();
        assertEquals(16, FREEBSD.encode(bsd, a, 2));
        assertEquals(16, bsd.get(0), "sin_len");
        assertEquals(2, bsd.get(1), "sin_family, 8 bits");
        for (ByteBuffer b : new ByteBuffer[] {linux, bsd}) {
            assertEquals(0x1f, b.get(2) & 0xff, "port, big-endian");
            assertEquals(0x90, b.get(3) & 0xff);
            assertEquals(127, b.get(4));
            assertEquals(1, b.get(7));
            for (int i = 8; i < 16; i++) assertEquals(0, b.get(i), "sin_zero");
        }
        assertEquals(a, LINUX.decode(linux, 16));
        assertEquals(a, FREEBSD.decode(bsd, 16));
    }

    @Test
    void ipv6WithScopeAndTheFamilyNumbersOfEachSystem() throws Exception {
        Inet6Address ip = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3);
        InetSocketAddress a = new InetSocketAddress(ip, 443);
        ByteBuffer linux = buffer();
        assertEquals(28, LINUX.encode(linux, a, LINUX.family(a)));
        assertEquals(10, LINUX.family(a));
        assertEquals(10, linux.getShort(0));
        ByteBuffer mac = buffer();
        assertEquals(28, MACOS.encode(mac, a, MACOS.family(a)));
        assertEquals(30, MACOS.family(a), "AF_INET6 is 30 on macOS");
        assertEquals(28, FREEBSD.family(a), "and 28 on FreeBSD");
        assertEquals(28, mac.get(0), "sin6_len");
        assertEquals(30, mac.get(1));
        for (ByteBuffer b : new ByteBuffer[] {linux, mac}) {
            assertEquals(0, b.getInt(4), "flow info");
            assertEquals((byte) 0xfe, b.get(8));
            assertEquals(1, b.get(23));
            assertEquals(3, b.getInt(24), "scope id");
        }
        assertEquals(a, LINUX.decode(linux, 28));
        assertEquals(a, MACOS.decode(mac, 28));
    }

    @Test
    void ipv4OnADualStackSocketIsMapped() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 80);
        ByteBuffer b = buffer();
        assertEquals(28, FREEBSD.encode(b, a, 28));
        assertEquals((byte) 0xff, b.get(18));
        assertEquals((byte) 0xff, b.get(19));
        assertEquals(10, b.get(20));
        assertEquals(a, FREEBSD.decode(b, 28), "a mapped address comes back as IPv4");
    }

    @Test
    void unixPathsAndTheirLimits() {
        SocketAddress a = UnixDomainSocketAddress.of("/tmp/pants.sock");
        ByteBuffer linux = buffer();
        assertEquals(2 + 15 + 1, LINUX.encode(linux, a, 1));
        assertEquals(1, linux.getShort(0));
        assertEquals('/', linux.get(2));
        assertEquals(0, linux.get(17), "NUL-terminated");
        ByteBuffer bsd = buffer();
        assertEquals(18, FREEBSD.encode(bsd, a, 1));
        assertEquals(18, bsd.get(0), "sun_len");
        assertEquals(1, bsd.get(1));
        assertEquals(a, LINUX.decode(linux, 18));
        assertEquals(a, FREEBSD.decode(bsd, 18));

        String path107 = "/" + "p".repeat(106);
        LINUX.encode(buffer(), UnixDomainSocketAddress.of(path107), 1); // fits Linux's 108 bytes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FREEBSD.encode(buffer(), UnixDomainSocketAddress.of(path107), 1));
        assertTrue(e.getMessage().contains("limit is 103"), "BSD's sun_path is 104 bytes: " + e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LINUX.encode(buffer(), UnixDomainSocketAddress.of(path107 + "p"), 1));
        assertTrue(e.getMessage().contains("limit is 107"), e.getMessage());
    }

    @Test
    void bsdTablesShareAllButTheFamilyAndEproto() {
        SocketConstants[] bsd = {SocketConstants.macOs(), SocketConstants.freeBsd(), SocketConstants.netBsd(),
            SocketConstants.openBsd(), SocketConstants.dragonFly()};
        for (SocketConstants k : bsd) {
            assertEquals(0xffff, k.solSocket, k.toString());
            assertEquals(0x1007, k.soError, k.toString());
            assertEquals(27, k.ipv6V6Only, k.toString());
            assertEquals(35, k.eAgain, k.toString());
            assertEquals(36, k.eInProgress, k.toString());
            assertEquals(61, k.eConnRefused, k.toString());
            assertEquals(24, k.eMFile, k.toString());
        }
        assertEquals(100, SocketConstants.macOs().eProto);
        assertEquals(96, SocketConstants.netBsd().eProto);
        assertEquals(95, SocketConstants.openBsd().eProto);
        assertEquals(24, SocketConstants.openBsd().afInet6);
        SocketConstants linux = SocketConstants.linux();
        assertEquals(SocketConstants.COUNT, linux.values().length);
        assertEquals(java.util.Arrays.toString(SocketConstants.linuxValues()), java.util.Arrays.toString(linux.values()));
    }

    /** Winsock's SOCKADDR_IN6: Linux's layout (16-bit family, port, flow info, address, scope) with AF_INET6 = 23. */
    @Test
    void windowsIsLinuxsLayoutWithItsOwnFamilyNumbers() throws Exception {
        int[] values = SocketConstants.linuxValues();
        values[1] = 23; // AF_INET6 in ws2def.h
        Sockaddr windows = Sockaddr.windows(SocketConstants.of(values, "a Windows table"));
        Inet6Address ip = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 5);
        InetSocketAddress a = new InetSocketAddress(ip, 8080);
        assertEquals(23, windows.family(a));
        ByteBuffer w = buffer(), linux = buffer();
        assertEquals(28, windows.encode(w, a, 23));
        assertEquals(28, LINUX.encode(linux, a, 10));
        assertEquals(23, w.getShort(0), "sin6_family, 16 bits");
        for (int i = 2; i < 28; i++) assertEquals(linux.get(i), w.get(i), "byte " + i + " as on Linux");
        assertEquals(a, windows.decode(w, 28));
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 53);
        assertEquals(16, windows.encode(w, v4, 2));
        assertEquals(v4, windows.decode(w, 16));
    }
}
