// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The C library's sendfile(2), whose signature differs between Linux, FreeBSD and macOS: one
 * small binding per signature, only the one of the running system is ever registered.
 */
public final class Sendfile {
    private Sendfile() {}

    /** Which sendfile(2) the C library has, if any. */
    public enum Kind {
        /** {@code ssize_t sendfile(int out, int in, off_t *offset, size_t count)} */
        LINUX,
        /** FreeBSD and DragonFly: {@code int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *, off_t *sbytes, int flags)} */
        FREEBSD,
        /** macOS: {@code int sendfile(int fd, int s, off_t offset, off_t *len, struct sf_hdtr *, int flags)} */
        DARWIN,
        /** NetBSD, OpenBSD: none; files are copied through memory. */
        NONE
    }

    private static NativeLibrary c() { return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME); }

    /** {@code ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)} */
    static final class Linux {
        static { Native.register(Linux.class, c()); }
        private Linux() {}
        static native long sendfile(int outFd, int inFd, long offsetPtr, long count);
    }

    /** {@code int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *hdtr, off_t *sbytes, int flags)} */
    static final class FreeBsd {
        static { Native.register(FreeBsd.class, c()); }
        private FreeBsd() {}
        static native int sendfile(int fd, int s, long offset, long nbytes, long hdtr, long sbytesPtr, int flags);
    }

    /** {@code int sendfile(int fd, int s, off_t offset, off_t *len, struct sf_hdtr *hdtr, int flags)} */
    static final class Darwin {
        static { Native.register(Darwin.class, c()); }
        private Darwin() {}
        static native int sendfile(int fd, int s, long offset, long lenPtr, long hdtr, int flags);
    }
}
