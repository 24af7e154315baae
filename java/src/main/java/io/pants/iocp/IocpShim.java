// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import io.pants.posix.NativeLoadFailure;
import io.pants.posix.ShimAbi;

import java.io.File;

/**
 * The Windows build of the C shim (pants.dll: native/pants_winsock.c and native/pants_iocp.c),
 * bound by JNA direct mapping like the epoll backend's. Sockets are Winsock SOCKETs, which are
 * pointer-sized, so they travel as longs. Every function returns a negative Windows error code
 * on failure (see native/pants.h); nothing throws.
 */
final class IocpShim {

    private static final String LOAD_FAILURE;
    private static final String LOCATION;

    static {
        String failure = null;
        String location = null;
        if (!Platform.isWindows()) {
            failure = "the Windows shim is for Windows only (this is " + System.getProperty("os.name") + ")";
        } else {
            String configured = NativeLoadFailure.configuredShim();
            String path = configured == null ? null : configured.substring(configured.indexOf('=') + 1);
            try {
                NativeLibrary lib = path != null && !path.isBlank()
                        ? NativeLibrary.getInstance(path)
                        : NativeLibrary.getInstance("pants", IocpShim.class.getClassLoader());
                Native.register(IocpShim.class, lib);
                File file = lib.getFile();
                location = file != null ? file.getPath() : lib.getName();
                failure = ShimAbi.refusal("pants.dll at " + location, pants_version(), IocpShim::pants_abi, IocpShim::pants_abi_names);
                int r = failure == null ? pants_ws_startup() : 0;
                if (r != 0) failure = "WSAStartup failed with error " + (-r);
            } catch (Throwable e) { // Windows' own backend: this is what the warning about falling to NIO says
                failure = NativeLoadFailure.shimReport(Platform.RESOURCE_PREFIX, NativeLoadFailure.carried(IocpShim.class.getClassLoader()),
                        configured, e.getClass().getSimpleName() + ": " + e.getMessage(), false);
            }
        }
        LOAD_FAILURE = failure;
        LOCATION = location;
    }

    private IocpShim() {}

    /** Null when the shim is loaded and Winsock started, otherwise why not. */
    static String loadFailure() { return LOAD_FAILURE; }

    static String location() { return LOCATION; }

    static native int pants_version();
    static native int pants_abi(long out, int n);
    static native int pants_abi_names(int table, long buf, int len);
    static native int pants_strerror(int err, long buf, int len);
    static native int pants_socket_constants(long out, int n);
    static native int pants_iovec_layout(long out, int n);

    static native int pants_ws_startup();
    static native long pants_ws_socket(int family);
    static native int pants_ws_setsockopt_int(long s, int level, int name, int value);
    static native int pants_ws_getsockopt_int(long s, int level, int name);
    static native int pants_ws_bind(long s, long addr, int len);
    static native int pants_ws_listen(long s, int backlog);
    static native long pants_ws_accept(long s, long addr, long lenPtr);
    static native int pants_ws_connect(long s, long addr, int len);
    static native int pants_ws_getsockname(long s, long addr, long lenPtr);
    static native long pants_ws_recv(long s, long buf, long len);
    static native long pants_ws_send(long s, long buf, long len);
    static native int pants_ws_shutdown(long s, int how);
    static native int pants_ws_close(long s);
    static native int pants_ws_flush(long entries, int count, long wsabufs);

    static native int pants_iocp_constants(long out, int n);
    static native long pants_iocp_create();
    static native int pants_iocp_ctl(long poller, int op, long socket, int afdEvents, long data);
    static native int pants_iocp_wait(long poller, long events, int max, int timeoutMs);
    static native int pants_iocp_wake(long poller);
    static native int pants_iocp_close(long poller);
}
