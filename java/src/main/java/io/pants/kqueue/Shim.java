package io.pants.kqueue;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.io.File;

/**
 * The C shim (native/pants.h) with its kqueue part (native/pants_kqueue.c), bound by JNA direct
 * mapping: static natives with primitive arguments only, each returning -errno on failure. The
 * kqueue part is built where {@code <sys/event.h>} was found (BSD, macOS; Linux with a userspace
 * kqueue's header); a shim without it leaves this backend to {@link LibcSyscalls}.
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
            File file = lib.getFile();
            location = file != null ? file.getPath() : lib.getName();
            try {
                lib.getFunction("pants_kqueue_turn");
            } catch (UnsatisfiedLinkError e) {
                throw new IllegalStateException("libpants at " + location + " was built without kqueue (no sys/event.h where it was built)");
            }
            Native.register(Shim.class, lib);
            int v = pants_version();
            if (v != VERSION) failure = "libpants at " + location + " is version " + v + ", this jar needs " + VERSION;
        } catch (Throwable e) {
            failure = e instanceof IllegalStateException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        LOAD_FAILURE = failure;
        LOCATION = location;
    }

    private Shim() {}

    /** Null when the shim is loaded and has its kqueue part, otherwise why not. */
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
    static native long pants_read(int fd, long buf, long len);
    static native long pants_write(int fd, long buf, long len);
    static native int pants_shutdown(int fd, int how);
    static native int pants_close(int fd);
    static native int pants_open_readonly(String path);
    static native int pants_flush(long entries, int count, long iovecs);
    static native long pants_sendfile(int outFd, int inFd, long offset, long count);

    static native int pants_datagram_constants(long out, int n);
    static native int pants_msghdr_layout(long out, int n);
    static native int pants_setsockopt(int fd, int level, int name, long value, int len);
    static native int pants_recvmmsg(int fd, long msgs, int vlen, int flags);
    static native int pants_sendmmsg(int fd, long msgs, int vlen, int flags);

    static native int pants_kqueue_layout(long out, int n);
    static native int pants_kqueue_constants(long out, int n);
    static native int pants_kqueue_bind(String library);
    static native int pants_kqueue_create();
    static native int pants_kqueue_submit(int kq, long changes, int nchanges);
    static native int pants_kqueue_turn(int kq, long changes, int nchanges, long events, int maxevents,
                                        long timeoutNanos, long reads, long arena, long arenaLen, int readMax);
    static native int pants_kqueue_pipe(long fds);
}
