// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Native;
import io.pants.posix.Shim;

/**
 * The shim's io_uring part (native/pants_uring.c), bound by JNA direct mapping from the library
 * {@link Shim} loaded: static natives with primitive arguments only, each returning -errno on
 * failure. See native/pants.h for the contracts.
 */
final class UringShim {
    private static final String LOAD_FAILURE;

    static {
        String failure = Shim.loadFailure();
        if (failure == null) {
            try {
                Native.register(UringShim.class, Shim.library());
            } catch (Throwable e) {
                failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        LOAD_FAILURE = failure;
    }

    private UringShim() {}

    /** Null when the shim is loaded with its io_uring part, otherwise why not. */
    static String loadFailure() { return LOAD_FAILURE; }

    static native int pants_uring_constants(long out, int n);
    static native int pants_uring_probe(long out, int n);
    static native long pants_uring_create(int sqEntries, int cqEntries, int bufCount, int bufSize, int dgramCount, int dgramSize);
    static native long pants_uring_buffers(long ring, int group);
    static native int pants_uring_turn(long ring, long ops, int nops, long returned, int nreturned, long out, int max, long timeoutNs);
    static native int pants_uring_submit(long ring, long ops, int nops);
    static native int pants_uring_register_files(long ring, int count);
    static native long pants_uring_state(long ring);
    static native long pants_uring_enters(long ring);
    static native int pants_uring_destroy(long ring);
    static native int pants_uring_eventfd();
    static native int pants_eventfd_signal(int fd);
    static native int pants_getpeername(int fd, long addr, long lenPtr);
}
