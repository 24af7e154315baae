// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.posix.ShimAbi.Table;

import static io.pants.posix.ShimAbi.DatagramSlot.*;
import static io.pants.posix.ShimAbi.MsghdrSlot.*;
import static io.pants.posix.ShimAbi.at;

/**
 * What datagram sockets need: option names, flags, errno values, and the layout of
 * {@code struct msghdr} inside an {@code mmsghdr}-like array that Java fills. From the shim's
 * compiler where it is loaded (pants_datagram.c; the slots of {@link ShimAbi.DatagramSlot} and
 * {@link ShimAbi.MsghdrSlot}, the order of the tables here), otherwise from the
 * tables here: Linux's 64-bit glibc, and the values the BSDs share (4.4BSD's option numbers in
 * sys/socket.h, netinet/in.h and netinet6/in6.h). {@code DatagramConstantsTest} checks the
 * Linux table against the shim wherever both exist.
 *
 * <p>Without the shim, on a BSD, datagrams are received and sent with recvmsg and sendmsg, one
 * per call, over an array laid out here: each entry a msghdr then the datagram's length, which
 * is what recvmmsg's mmsghdr is on Linux and FreeBSD. The shim uses its own system's mmsghdr.
 */
public final class DatagramConstants {
    public final int sockDgram, soBroadcast, soRcvBuf, soSndBuf, soReusePort;
    public final int ipprotoIp, ipMulticastIf, ipMulticastTtl, ipMulticastLoop, ipAddMembership, ipDropMembership;
    public final int ipv6MulticastIf, ipv6MulticastHops, ipv6MulticastLoop, ipv6JoinGroup, ipv6LeaveGroup;
    public final int msgTrunc, msgDontWait;
    public final int eMsgSize, eAccess, eDestAddrReq, eIsConn, eNoEnt;

    /** The mmsghdr-like entry: size, where its msghdr and its length are, and the length's width. */
    public final int mmsgSize, mmsgHdrOffset, mmsgLenOffset, mmsgLenSize;
    /** struct msghdr: field offsets, and the widths of the fields whose type differs between C libraries. */
    public final int nameOffset, nameLenOffset, iovOffset, iovLenOffset, iovLenSize, controlOffset, controlLenOffset,
            controlLenSize, flagsOffset;

    /** How many values pants_datagram_constants and pants_msghdr_layout export (this class reads no more). */
    public static final int CONSTANT_COUNT = Table.DATAGRAM.size(), LAYOUT_COUNT = Table.MSGHDR.size();

    private static final int[] LINUX = {
        2, 6, 8, 7, 15, // SOCK_DGRAM, SO_BROADCAST, SO_RCVBUF, SO_SNDBUF, SO_REUSEPORT
        0, 32, 33, 34, 35, 36, // IPPROTO_IP, IP_MULTICAST_IF, _TTL, _LOOP, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP
        17, 18, 19, 20, 21, // IPV6_MULTICAST_IF, _HOPS, _LOOP, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP
        0x20, 0x40, // MSG_TRUNC, MSG_DONTWAIT
        90, 13, 89, 106, 2, // EMSGSIZE, EACCES, EDESTADDRREQ, EISCONN, ENOENT
    };
    /** 64-bit glibc: mmsghdr {msghdr; unsigned msg_len}, msghdr with size_t iovlen and controllen. */
    private static final int[] LINUX_MSGHDR = {64, 0, 56, 4, 0, 8, 16, 24, 8, 32, 40, 8, 48};

    private static final int[] BSD = {
        2, 0x20, 0x1002, 0x1001, 0x200, // SOCK_DGRAM, SO_BROADCAST, SO_RCVBUF, SO_SNDBUF, SO_REUSEPORT
        0, 9, 10, 11, 12, 13, // IPPROTO_IP, IP_MULTICAST_IF, _TTL, _LOOP, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP
        9, 10, 11, 12, 13, // IPV6_MULTICAST_IF, _HOPS, _LOOP, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP
        0x10, 0x80, // MSG_TRUNC, MSG_DONTWAIT
        40, 13, 39, 56, 2, // EMSGSIZE, EACCES, EDESTADDRREQ, EISCONN, ENOENT
    };
    /** The BSDs' 64-bit msghdr (int iovlen, socklen_t controllen: 48 bytes), then an 8-byte length. */
    private static final int[] BSD_MSGHDR = {56, 0, 48, 8, 0, 8, 16, 24, 4, 32, 40, 4, 44};

    private DatagramConstants(int[] c, int[] m) {
        if (c.length < CONSTANT_COUNT || m.length < LAYOUT_COUNT) {
            throw new IllegalArgumentException(c.length + " datagram constants and " + m.length + " msghdr values, expected "
                    + CONSTANT_COUNT + " and " + LAYOUT_COUNT);
        }
        sockDgram = at(c, SOCK_DGRAM); soBroadcast = at(c, SO_BROADCAST); soRcvBuf = at(c, SO_RCVBUF);
        soSndBuf = at(c, SO_SNDBUF); soReusePort = at(c, SO_REUSEPORT);
        ipprotoIp = at(c, IPPROTO_IP); ipMulticastIf = at(c, IP_MULTICAST_IF); ipMulticastTtl = at(c, IP_MULTICAST_TTL);
        ipMulticastLoop = at(c, IP_MULTICAST_LOOP); ipAddMembership = at(c, IP_ADD_MEMBERSHIP); ipDropMembership = at(c, IP_DROP_MEMBERSHIP);
        ipv6MulticastIf = at(c, IPV6_MULTICAST_IF); ipv6MulticastHops = at(c, IPV6_MULTICAST_HOPS);
        ipv6MulticastLoop = at(c, IPV6_MULTICAST_LOOP); ipv6JoinGroup = at(c, IPV6_JOIN_GROUP); ipv6LeaveGroup = at(c, IPV6_LEAVE_GROUP);
        msgTrunc = at(c, MSG_TRUNC); msgDontWait = at(c, MSG_DONTWAIT);
        eMsgSize = at(c, EMSGSIZE); eAccess = at(c, EACCES); eDestAddrReq = at(c, EDESTADDRREQ); eIsConn = at(c, EISCONN);
        eNoEnt = at(c, ENOENT);
        mmsgSize = at(m, MMSG_SIZE); mmsgHdrOffset = at(m, MMSG_HDR_OFFSET); mmsgLenOffset = at(m, MMSG_LEN_OFFSET);
        mmsgLenSize = at(m, MMSG_LEN_SIZE);
        nameOffset = at(m, NAME_OFFSET); nameLenOffset = at(m, NAMELEN_OFFSET); iovOffset = at(m, IOV_OFFSET);
        iovLenOffset = at(m, IOVLEN_OFFSET); iovLenSize = at(m, IOVLEN_SIZE);
        controlOffset = at(m, CONTROL_OFFSET); controlLenOffset = at(m, CONTROLLEN_OFFSET); controlLenSize = at(m, CONTROLLEN_SIZE);
        flagsOffset = at(m, FLAGS_OFFSET);
    }

    /** Values in the slots of pants_datagram_constants() and pants_msghdr_layout(). */
    public static DatagramConstants of(int[] constants, int[] layout) { return new DatagramConstants(constants, layout); }

    /** Asks the loaded shim. */
    public static DatagramConstants fromShim() {
        return new DatagramConstants(ShimAbi.read(Table.DATAGRAM, Shim::pants_datagram_constants),
                ShimAbi.read(Table.MSGHDR, Shim::pants_msghdr_layout));
    }

    /** Linux's 64-bit glibc. */
    public static DatagramConstants linux() { return new DatagramConstants(LINUX, LINUX_MSGHDR); }

    /** macOS, FreeBSD, NetBSD, OpenBSD and DragonFly agree on everything here. */
    public static DatagramConstants bsd() { return new DatagramConstants(BSD, BSD_MSGHDR); }

    /** The values in slot order, for comparing two sources. */
    public int[] constants() {
        return new int[] {sockDgram, soBroadcast, soRcvBuf, soSndBuf, soReusePort, ipprotoIp, ipMulticastIf, ipMulticastTtl,
            ipMulticastLoop, ipAddMembership, ipDropMembership, ipv6MulticastIf, ipv6MulticastHops, ipv6MulticastLoop,
            ipv6JoinGroup, ipv6LeaveGroup, msgTrunc, msgDontWait, eMsgSize, eAccess, eDestAddrReq, eIsConn, eNoEnt};
    }

    public int[] layout() {
        return new int[] {mmsgSize, mmsgHdrOffset, mmsgLenOffset, mmsgLenSize, nameOffset, nameLenOffset, iovOffset,
            iovLenOffset, iovLenSize, controlOffset, controlLenOffset, controlLenSize, flagsOffset};
    }
}
