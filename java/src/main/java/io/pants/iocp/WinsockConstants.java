package io.pants.iocp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.Iovec;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;

/**
 * The Winsock constants, error codes and WSABUF layout the iocp backend needs, asked from the
 * shim at load time. The shim exports them in the POSIX shim's slots (native/pants_winsock.c
 * says which Windows value fills each), so the names here are the POSIX ones.
 */
final class WinsockConstants {
    final int afInet, afInet6, solSocket, soError, ipprotoTcp, tcpNoDelay, ipprotoIpv6, ipv6V6Only, sdSend;
    final int wouldBlock, eIntr, eMFile, eNoBufs, eNoMem, eConnAborted, eConnReset, eConnRefused, eTimedOut,
            eHostUnreach, eNetUnreach, eAddrInUse, eAddrNotAvail;
    /** WSABUF: size, and the offsets of its pointer and of its 32-bit length. */
    final Iovec wsabuf;
    final int ctlAdd, ctlMod, ctlDel;
    final AfdEvents afd;
    /** The address codec: Winsock's SOCKADDR_IN and SOCKADDR_IN6 are laid out like Linux's, with these family numbers. */
    final Sockaddr sockaddr;

    private WinsockConstants(int[] s, int[] wsabuf, int[] iocp) {
        afInet = s[0]; afInet6 = s[1];
        solSocket = s[4]; soError = s[6]; ipprotoTcp = s[7]; tcpNoDelay = s[8];
        ipprotoIpv6 = s[9]; ipv6V6Only = s[10]; sdSend = s[11];
        wouldBlock = s[12]; eIntr = s[14]; eMFile = s[15]; eNoBufs = s[17]; eNoMem = s[18];
        eConnAborted = s[19]; eConnRefused = s[22]; eTimedOut = s[23]; eConnReset = s[29];
        eHostUnreach = s[24]; eNetUnreach = s[25]; eAddrInUse = s[26]; eAddrNotAvail = s[27];
        this.wsabuf = Iovec.wsabuf(wsabuf);
        sockaddr = Sockaddr.windows(SocketConstants.of(s, "the Windows shim"));
        afd = new AfdEvents(iocp);
        ctlAdd = iocp[10]; ctlMod = iocp[11]; ctlDel = iocp[12];
    }

    /** Asks the loaded shim. */
    static WinsockConstants fromShim() {
        try (Memory m = new Memory(4 * 64)) {
            long a = Pointer.nativeValue(m);
            int[] s = m.getIntArray(0, check("socket constants", IocpShim.pants_socket_constants(a, 64), 33));
            IocpShim.pants_iovec_layout(a, 3);
            int[] wsabuf = m.getIntArray(0, 3);
            int[] iocp = m.getIntArray(0, check("iocp constants", IocpShim.pants_iocp_constants(a, 64), 13));
            return new WinsockConstants(s, wsabuf, iocp);
        }
    }

    private static int check(String what, int got, int expected) {
        if (got < expected) throw new IllegalStateException("pants.dll exports " + got + " " + what + ", expected " + expected);
        return got;
    }
}
