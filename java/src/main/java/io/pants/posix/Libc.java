// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The C library's socket calls, bound by JNA direct mapping: the native backends' binding when
 * the shim is not there. Only calls with the same signature on Linux and on the BSDs here;
 * Linux's own (accept4, recvmmsg, sendmmsg) in {@link Linux}, bound on first use only, since
 * a class whose natives are missing from the library can't be registered. Failures set errno,
 * read with {@code Native.getLastError()}. Pointers and {@code size_t} are passed as Java
 * longs: 64-bit systems only.
 */
final class Libc {
    private static final String LOAD_FAILURE;
    private static final Fcntl FCNTL;

    /**
     * fcntl is variadic, and variadic arguments are not passed like fixed ones everywhere
     * (Apple's arm64 puts them on the stack): JNA's interface mapping calls it as variadic.
     */
    interface Fcntl extends Library {
        int fcntl(int fd, int cmd, Object... arg);
    }

    static {
        String failure = null;
        Fcntl fcntl = null;
        try {
            if (Native.POINTER_SIZE != 8) {
                failure = "the libc binding needs a 64-bit JVM";
            } else {
                Native.register(Libc.class, c());
                fcntl = Native.load(Platform.C_LIBRARY_NAME, Fcntl.class);
            }
        } catch (Throwable e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        LOAD_FAILURE = failure;
        FCNTL = fcntl;
    }

    private Libc() {}

    static NativeLibrary c() { return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME); }

    /** Null when the C library is bound, otherwise why not. */
    static String loadFailure() { return LOAD_FAILURE; }

    static int fcntl(int fd, int cmd, int arg) { return FCNTL.fcntl(fd, cmd, arg); }

    static native int socket(int domain, int type, int protocol);
    static native int setsockopt(int fd, int level, int name, long value, int len);
    static native int getsockopt(int fd, int level, int name, long value, long lenPtr);
    static native int bind(int fd, long addr, int len);
    static native int listen(int fd, int backlog);
    static native int accept(int fd, long addr, long lenPtr);
    static native int connect(int fd, long addr, int len);
    static native int getsockname(int fd, long addr, long lenPtr);
    static native long read(int fd, long buf, long len);
    static native long write(int fd, long buf, long len);
    static native long writev(int fd, long iov, int count);
    static native long recvmsg(int fd, long msg, int flags);
    static native long sendmsg(int fd, long msg, int flags);
    static native int shutdown(int fd, int how);
    static native int close(int fd);
    static native int open(String path, int flags);
    static native int pipe(long fds);
    static native long strerror(int errnum);

    /** Linux's own calls, which save the flag calls and a crossing per datagram. */
    static final class Linux {
        static { Native.register(Linux.class, c()); }
        private Linux() {}
        static native int accept4(int fd, long addr, long lenPtr, int flags);
        static native int recvmmsg(int fd, long msgs, int vlen, int flags, long timeout);
        static native int sendmmsg(int fd, long msgs, int vlen, int flags);
    }
}
