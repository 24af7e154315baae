package io.pants.epoll;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The C library's own calls, bound by JNA direct mapping: the epoll backend's binding when the
 * shim can't be loaded. Failures set errno, read with {@code Native.getLastError()}. Pointers
 * and {@code size_t} are passed as Java longs, so this binding is for 64-bit Linux only.
 */
final class Libc {
    private static final String LOAD_FAILURE;

    static {
        String failure = null;
        try {
            if (!Platform.isLinux()) failure = "not Linux";
            else if (Native.POINTER_SIZE != 8) failure = "the libc binding needs a 64-bit JVM";
            else Native.register(Libc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        } catch (Throwable e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        LOAD_FAILURE = failure;
    }

    private Libc() {}

    static String loadFailure() { return LOAD_FAILURE; }

    static native int socket(int domain, int type, int protocol);
    static native int setsockopt(int fd, int level, int name, long value, int len);
    static native int getsockopt(int fd, int level, int name, long value, long lenPtr);
    static native int bind(int fd, long addr, int len);
    static native int listen(int fd, int backlog);
    static native int accept4(int fd, long addr, long lenPtr, int flags);
    static native int connect(int fd, long addr, int len);
    static native int getsockname(int fd, long addr, long lenPtr);
    static native int getpeername(int fd, long addr, long lenPtr);
    static native long read(int fd, long buf, long len);
    static native long write(int fd, long buf, long len);
    static native long writev(int fd, long iov, int count);
    static native int recvmmsg(int fd, long msgs, int vlen, int flags, long timeout);
    static native int sendmmsg(int fd, long msgs, int vlen, int flags);
    static native int shutdown(int fd, int how);
    static native int close(int fd);
    static native int open(String path, int flags);
    static native long sendfile(int outFd, int inFd, long offsetPtr, long count);
    static native int epoll_create1(int flags);
    static native int epoll_ctl(int epfd, int op, int fd, long event);
    static native int epoll_wait(int epfd, long events, int maxevents, int timeout);
    static native int eventfd(int initval, int flags);
    static native long strerror(int errnum);
}
