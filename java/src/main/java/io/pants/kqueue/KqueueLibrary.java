// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import com.sun.jna.Function;
import com.sun.jna.FunctionMapper;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.util.Map;

/**
 * kqueue() and kevent() bound by JNA direct mapping, from the C library or from the library
 * named by {@code pants.kqueue.library} (a userspace kqueue such as libkqueue on Linux). Bound
 * at most once per process, to one library.
 *
 * <p>kevent's counts are {@code int} on most systems and {@code size_t} on NetBSD; they are
 * passed as 64-bit values, which both read correctly on the 64-bit ABIs this binding supports,
 * where such arguments travel in registers and an {@code int} parameter is their low half.
 */
final class KqueueLibrary {
    private static String boundTo;
    private static String failure;
    /** libkqueue's hook that waits until a closed kqueue's descriptors are released; null elsewhere. */
    private static Function drainPendingClose;

    private KqueueLibrary() {}

    /**
     * Binds kqueue() and kevent() from {@code library} (null: the C library), calling kevent by
     * {@code keventSymbol}. Returns null when bound, or why not.
     */
    static synchronized String bind(String library, String keventSymbol) {
        String name = library != null ? library : Platform.C_LIBRARY_NAME;
        if (boundTo != null || failure != null) {
            if (name.equals(boundTo)) return null;
            return failure != null ? failure : "kqueue is already bound to " + boundTo + " in this process";
        }
        try {
            Map<String, Object> options = Map.of(Library.OPTION_FUNCTION_MAPPER,
                    (FunctionMapper) (lib, method) -> method.getName().equals("kevent") ? keventSymbol : method.getName());
            NativeLibrary lib = NativeLibrary.getInstance(name, options);
            Native.register(KqueueLibrary.class, lib);
            try {
                drainPendingClose = library != null ? lib.getFunction("libkqueue_drain_pending_close") : null;
            } catch (UnsatisfiedLinkError notLibkqueue27) {
                drainPendingClose = null;
            }
            boundTo = name;
            return null;
        } catch (Throwable e) {
            failure = "kqueue() and kevent() could not be bound from " + name + ": " + e.getClass().getSimpleName() + ": " + e.getMessage();
            return failure;
        }
    }

    /**
     * A userspace kqueue may release a closed kqueue's own descriptors later, on a thread of its
     * own (libkqueue does, on a signal). Where it offers a way to wait for that, wait, so that
     * closing a poller releases everything before it returns.
     */
    static void awaitClosed() {
        Function f = drainPendingClose;
        if (f != null) f.invokeVoid(new Object[0]);
    }

    /**
     * Whether the named library is a libkqueue of 2.7.0 or later, recognised by the close hook
     * that release added (its version number can't tell: 2.7.0 still calls itself 2.6.3). The
     * same release stopped holding the kqueue's lock through the wait, before which another
     * thread's kevent() (an EVFILT_USER trigger) blocks until the wait ends.
     */
    static boolean isLibkqueue27OrLater() { return drainPendingClose != null; }

    /** Looks the same hook up for a library the shim bound (the JNA binding itself unused). */
    static synchronized void useDrainHookOf(String library) {
        if (library == null || drainPendingClose != null) return;
        try {
            drainPendingClose = NativeLibrary.getInstance(library).getFunction("libkqueue_drain_pending_close");
        } catch (Throwable notLibkqueue27) {
            drainPendingClose = null;
        }
    }

    static native int kqueue();
    static native int kevent(int kq, long changes, long nchanges, long events, long nevents, long timeout);
}
