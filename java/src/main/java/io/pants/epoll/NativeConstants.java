package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;

/**
 * The constants and struct layouts the epoll backend needs. With the shim they are read from it
 * at load time (the compiler knows them); through plain libc they come from the generic Linux
 * ABI (x86-64, aarch64, riscv64 and most others), the one thing the libc binding must assume.
 */
final class NativeConstants {
    final int afInet, afInet6, afUnix, sockStream, solSocket, soReuseAddr, soError, ipprotoTcp, tcpNoDelay,
            ipprotoIpv6, ipv6V6Only, shutWr;
    final int eAgain, eInProgress, eIntr, eMFile, eNFile, eNoBufs, eNoMem, eConnAborted, eProto, ePerm,
            eConnRefused, eTimedOut, eHostUnreach, eNetUnreach, eAddrInUse, eAddrNotAvail, ePipe, eConnReset,
            eNotConn, eBadF;
    final int sockaddrStorageSize;
    final int epollIn, epollOut, epollErr, epollHup, epollRdHup, ctlAdd, ctlMod, ctlDel;
    /** struct epoll_event: size and field offsets (12/0/4 packed on x86-64, 16/0/8 elsewhere). */
    final int eventSize, eventEventsOffset, eventDataOffset;
    /** struct iovec: size and field offsets. */
    final int iovecSize, iovecBaseOffset, iovecLenOffset;
    /** The socket address codec (Linux's layout, with these family numbers). */
    final Sockaddr sockaddr;
    final String source;

    /** The generic Linux values, in the order the shim exports them. */
    static final int[] LINUX_SOCKET = SocketConstants.linuxValues();
    static final int[] LINUX_EPOLL = {1, 4, 8, 16, 0x2000, 1, 3, 2};

    private NativeConstants(int[] s, int[] e, int[] eventLayout, int[] iovecLayout, String source) {
        int i = 0;
        afInet = s[i++]; afInet6 = s[i++]; afUnix = s[i++]; sockStream = s[i++];
        solSocket = s[i++]; soReuseAddr = s[i++]; soError = s[i++]; ipprotoTcp = s[i++]; tcpNoDelay = s[i++];
        ipprotoIpv6 = s[i++]; ipv6V6Only = s[i++]; shutWr = s[i++];
        eAgain = s[i++]; eInProgress = s[i++]; eIntr = s[i++]; eMFile = s[i++]; eNFile = s[i++]; eNoBufs = s[i++]; eNoMem = s[i++];
        eConnAborted = s[i++]; eProto = s[i++]; ePerm = s[i++]; eConnRefused = s[i++]; eTimedOut = s[i++]; eHostUnreach = s[i++]; eNetUnreach = s[i++];
        eAddrInUse = s[i++]; eAddrNotAvail = s[i++]; ePipe = s[i++]; eConnReset = s[i++]; eNotConn = s[i++]; eBadF = s[i++];
        sockaddrStorageSize = s[i];
        epollIn = e[0]; epollOut = e[1]; epollErr = e[2]; epollHup = e[3]; epollRdHup = e[4];
        ctlAdd = e[5]; ctlMod = e[6]; ctlDel = e[7];
        eventSize = eventLayout[0]; eventEventsOffset = eventLayout[1]; eventDataOffset = eventLayout[2];
        iovecSize = iovecLayout[0]; iovecBaseOffset = iovecLayout[1]; iovecLenOffset = iovecLayout[2];
        this.sockaddr = Sockaddr.linux(SocketConstants.of(s, source));
        this.source = source;
    }

    /** Asks the loaded shim. */
    static NativeConstants fromShim() {
        try (Memory m = new Memory(4 * 64)) {
            long a = Pointer.nativeValue(m);
            int n = Shim.pants_socket_constants(a, 64);
            checkCount("socket constants", n, LINUX_SOCKET.length);
            int[] s = m.getIntArray(0, n);
            n = Shim.pants_epoll_constants(a, 64);
            checkCount("epoll constants", n, LINUX_EPOLL.length);
            int[] e = m.getIntArray(0, n);
            Shim.pants_epoll_layout(a, 3);
            int[] ev = m.getIntArray(0, 3);
            Shim.pants_iovec_layout(a, 3);
            int[] iov = m.getIntArray(0, 3);
            return new NativeConstants(s, e, ev, iov, "the shim");
        }
    }

    private static void checkCount(String what, int got, int expected) {
        if (got < expected) throw new IllegalStateException("libpants exports " + got + " " + what + ", expected " + expected);
    }

    /** The generic Linux ABI, for the libc binding. */
    static NativeConstants linuxGeneric() {
        int[] event = Platform.ARCH.equals("x86-64") ? new int[] {12, 0, 4} : new int[] {16, 0, 8};
        return new NativeConstants(LINUX_SOCKET, LINUX_EPOLL, event, new int[] {16, 0, 8}, "the generic Linux ABI");
    }

    /** Linux flag values used by the libc binding only (the shim applies them in C). */
    static final int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000,
            EPOLL_CLOEXEC = 0x80000, O_RDONLY_CLOEXEC = 0x80000, MSG_NOSIGNAL = 0x4000;
}
