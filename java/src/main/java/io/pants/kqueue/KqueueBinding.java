// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import com.sun.jna.Native;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Iovec;
import io.pants.posix.LibcSyscalls;
import io.pants.posix.Shim;
import io.pants.posix.ShimSyscalls;
import io.pants.posix.SocketConstants;
import io.pants.posix.Syscalls;

/**
 * How this process reaches kqueue, decided once: which library provides kqueue() and kevent()
 * (the C library, or the one {@code pants.kqueue.library} names), the system's layouts and
 * constants, and whether the shim's kqueue part runs the loop turns or JNA calls the libraries
 * directly.
 */
final class KqueueBinding {
    static final String PROPERTY = "pants.kqueue.library";
    static final String ENVIRONMENT = "PANTS_KQUEUE_LIBRARY";

    final KqueuePlatform platform;
    final boolean shim;
    /** The library named by the property or environment, or null for the C library. */
    final String library;

    private static KqueueBinding instance;
    private static String failure;

    private KqueueBinding(KqueuePlatform platform, boolean shim, String library) {
        this.platform = platform;
        this.shim = shim;
        this.library = library;
    }

    /** The library named by {@code -Dpants.kqueue.library} or {@code PANTS_KQUEUE_LIBRARY}, or null. */
    static String configuredLibrary() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) return p.trim();
        String e = System.getenv(ENVIRONMENT);
        return e != null && !e.isBlank() ? e.trim() : null;
    }

    /**
     * The process's binding.
     * @throws IllegalStateException saying why kqueue can't be used here
     */
    static synchronized KqueueBinding get() {
        if (instance == null && failure == null) {
            try {
                instance = resolve();
            } catch (IllegalStateException | UnsupportedOperationException e) {
                failure = e.getMessage();
            } catch (Throwable e) {
                failure = "kqueue could not be bound: " + e;
            }
        }
        if (failure != null) throw new IllegalStateException(failure);
        return instance;
    }

    private static KqueueBinding resolve() {
        String library = configuredLibrary();
        KqueuePlatform table = KqueuePlatform.forOs(System.getProperty("os.name", "?"), System.getProperty("os.version", ""));
        if (!table.hasKqueue && library == null) {
            throw new IllegalStateException("kqueue is the poller of BSD and macOS; " + table.os + " has none of its own."
                    + " To run this backend on a userspace kqueue such as libkqueue, name its library with -D" + PROPERTY
                    + "=/path/to/libkqueue.so (or " + ENVIRONMENT + ")");
        }
        if (Native.POINTER_SIZE != 8) throw new IllegalStateException("the kqueue backend needs a 64-bit JVM");
        String shimNote = KqueueShim.loadFailure();
        if (shimNote == null) {
            int r = KqueueShim.pants_kqueue_bind(library);
            if (r == 0) {
                KqueueLibrary.useDrainHookOf(library);
                return new KqueueBinding(fromShim(table), true, library);
            }
            shimNote = "the shim could not bind kqueue() and kevent() from " + (library != null ? library : "the C library")
                    + " (errno " + -r + ")";
        }
        String libcFailure = LibcSyscalls.loadFailure();
        if (libcFailure != null) throw new IllegalStateException("neither the shim (" + shimNote + ") nor the C library (" + libcFailure + ") could be bound");
        String bindFailure = KqueueLibrary.bind(library, table.keventSymbol);
        if (bindFailure != null) throw new IllegalStateException(bindFailure);
        return new KqueueBinding(table, false, library);
    }

    /** The system with the shim's constants and layouts, which its compiler knows. */
    private static KqueuePlatform fromShim(KqueuePlatform table) {
        return table.withShim(SocketConstants.fromShim(), KeventLayout.fromShim(), DatagramConstants.fromShim(), Iovec.fromShim());
    }

    /** The socket calls of this binding: the shim's, or the C library's that every kqueue system has. */
    Syscalls syscalls() {
        KqueuePlatform p = platform;
        return shim ? new ShimSyscalls(p.datagram.sockDgram) : LibcSyscalls.portable(p.socket, p.datagram, p.oNonBlock, p.sendfile);
    }

    /** kqueue's own calls for a poller whose socket calls are {@code sys} (from {@link #syscalls}). */
    KqueueCalls calls(Syscalls sys) {
        return shim ? new KqueueShimCalls() : new KqueueLibraryCalls((LibcSyscalls) sys, platform.kevent, platform.socket.eIntr);
    }

    /** Whether kqueue is a userspace emulation, which can't see a close() and must be told first. */
    boolean userspace() { return library != null; }

    /**
     * Whether another thread may trigger an EVFILT_USER event while the loop waits: always with
     * a kernel kqueue; with a userspace one only when it is known not to hold its lock through
     * the wait (libkqueue from 2.7.0), since otherwise that thread would block until the wait
     * ends. Where not, wake-ups go through a pipe, a plain write().
     */
    boolean triggersFromOtherThreads() { return !userspace() || KqueueLibrary.isLibkqueue27OrLater(); }

    String description() {
        String from = library != null ? library : "the C library";
        return shim ? "kqueue through the native shim " + Shim.location() + ", kqueue() and kevent() from " + from + " (layouts from the shim)"
                : "kqueue through JNA, kqueue() and kevent() from " + from + " (layouts from " + platform.source + ")";
    }
}
