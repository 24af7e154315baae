package io.pants;

import com.sun.jna.Platform;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backends every behaviour test runs on: all that work on this machine. Use as
 * {@code @ParameterizedTest @MethodSource("io.pants.Backends#names")} (or {@link BackendTest}).
 */
public final class Backends {
    private Backends() {}

    public static List<String> names() {
        List<String> names = new ArrayList<>(Pollers.available());
        assertTrue(names.contains("nio"), "nio must always be available: " + Pollers.probeAll());
        if (shimWasBuilt() && (Platform.isLinux() || Platform.isWindows())) {
            // the build put the shim on the class path: the backend over it must really use it,
            // or we would test libc twice on Linux, and nothing but NIO on Windows
            String backend = Platform.isLinux() ? "epoll" : "iocp";
            String detail = Pollers.probeAll().stream().filter(p -> p.name().equals(backend)).findFirst().orElseThrow().detail();
            assertTrue(detail.contains("native shim"), "the shim was built but " + backend + " does not use it: " + detail);
        }
        return names;
    }

    /** Whether libpants for this platform is on the class path (the Maven build made it). */
    public static boolean shimWasBuilt() {
        String lib = Platform.isMac() ? "libpants.dylib" : Platform.isWindows() ? "pants.dll" : "libpants.so";
        return Backends.class.getClassLoader().getResource(Platform.RESOURCE_PREFIX + "/" + lib) != null;
    }
}
