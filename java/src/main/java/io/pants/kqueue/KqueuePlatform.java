// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import io.pants.posix.DatagramConstants;
import io.pants.posix.Iovec;
import io.pants.posix.Sendfile;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;

import java.util.Locale;

/**
 * Everything about the operating system that the kqueue backend must not assume: the socket
 * constants and errno values, the socket address flavour (BSD's sin_len or Linux's 16-bit
 * family), {@code struct kevent}'s layout and filter numbers, the datagram options and
 * {@code struct msghdr}, O_NONBLOCK, which {@code sendfile} there is, and the C symbol that is
 * {@code kevent}. Chosen at run time from
 * {@code os.name} and {@code os.version} ({@link #forOs}); where the shim is built, its own
 * answers replace the table's ({@link #withShim}).
 *
 * <p>Linux is in the table for userspace kqueues (libkqueue), which keep Linux's sockets and
 * take libkqueue's header's layout. All of it is for 64-bit systems: the bindings pass pointers
 * and {@code size_t} as Java longs.
 */
final class KqueuePlatform {
    final String os;
    final SocketConstants socket;
    final Sockaddr sockaddr;
    final KeventLayout kevent;
    final DatagramConstants datagram;
    /**
     * Linux joins IPv4 groups and picks the multicast interface with struct ip_mreqn (by
     * interface index); the BSDs with struct ip_mreq and struct in_addr (by interface address),
     * and some (OpenBSD) take IP_MULTICAST_TTL and _LOOP only as one byte.
     */
    final boolean linuxMulticast;
    /** struct iovec (16/0/8 on every 64-bit system). */
    final Iovec iovec;
    final int oNonBlock;
    final Sendfile.Kind sendfile;
    /** The name kevent() has in the C library (NetBSD renamed it when timespec grew). */
    final String keventSymbol;
    /** False on Linux, which has no kqueue of its own: a userspace library must be named. */
    final boolean hasKqueue;
    /** Where the layouts came from, for descriptions: "the FreeBSD table", "the shim". */
    final String source;

    private KqueuePlatform(String os, SocketConstants socket, Sockaddr sockaddr, KeventLayout kevent, DatagramConstants datagram,
                           Iovec iovec, int oNonBlock, Sendfile.Kind sendfile, String keventSymbol, boolean hasKqueue, String source) {
        this.os = os;
        this.socket = socket;
        this.sockaddr = sockaddr;
        this.kevent = kevent;
        this.datagram = datagram;
        this.linuxMulticast = !sockaddr.hasLengthByte();
        this.iovec = iovec;
        this.oNonBlock = oNonBlock;
        this.sendfile = sendfile;
        this.keventSymbol = keventSymbol;
        this.hasKqueue = hasKqueue;
        this.source = source;
    }

    private static final int O_NONBLOCK_BSD = 0x4, O_NONBLOCK_LINUX = 0x800;

    /**
     * The table's entry for an operating system, as Java names it ({@code os.name}, {@code os.version}).
     * @throws UnsupportedOperationException for a system without kqueue or not in the table
     */
    static KqueuePlatform forOs(String osName, String osVersion) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            SocketConstants s = SocketConstants.linux();
            return new KqueuePlatform(osName, s, Sockaddr.linux(s), KeventLayout.libkqueue(), DatagramConstants.linux(), Iovec.LP64,
                    O_NONBLOCK_LINUX, Sendfile.Kind.LINUX, "kevent", false, "the Linux table (libkqueue's layout)");
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            SocketConstants s = SocketConstants.macOs();
            return new KqueuePlatform(osName, s, Sockaddr.bsd(s), KeventLayout.macOs(), DatagramConstants.bsd(), Iovec.LP64,
                    O_NONBLOCK_BSD, Sendfile.Kind.DARWIN, "kevent", true, "the macOS table");
        }
        if (os.startsWith("freebsd")) {
            int major = majorVersion(osVersion);
            SocketConstants s = SocketConstants.freeBsd();
            return new KqueuePlatform(osName, s, Sockaddr.bsd(s), KeventLayout.freeBsd(major), DatagramConstants.bsd(), Iovec.LP64,
                    O_NONBLOCK_BSD, Sendfile.Kind.FREEBSD, "kevent", true, "the FreeBSD " + (major >= 12 ? "12+" : "11-") + " table");
        }
        if (os.startsWith("netbsd")) {
            SocketConstants s = SocketConstants.netBsd();
            return new KqueuePlatform(osName, s, Sockaddr.bsd(s), KeventLayout.netBsd(), DatagramConstants.bsd(), Iovec.LP64,
                    O_NONBLOCK_BSD, Sendfile.Kind.NONE, "__kevent50", true, "the NetBSD table");
        }
        if (os.startsWith("openbsd")) {
            SocketConstants s = SocketConstants.openBsd();
            return new KqueuePlatform(osName, s, Sockaddr.bsd(s), KeventLayout.openBsd(), DatagramConstants.bsd(), Iovec.LP64,
                    O_NONBLOCK_BSD, Sendfile.Kind.NONE, "kevent", true, "the OpenBSD table");
        }
        if (os.startsWith("dragonfly")) {
            SocketConstants s = SocketConstants.dragonFly();
            return new KqueuePlatform(osName, s, Sockaddr.bsd(s), KeventLayout.dragonFly(), DatagramConstants.bsd(), Iovec.LP64,
                    O_NONBLOCK_BSD, Sendfile.Kind.FREEBSD, "kevent", true, "the DragonFly table");
        }
        throw new UnsupportedOperationException("kqueue is not known on " + osName
                + " (it is the poller of macOS, FreeBSD, NetBSD, OpenBSD and DragonFly)");
    }

    /** The same system with the shim's answers, which come from its compiler, instead of the table's. */
    KqueuePlatform withShim(SocketConstants socket, KeventLayout kevent, DatagramConstants datagram, Iovec iovec) {
        Sockaddr codec = sockaddr.hasLengthByte() ? Sockaddr.bsd(socket) : Sockaddr.linux(socket);
        return new KqueuePlatform(os, socket, codec, kevent, datagram, iovec, oNonBlock, sendfile, keventSymbol, hasKqueue, "the shim");
    }

    /** "13.2-RELEASE" -> 13; 0 when it doesn't start with a number. */
    static int majorVersion(String version) {
        int v = 0;
        for (int i = 0; i < version.length() && Character.isDigit(version.charAt(i)); i++) v = v * 10 + (version.charAt(i) - '0');
        return v;
    }

    @Override
    public String toString() {
        return os + " from " + source + ": " + kevent + "; " + socket;
    }
}
