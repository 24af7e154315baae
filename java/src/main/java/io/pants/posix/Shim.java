// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.io.File;

/**
 * The C shim (native/pants.h): loads it once for every backend, and binds its socket part
 * (pants_socket.c, pants_datagram.c, sendfile) by JNA direct mapping: static natives with
 * primitive arguments only, each returning -errno on failure. Each backend binds its own
 * mechanism's functions (pants_epoll.c, pants_kqueue.c) in a class of its own ({@link #bind}),
 * since a shim built elsewhere has only one of them. See native/pants.h for the contracts;
 * a shim that does not keep this jar's ({@link ShimAbi}) is not loaded.
 */
public final class Shim {

    private static final String LOAD_FAILURE;
    private static final String LOAD_FAILURE_REPORT;
    private static final String LOCATION;
    private static final NativeLibrary LIBRARY;

    static {
        String failure = null;
        String location = null;
        NativeLibrary library = null;
        String configured = NativeLoadFailure.configuredShim();
        String path = configured == null ? null : configured.substring(configured.indexOf('=') + 1);
        boolean refused = false;
        try {
            NativeLibrary lib = path != null && !path.isBlank()
                    ? NativeLibrary.getInstance(path)
                    : NativeLibrary.getInstance("pants", Shim.class.getClassLoader());
            File file = lib.getFile();
            location = file != null ? file.getPath() : lib.getName();
            Native.register(Shim.class, lib);
            failure = ShimAbi.refusal("libpants at " + location, pants_version(), Shim::pants_abi, Shim::pants_abi_names);
            refused = failure != null;
            if (failure == null) library = lib;
        } catch (Throwable e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        LOAD_FAILURE = failure;
        LOAD_FAILURE_REPORT = failure == null ? null : report(configured, failure, refused);
        LOCATION = location;
        LIBRARY = library;
    }

    private Shim() {}

    private static String report(String configured, String failure, boolean refused) {
        try {
            return NativeLoadFailure.shimReport(Platform.RESOURCE_PREFIX, NativeLoadFailure.carried(Shim.class.getClassLoader()),
                    configured, failure, refused);
        } catch (Throwable e) { // JNA itself is missing (Platform is JNA's), which the probes report
            return failure;
        }
    }

    /** Null when the shim is loaded and usable, otherwise why not. */
    public static String loadFailure() { return LOAD_FAILURE; }

    /**
     * Null when the shim is loaded, otherwise the whole story for a warning: this platform, the
     * platforms the class path carries a shim for, what went wrong and the way out ({@link NativeLoadFailure#shimReport}).
     */
    public static String loadFailureReport() { return LOAD_FAILURE_REPORT; }

    /** Where the shim was loaded from (a path, or the library's name). */
    public static String location() { return LOCATION; }

    /** The loaded shim, for a backend to bind its own part from; null when {@link #loadFailure()} says why not. */
    public static NativeLibrary library() { return LIBRARY; }

    /**
     * Binds a backend's part of the shim, the static natives of {@code part}, from the loaded
     * library: null when bound, otherwise why not ({@link #loadFailure()} when the shim itself is not loaded).
     */
    public static String bind(Class<?> part) {
        if (LOAD_FAILURE != null) return LOAD_FAILURE;
        try {
            Native.register(part, LIBRARY);
            return null;
        } catch (Throwable e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    public static native int pants_version();
    public static native int pants_abi(long out, int n);
    public static native int pants_abi_names(int table, long buf, int len);
    public static native int pants_strerror(int err, long buf, int len);

    public static native int pants_socket_constants(long out, int n);
    public static native int pants_iovec_layout(long out, int n);
    public static native int pants_socket(int domain, int type, int protocol);
    public static native int pants_setsockopt_int(int fd, int level, int name, int value);
    public static native int pants_getsockopt_int(int fd, int level, int name);
    public static native int pants_getsockopt(int fd, int level, int name, long value, long lenPtr);
    public static native int pants_tcp_option_constants(long out, int n);
    public static native int pants_bind(int fd, long addr, int len);
    public static native int pants_listen(int fd, int backlog);
    public static native int pants_accept(int fd, long addr, long lenPtr);
    public static native int pants_connect(int fd, long addr, int len);
    public static native int pants_getsockname(int fd, long addr, long lenPtr);
    public static native long pants_read(int fd, long buf, long len);
    public static native long pants_write(int fd, long buf, long len);
    public static native int pants_shutdown(int fd, int how);
    public static native int pants_close(int fd);
    public static native int pants_open_readonly(String path);
    public static native int pants_flush(long entries, int count, long iovecs);
    public static native long pants_sendfile(int outFd, int inFd, long offset, long count);

    public static native int pants_datagram_constants(long out, int n);
    public static native int pants_msghdr_layout(long out, int n);
    public static native int pants_setsockopt(int fd, int level, int name, long value, int len);
    public static native int pants_recvmmsg(int fd, long msgs, int vlen, int flags);
    public static native int pants_sendmmsg(int fd, long msgs, int vlen, int flags);
}
