// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The C library's epoll and eventfd calls, bound by JNA direct mapping: the epoll backend's
 * binding when the shim can't be loaded (its socket calls are {@link io.pants.posix.LibcSyscalls}).
 * Failures set errno, read with {@code Native.getLastError()}. Pointers and {@code size_t} are
 * passed as Java longs, so this binding is for 64-bit Linux only.
 */
final class EpollLibc {
    private static final String LOAD_FAILURE;

    static {
        String failure = null;
        try {
            if (!Platform.isLinux()) failure = "not Linux";
            else if (Native.POINTER_SIZE != 8) failure = "the libc binding needs a 64-bit JVM";
            else Native.register(EpollLibc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        } catch (Throwable e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        LOAD_FAILURE = failure;
    }

    private EpollLibc() {}

    static String loadFailure() { return LOAD_FAILURE; }

    /** Linux flag values (the shim applies them in C). */
    static final int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000, EPOLL_CLOEXEC = 0x80000;

    static native int epoll_create1(int flags);
    static native int epoll_ctl(int epfd, int op, int fd, long event);
    static native int epoll_wait(int epfd, long events, int maxevents, int timeout);
    static native int eventfd(int initval, int flags);
    static native long write(int fd, long buf, long len);
}
