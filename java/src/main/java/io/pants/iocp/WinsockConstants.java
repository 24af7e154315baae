// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import io.pants.posix.Iovec;
import io.pants.posix.ShimAbi;
import io.pants.posix.ShimAbi.IocpSlot;
import io.pants.posix.ShimAbi.Table;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;

import static io.pants.posix.ShimAbi.SocketSlot.*;
import static io.pants.posix.ShimAbi.at;

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
        afInet = at(s, AF_INET); afInet6 = at(s, AF_INET6);
        solSocket = at(s, SOL_SOCKET); soError = at(s, SO_ERROR); ipprotoTcp = at(s, IPPROTO_TCP); tcpNoDelay = at(s, TCP_NODELAY);
        ipprotoIpv6 = at(s, IPPROTO_IPV6); ipv6V6Only = at(s, IPV6_V6ONLY); sdSend = at(s, SHUT_WR);
        wouldBlock = at(s, EAGAIN); eIntr = at(s, EINTR); eMFile = at(s, EMFILE); eNoBufs = at(s, ENOBUFS); eNoMem = at(s, ENOMEM);
        eConnAborted = at(s, ECONNABORTED); eConnRefused = at(s, ECONNREFUSED); eTimedOut = at(s, ETIMEDOUT);
        eConnReset = at(s, ECONNRESET); eHostUnreach = at(s, EHOSTUNREACH); eNetUnreach = at(s, ENETUNREACH);
        eAddrInUse = at(s, EADDRINUSE); eAddrNotAvail = at(s, EADDRNOTAVAIL);
        this.wsabuf = Iovec.wsabuf(wsabuf);
        sockaddr = Sockaddr.windows(SocketConstants.of(s, "the Windows shim"));
        afd = new AfdEvents(iocp);
        ctlAdd = at(iocp, IocpSlot.CTL_ADD); ctlMod = at(iocp, IocpSlot.CTL_MOD); ctlDel = at(iocp, IocpSlot.CTL_DEL);
    }

    /** Asks the loaded shim. */
    static WinsockConstants fromShim() {
        return new WinsockConstants(ShimAbi.read(Table.SOCKET, IocpShim::pants_socket_constants),
                ShimAbi.read(Table.IOVEC, IocpShim::pants_iovec_layout), ShimAbi.read(Table.IOCP, IocpShim::pants_iocp_constants));
    }
}
