package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The constants and struct layouts datagram sockets need: option names, flags, and the layout
 * of {@code struct mmsghdr} / {@code struct msghdr}, which Java fills for recvmmsg and
 * sendmmsg. With the shim they come from the compiler (pants_datagram.c); through plain libc
 * from the generic Linux ABI of 64-bit glibc, which {@code DatagramConstantsTest} checks
 * against the shim wherever both exist.
 */
final class DatagramConstants {
    static final int LINUX_SOCK_DGRAM = 2;

    /** The generic Linux values, in the order pants_datagram_constants() exports them. */
    static final int[] LINUX_DATAGRAM = {
        LINUX_SOCK_DGRAM, 6, 8, 7, 15, // SOCK_DGRAM, SO_BROADCAST, SO_RCVBUF, SO_SNDBUF, SO_REUSEPORT
        0, 32, 33, 34, 35, 36, // IPPROTO_IP, IP_MULTICAST_IF, _TTL, _LOOP, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP
        17, 18, 19, 20, 21, // IPV6_MULTICAST_IF, _HOPS, _LOOP, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP
        0x20, 0x40, // MSG_TRUNC, MSG_DONTWAIT
        90, 13, 89, 106, 2, // EMSGSIZE, EACCES, EDESTADDRREQ, EISCONN, ENOENT
    };
    /** mmsghdr and msghdr of 64-bit glibc, in the order pants_msghdr_layout() exports them. */
    static final int[] LINUX_MSGHDR_LP64 = {64, 0, 56, 4, 0, 8, 16, 24, 8, 32, 40, 8, 48};

    final int sockDgram, soBroadcast, soRcvBuf, soSndBuf, soReusePort;
    final int ipprotoIp, ipMulticastIf, ipMulticastTtl, ipMulticastLoop, ipAddMembership, ipDropMembership;
    final int ipv6MulticastIf, ipv6MulticastHops, ipv6MulticastLoop, ipv6JoinGroup, ipv6LeaveGroup;
    final int msgTrunc, msgDontWait;
    final int eMsgSize, eAccess, eDestAddrReq, eIsConn, eNoEnt;

    /** struct mmsghdr: size, where its msghdr and msg_len are, and msg_len's width. */
    final int mmsgSize, mmsgHdrOffset, mmsgLenOffset, mmsgLenSize;
    /** struct msghdr: field offsets, and the widths of the two length fields whose type varies. */
    final int nameOffset, nameLenOffset, iovOffset, iovLenOffset, iovLenSize, controlOffset, controlLenOffset,
            controlLenSize, flagsOffset;

    private DatagramConstants(int[] c, int[] m) {
        int i = 0;
        sockDgram = c[i++]; soBroadcast = c[i++]; soRcvBuf = c[i++]; soSndBuf = c[i++]; soReusePort = c[i++];
        ipprotoIp = c[i++]; ipMulticastIf = c[i++]; ipMulticastTtl = c[i++]; ipMulticastLoop = c[i++];
        ipAddMembership = c[i++]; ipDropMembership = c[i++];
        ipv6MulticastIf = c[i++]; ipv6MulticastHops = c[i++]; ipv6MulticastLoop = c[i++];
        ipv6JoinGroup = c[i++]; ipv6LeaveGroup = c[i++];
        msgTrunc = c[i++]; msgDontWait = c[i++];
        eMsgSize = c[i++]; eAccess = c[i++]; eDestAddrReq = c[i++]; eIsConn = c[i++]; eNoEnt = c[i];
        i = 0;
        mmsgSize = m[i++]; mmsgHdrOffset = m[i++]; mmsgLenOffset = m[i++]; mmsgLenSize = m[i++];
        nameOffset = m[i++]; nameLenOffset = m[i++]; iovOffset = m[i++]; iovLenOffset = m[i++]; iovLenSize = m[i++];
        controlOffset = m[i++]; controlLenOffset = m[i++]; controlLenSize = m[i++]; flagsOffset = m[i];
    }

    /** Asks the loaded shim. */
    static DatagramConstants fromShim() {
        try (Memory m = new Memory(4 * 64)) {
            long a = Pointer.nativeValue(m);
            int n = Shim.pants_datagram_constants(a, 64);
            check("datagram constants", n, LINUX_DATAGRAM.length);
            int[] c = m.getIntArray(0, n);
            n = Shim.pants_msghdr_layout(a, 64);
            check("msghdr layout values", n, LINUX_MSGHDR_LP64.length);
            return new DatagramConstants(c, m.getIntArray(0, n));
        }
    }

    /** The generic Linux ABI, for the libc binding (64-bit only, like the rest of it). */
    static DatagramConstants linuxGeneric() {
        if (Native.POINTER_SIZE != 8) throw new IllegalStateException("the libc binding needs a 64-bit JVM");
        return new DatagramConstants(LINUX_DATAGRAM, LINUX_MSGHDR_LP64);
    }

    private static void check(String what, int got, int expected) {
        if (got < expected) throw new IllegalStateException("libpants exports " + got + " " + what + ", expected " + expected);
    }

    /** The values in export order, for comparing two sources. */
    int[] constants() {
        return new int[] {sockDgram, soBroadcast, soRcvBuf, soSndBuf, soReusePort, ipprotoIp, ipMulticastIf, ipMulticastTtl,
            ipMulticastLoop, ipAddMembership, ipDropMembership, ipv6MulticastIf, ipv6MulticastHops, ipv6MulticastLoop,
            ipv6JoinGroup, ipv6LeaveGroup, msgTrunc, msgDontWait, eMsgSize, eAccess, eDestAddrReq, eIsConn, eNoEnt};
    }

    int[] layout() {
        return new int[] {mmsgSize, mmsgHdrOffset, mmsgLenOffset, mmsgLenSize, nameOffset, nameLenOffset, iovOffset,
            iovLenOffset, iovLenSize, controlOffset, controlLenOffset, controlLenSize, flagsOffset};
    }
}
