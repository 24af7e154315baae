// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.posix.ShimAbi.Table;

import static io.pants.posix.ShimAbi.SocketSlot.*;
import static io.pants.posix.ShimAbi.at;

/**
 * The socket API's constants and errno values a native backend needs, in the slots of
 * {@link ShimAbi.SocketSlot} ({@code pants_socket_constants} in native/pants_socket.c): asked
 * from the shim where it is loaded, otherwise taken from this class's table for the operating
 * system, whose rows are in the same order.
 *
 * <p>The BSD family shares the 4.4BSD numbering of everything here but AF_INET6 and EPROTO;
 * Linux numbers most of it differently. Sources: each system's {@code <sys/socket.h>},
 * {@code <netinet/in.h>}, {@code <netinet/tcp.h>} and {@code <sys/errno.h>}.
 */
public final class SocketConstants {
    /** How many values {@code pants_socket_constants} exports (this class reads no more). */
    public static final int COUNT = Table.SOCKET.size();

    public final int afInet, afInet6, afUnix, sockStream, solSocket, soReuseAddr, soError, ipprotoTcp, tcpNoDelay,
            ipprotoIpv6, ipv6V6Only, shutWr;
    public final int eAgain, eInProgress, eIntr, eMFile, eNFile, eNoBufs, eNoMem, eConnAborted, eProto, ePerm,
            eConnRefused, eTimedOut, eHostUnreach, eNetUnreach, eAddrInUse, eAddrNotAvail, ePipe, eConnReset,
            eNotConn, eBadF;
    public final int sockaddrStorageSize;

    private static final int[] LINUX = {
        2, 10, 1, 1, // AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM
        1, 2, 4, 6, 1, // SOL_SOCKET, SO_REUSEADDR, SO_ERROR, IPPROTO_TCP, TCP_NODELAY
        41, 26, 1, // IPPROTO_IPV6, IPV6_V6ONLY, SHUT_WR
        11, 115, 4, 24, 23, 105, 12, // EAGAIN, EINPROGRESS, EINTR, EMFILE, ENFILE, ENOBUFS, ENOMEM
        103, 71, 1, 111, 110, 113, 101, // ECONNABORTED, EPROTO, EPERM, ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH
        98, 99, 32, 104, 107, 9, // EADDRINUSE, EADDRNOTAVAIL, EPIPE, ECONNRESET, ENOTCONN, EBADF
        128, // sizeof(struct sockaddr_storage)
    };

    /** The 4.4BSD values, with AF_INET6 and EPROTO filled in per system. */
    private static int[] bsd(int afInet6, int eProto) {
        return new int[] {
            2, afInet6, 1, 1, // AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM
            0xffff, 0x4, 0x1007, 6, 1, // SOL_SOCKET, SO_REUSEADDR, SO_ERROR, IPPROTO_TCP, TCP_NODELAY
            41, 27, 1, // IPPROTO_IPV6, IPV6_V6ONLY, SHUT_WR
            35, 36, 4, 24, 23, 55, 12, // EAGAIN, EINPROGRESS, EINTR, EMFILE, ENFILE, ENOBUFS, ENOMEM
            53, eProto, 1, 61, 60, 65, 51, // ECONNABORTED, EPROTO, EPERM, ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH
            48, 49, 32, 54, 57, 9, // EADDRINUSE, EADDRNOTAVAIL, EPIPE, ECONNRESET, ENOTCONN, EBADF
            128, // sizeof(struct sockaddr_storage)
        };
    }

    private final String source;

    private SocketConstants(int[] s, String source) {
        if (s.length < COUNT) throw new IllegalArgumentException(source + " gives " + s.length + " socket constants, expected " + COUNT);
        afInet = at(s, AF_INET); afInet6 = at(s, AF_INET6); afUnix = at(s, AF_UNIX); sockStream = at(s, SOCK_STREAM);
        solSocket = at(s, SOL_SOCKET); soReuseAddr = at(s, SO_REUSEADDR); soError = at(s, SO_ERROR);
        ipprotoTcp = at(s, IPPROTO_TCP); tcpNoDelay = at(s, TCP_NODELAY);
        ipprotoIpv6 = at(s, IPPROTO_IPV6); ipv6V6Only = at(s, IPV6_V6ONLY); shutWr = at(s, SHUT_WR);
        eAgain = at(s, EAGAIN); eInProgress = at(s, EINPROGRESS); eIntr = at(s, EINTR); eMFile = at(s, EMFILE);
        eNFile = at(s, ENFILE); eNoBufs = at(s, ENOBUFS); eNoMem = at(s, ENOMEM);
        eConnAborted = at(s, ECONNABORTED); eProto = at(s, EPROTO); ePerm = at(s, EPERM); eConnRefused = at(s, ECONNREFUSED);
        eTimedOut = at(s, ETIMEDOUT); eHostUnreach = at(s, EHOSTUNREACH); eNetUnreach = at(s, ENETUNREACH);
        eAddrInUse = at(s, EADDRINUSE); eAddrNotAvail = at(s, EADDRNOTAVAIL); ePipe = at(s, EPIPE);
        eConnReset = at(s, ECONNRESET); eNotConn = at(s, ENOTCONN); eBadF = at(s, EBADF);
        sockaddrStorageSize = at(s, SOCKADDR_STORAGE_SIZE);
        this.source = source;
    }

    /** The values in {@link ShimAbi.SocketSlot} order, as {@code pants_socket_constants} writes them. */
    public static SocketConstants of(int[] values, String source) {
        return new SocketConstants(values, source);
    }

    /** Asks the loaded shim, whose compiler knows them. */
    public static SocketConstants fromShim() {
        return new SocketConstants(ShimAbi.read(Table.SOCKET, Shim::pants_socket_constants), "the shim");
    }

    /** Linux's values (the same on every architecture Pants's libc bindings support). */
    public static SocketConstants linux() { return new SocketConstants(LINUX, "the Linux table"); }

    /** Linux's values in the shim's order, for a binding that parses them itself. */
    public static int[] linuxValues() { return LINUX.clone(); }

    public static SocketConstants macOs() { return new SocketConstants(bsd(30, 100), "the macOS table"); }
    public static SocketConstants freeBsd() { return new SocketConstants(bsd(28, 92), "the FreeBSD table"); }
    public static SocketConstants dragonFly() { return new SocketConstants(bsd(28, 92), "the DragonFly table"); }
    public static SocketConstants netBsd() { return new SocketConstants(bsd(24, 96), "the NetBSD table"); }
    public static SocketConstants openBsd() { return new SocketConstants(bsd(24, 95), "the OpenBSD table"); }

    /** Where the values came from ("the shim", "the FreeBSD table", ...). */
    public String source() { return source; }

    @Override
    public String toString() {
        return "SocketConstants from " + source + ": AF_INET6=" + afInet6 + ", EAGAIN=" + eAgain + ", EPROTO=" + eProto;
    }

    /** For tests: the values in the shim's order. */
    int[] values() {
        return new int[] {afInet, afInet6, afUnix, sockStream, solSocket, soReuseAddr, soError, ipprotoTcp, tcpNoDelay,
            ipprotoIpv6, ipv6V6Only, shutWr, eAgain, eInProgress, eIntr, eMFile, eNFile, eNoBufs, eNoMem,
            eConnAborted, eProto, ePerm, eConnRefused, eTimedOut, eHostUnreach, eNetUnreach,
            eAddrInUse, eAddrNotAvail, ePipe, eConnReset, eNotConn, eBadF, sockaddrStorageSize};
    }
}
