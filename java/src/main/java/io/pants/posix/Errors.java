// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.spi.DescriptorsExhaustedException;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;

/** Turns -errno results into the exceptions Java networking code expects. */
public final class Errors {
    private Errors() {}

    public static IOException exception(int negErrno, String what, Syscalls sys, SocketConstants k) {
        int errno = -negErrno;
        String message = sys.strerror(errno) + " (errno " + errno + ", " + what + ")";
        if (errno == k.eConnRefused || errno == k.eTimedOut) return new ConnectException(message);
        if (errno == k.eHostUnreach || errno == k.eNetUnreach) return new NoRouteToHostException(message);
        if (errno == k.eAddrInUse || errno == k.eAddrNotAvail) return new BindException(message);
        if (errno == k.eMFile || errno == k.eNFile || errno == k.eNoBufs || errno == k.eNoMem) {
            return new DescriptorsExhaustedException(message);
        }
        return new IOException(message);
    }
}
