// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Platform;
import io.pants.posix.ShimAbi.Table;

import static io.pants.posix.ShimAbi.TcpOptionSlot.*;
import static io.pants.posix.ShimAbi.at;

/**
 * The stream socket options a native backend sets beyond {@link SocketConstants}: SO_KEEPALIVE,
 * SO_LINGER and its {@code struct linger}, and the TCP keep-alive timings, in the slots of
 * {@link ShimAbi.TcpOptionSlot} ({@code pants_tcp_option_constants} in native/pants_socket.c):
 * asked from the shim where it is loaded, otherwise this class's table for the system. -1 marks
 * an option the system lacks. Sources: each system's {@code <sys/socket.h>} and
 * {@code <netinet/tcp.h>}; macOS names the idle time TCP_KEEPALIVE and counts SO_LINGER in
 * ticks, so its slot holds SO_LINGER_SEC.
 */
public final class TcpOptionConstants {
    public final int soKeepAlive, soLinger, lingerSize, lingerOnOffOffset, lingerLingerOffset;
    /** -1 where the system has no such option. */
    public final int tcpKeepIdle, tcpKeepInterval, tcpKeepCount;
    /** FreeBSD's SO_REUSEPORT_LB, the SO_REUSEPORT that spreads connections among the sockets; -1 elsewhere. */
    public final int soReusePortLb;
    private final String source;

    private static final int[] LINUX = {9, 13, 8, 0, 4, 4, 5, 6, -1};
    private static final int[] MAC_OS = {0x8, 0x1080, 8, 0, 4, 0x10, 0x101, 0x102, -1};
    private static final int[] FREE_BSD = {0x8, 0x80, 8, 0, 4, 256, 512, 1024, 0x10000};
    private static final int[] DRAGON_FLY = {0x8, 0x80, 8, 0, 4, 256, 512, 1024, -1};
    private static final int[] NET_BSD = {0x8, 0x80, 8, 0, 4, 3, 5, 6, -1};
    private static final int[] OPEN_BSD = {0x8, 0x80, 8, 0, 4, -1, -1, -1, -1};

    private TcpOptionConstants(int[] c, String source) {
        if (c.length < Table.TCP_OPTION.size()) {
            throw new IllegalArgumentException(source + " gives " + c.length + " TCP option constants, expected " + Table.TCP_OPTION.size());
        }
        soKeepAlive = at(c, SO_KEEPALIVE); soLinger = at(c, SO_LINGER); lingerSize = at(c, LINGER_SIZE);
        lingerOnOffOffset = at(c, LINGER_ONOFF_OFFSET); lingerLingerOffset = at(c, LINGER_LINGER_OFFSET);
        tcpKeepIdle = at(c, TCP_KEEPIDLE); tcpKeepInterval = at(c, TCP_KEEPINTVL); tcpKeepCount = at(c, TCP_KEEPCNT);
        soReusePortLb = at(c, SO_REUSEPORT_LB);
        this.source = source;
    }

    /** Asks the loaded shim, whose compiler knows them. */
    public static TcpOptionConstants fromShim() {
        return new TcpOptionConstants(ShimAbi.read(Table.TCP_OPTION, Shim::pants_tcp_option_constants), "the shim");
    }

    /** The table of the system this runs on (Linux's for a userspace kqueue on Linux). */
    public static TcpOptionConstants forThisSystem() {
        if (Platform.isLinux()) return new TcpOptionConstants(LINUX, "the Linux table");
        if (Platform.isMac()) return new TcpOptionConstants(MAC_OS, "the macOS table");
        if (Platform.isFreeBSD() || Platform.iskFreeBSD()) return new TcpOptionConstants(FREE_BSD, "the FreeBSD table");
        if (Platform.isDragonFlyBSD()) return new TcpOptionConstants(DRAGON_FLY, "the DragonFly table");
        if (Platform.isNetBSD()) return new TcpOptionConstants(NET_BSD, "the NetBSD table");
        return new TcpOptionConstants(OPEN_BSD, "the OpenBSD table");
    }

    /** The values in slot order, for comparing two sources. */
    public int[] values() {
        return new int[] {soKeepAlive, soLinger, lingerSize, lingerOnOffOffset, lingerLingerOffset, tcpKeepIdle, tcpKeepInterval, tcpKeepCount,
            soReusePortLb};
    }

    @Override
    public String toString() { return "TcpOptionConstants from " + source; }
}
