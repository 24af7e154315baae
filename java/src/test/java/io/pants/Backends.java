// SPDX-License-Identifier: Apache-2.0
package io.pants;

import com.sun.jna.Platform;
import io.pants.kqueue.KqueueProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backends every behaviour test runs on: all that work on this machine. Use as
 * {@code @ParameterizedTest @MethodSource("io.pants.Backends#names")} (or {@link BackendTest}).
 *
 * <p>On Linux that includes {@code kqueue} when a userspace kqueue library is named
 * ({@code -Dpants.kqueue.library=/path/to/libkqueue.so} or {@code PANTS_KQUEUE_LIBRARY}); without
 * one, kqueue is simply not in the list and its tests don't run.
 */
public final class Backends {
    private Backends() {}

    public static List<String> names() {
        List<String> names = new ArrayList<>(Pollers.available());
        assertTrue(names.contains("nio"), "nio must always be available: " + Pollers.probeAll());
        String kqueueLibrary = kqueueLibrary();
        if (kqueueLibrary != null) {
            // asked for: a library that doesn't load must fail the tests, not quietly drop kqueue from them
            assertTrue(names.contains("kqueue"), "a kqueue library is named (" + kqueueLibrary + ") but kqueue is not available: "
                    + Pollers.probeAll());
        }
        if (shimWasBuilt() && (Platform.isLinux() || Platform.isWindows())) {
            // the build put the shim on the class path: the backend over it must really use it,
            // or we would test libc twice on Linux, and nothing but NIO on Windows
            String backend = Platform.isLinux() ? "epoll" : "iocp";
            String detail = Pollers.probeAll().stream().filter(p -> p.name().equals(backend)).findFirst().orElseThrow().detail();
            assertTrue(detail.contains("native shim"), "the shim was built but " + backend + " does not use it: " + detail);
        }
        if (ioUringExpected()) {
            // this kernel allows io_uring and the shim is here: a probe that fails is a bug, not a reason to skip it
            assertTrue(names.contains("io_uring"), "io_uring should work here but does not: " + Pollers.probeAll());
        }
        return names;
    }

    /**
     * Whether io_uring must be available: Linux with the shim built, and the sysctl
     * kernel.io_uring_disabled at 0 (a kernel without it, before 6.6, is not assumed to allow it).
     */
    public static boolean ioUringExpected() {
        if (!Platform.isLinux() || !shimWasBuilt()) return false;
        try {
            return Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).trim().equals("0");
        } catch (IOException e) {
            return false;
        }
    }

    /** The userspace kqueue library this JVM was given, as the kqueue backend reads it; null if none. */
    public static String kqueueLibrary() {
        String p = System.getProperty(KqueueProvider.LIBRARY_PROPERTY);
        if (p != null && !p.isBlank()) return p;
        String e = System.getenv(KqueueProvider.LIBRARY_ENVIRONMENT);
        return e != null && !e.isBlank() ? e : null;
    }

    /**
     * Names this JVM's userspace kqueue library (if it has one) to a child JVM, through the
     * environment: a property given to this JVM is not inherited, and a child on the kqueue
     * backend would find none.
     */
    public static void passKqueueLibraryTo(ProcessBuilder child) {
        String library = kqueueLibrary();
        if (library != null) child.environment().put(KqueueProvider.LIBRARY_ENVIRONMENT, library);
    }

    /** Whether libpants for this platform is on the class path (the Maven build made it). */
    public static boolean shimWasBuilt() {
        String lib = Platform.isMac() ? "libpants.dylib" : Platform.isWindows() ? "pants.dll" : "libpants.so";
        return Backends.class.getClassLoader().getResource(Platform.RESOURCE_PREFIX + "/" + lib) != null;
    }
}
