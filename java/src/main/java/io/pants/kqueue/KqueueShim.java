// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import io.pants.posix.Shim;

/**
 * The shim's kqueue part (native/pants_kqueue.c), bound by JNA direct mapping from the library
 * {@link Shim} loaded: static natives with primitive arguments only, each returning -errno on
 * failure. The kqueue part is built where {@code <sys/event.h>} was found (BSD, macOS; Linux
 * with a userspace kqueue's header); a shim without it leaves this backend to the C library.
 */
final class KqueueShim {
    private static final String LOAD_FAILURE;

    static {
        String failure = Shim.loadFailure();
        if (failure == null && !builtWithKqueue()) {
            failure = "libpants at " + Shim.location() + " was built without kqueue (no sys/event.h where it was built)";
        }
        LOAD_FAILURE = failure != null ? failure : Shim.bind(KqueueShim.class);
    }

    private static boolean builtWithKqueue() {
        try {
            Shim.library().getFunction("pants_kqueue_turn");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private KqueueShim() {}

    /** Null when the shim is loaded and has its kqueue part, otherwise why not. */
    static String loadFailure() { return LOAD_FAILURE; }

    static native int pants_kqueue_layout(long out, int n);
    static native int pants_kqueue_constants(long out, int n);
    static native int pants_kqueue_bind(String library);
    static native int pants_kqueue_create();
    static native int pants_kqueue_submit(int kq, long changes, int nchanges);
    static native int pants_kqueue_turn(int kq, long changes, int nchanges, long events, int maxevents,
                                        long timeoutNanos, long reads, long arena, long arenaLen, int readMax);
    static native int pants_kqueue_pipe(long fds);
}
