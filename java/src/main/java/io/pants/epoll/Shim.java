package io.pants.epoll;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.io.File;

/**
 * The C shim (native/pants.h), bound by JNA direct mapping: static natives with primitive
 * arguments only, each returning -errno on failure. See native/pants.h for the contracts.
 */
final class Shim {
    static final int VERSION = 1;
    static final int NOT_READ = Integer.MIN_VALUE;

    private static final String LOAD_FAILURE;
    private static final String LOCATION;

    static {
        String failure = null;
        String location = null;
        try {
            String path = System.getProperty("pants.shim.path", System.getenv("PANTS_SHIM_PATH"));
            NativeLibrary lib = path != null && !path.isBlank()
                    ? NativeLibrary.getInstance(path)
                    : NativeLibrary.getInstance("pants", Shim.class.getClassLoader());
            Native.register(Shim.class, lib);
            File file = lib.getFile();
            location = file != null ? file.getPath() : lib.getName();
            int v = pants_version();
            if (v != VERSION) failure = "libpants at " + location + " is version " + v + ", this jar needs " + VERSION;
        } catch (Throwable e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        LOAD_FAILURE = failure;
        LOCATION = location;
    }

    private Shim() {}

    /** Null when the shim is loaded and usable, otherwise why not. */
    static String loadFailure() { return LOAD_FAILURE; }

    static String location() { return LOCATION; }

    static native int pants_version();
    static native int pants_strerror(int err, long buf, int len);

    static native int pants_socket_constants(long out, int n);
    static native int pants_iovec_layout(long out, int n);
    static native int pants_socket(int domain, int type, int protocol);
    static native int pants_setsockopt_int(int fd, int level, int name, int value);
    static native int pants_getsockopt_int(int fd, int level, int name);
    static native int pants_bind(int fd, long addr, int len);
    static native int pants_listen(int fd, int backlog);
    static native int pants_accept(int fd, long addr, long lenPtr);
    static native int pants_connect(int fd, long addr, int len);
    static native int pants_getsockname(int fd, long addr, long lenPtr);
    static native int pants_getpeername(int fd, long addr, long lenPtr);
    static native long pants_read(int fd, long buf, long len);
    static native long pants_write(int fd, long buf, long len);
    static native int pants_shutdown(int fd, int how);
    static native int pants_close(int fd);
    static native int pants_open_readonly(String path);
    static native int pants_flush(long entries, int count, long iovecs);

    static native int pants_datagram_constants(long out, int n);
    static native int pants_msghdr_layout(long out, int n);
    static native int pants_setsockopt(int fd, int level, int name, long value, int len);
    static native int pants_recvmmsg(int fd, long msgs, int vlen, int flags);
    static native int pants_sendmmsg(int fd, long msgs, int vlen, int flags);

    static native int pants_epoll_layout(long out, int n);
    static native int pants_epoll_constants(long out, int n);
    static native int pants_epoll_create();
    static native int pants_epoll_ctl(int epfd, int op, int fd, int events, long data);
    static native int pants_eventfd();
    static native int pants_eventfd_signal(int fd);
    static native int pants_epoll_turn(int epfd, long changes, int nchanges, long events, int maxevents,
                                       int timeoutMs, long reads, long arena, long arenaLen, int readMax);
    static native long pants_sendfile(int outFd, int inFd, long offset, long count);
}
