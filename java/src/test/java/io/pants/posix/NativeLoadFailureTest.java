// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The way out read from a loader's message, for the failures a test can't provoke on this
 * machine (a musl system, a noexec mount, a shim of another version); the ones it can are
 * provoked for real in child JVMs by {@code PollersTest}. The messages are the loaders' own.
 */
class NativeLoadFailureTest {
    private static final List<String> CARRIED = List.of("linux-x86-64", "win32-x86-64");

    private static String report(String configured, String error, boolean refused) {
        return NativeLoadFailure.shimReport("linux-x86-64", CARRIED, configured, error, refused);
    }

    @Test
    void aGlibcShimOnMuslIsToldToBeBuiltThere() {
        for (String said : List.of(
                "UnsatisfiedLinkError: Unable to load library 'pants':\nError relocating /root/.cache/JNA/temp/jna1.tmp: __memcpy_chk: symbol not found",
                "UnsatisfiedLinkError: Unable to load library 'pants':\nError loading shared library libc.so.6: No such file or directory",
                "UnsatisfiedLinkError: Unable to load library 'pants':\n/root/.cache/JNA/temp/jna1.tmp: /lib/x86_64-linux-gnu/libc.so.6:"
                        + " version `GLIBC_2.38' not found")) {
            String r = report(null, said, false);
            assertTrue(r.startsWith("This is linux-x86-64; the class path carries the shim for linux-x86-64, win32-x86-64. The jar's libpants.so failed to load: "), r);
            assertTrue(r.contains(said.substring(said.indexOf('\n') + 1)), "the loader's error, without JNA's heading: " + r);
            assertTrue(r.contains("built against another C library than this system's (glibc and musl builds don't mix")
                    && r.contains("build the shim on this system and name it with -Dpants.shim.path=/path/to/libpants.so (or PANTS_SHIM_PATH)"), r);
        }
    }

    @Test
    void aNoexecTemporaryDirectoryIsToldToMoveWithJnaTmpdir() {
        String said = "UnsatisfiedLinkError: /root/.cache/JNA/temp/jna123.tmp: failed to map segment from shared object";
        String r = report(null, said, false);
        assertTrue(r.contains("failed to load: UnsatisfiedLinkError: /root/.cache/JNA/temp/jna123.tmp: failed to map segment from shared object."), r);
        assertTrue(r.contains("its filesystem is mounted noexec: set -Djna.tmpdir=DIR to a writable directory on a filesystem mounted with exec"), r);
        assertTrue(NativeLoadFailure.jnaWayOut("neither the shim (UnsatisfiedLinkError: " + said + ")").contains("-Djna.tmpdir=DIR"),
                "JNA's own native part unpacks there too");
    }

    @Test
    void aShimOfAnotherVersionIsToldWhichToUse() {
        String said = "libpants at /opt/libpants.so is version 3, this jar needs 4";
        String named = report("PANTS_SHIM_PATH=/opt/libpants.so", said, true);
        assertTrue(named.contains(said + ". Use the shim of this jar's version: unset PANTS_SHIM_PATH to take the jar's own,"
                + " or point it at one built from this version"), named);
        String found = report(null, said, true);
        assertTrue(found.contains("remove the other libpants.so that JNA found first"), found);
    }

    @Test
    void theCarriedPlatformsAreTheFoldersWithAShim() {
        List<String> carried = NativeLoadFailure.carried(NativeLoadFailureTest.class.getClassLoader());
        assertTrue(carried.contains(com.sun.jna.Platform.RESOURCE_PREFIX), "the build put this platform's shim on the class path: " + carried);
        assertEquals("pants.dll", NativeLoadFailure.shimFile("win32-x86-64"));
        assertEquals("libpants.dylib", NativeLoadFailure.shimFile("darwin-aarch64"));
        assertEquals("libpants.so", NativeLoadFailure.shimFile("freebsd-x86-64"));
    }

    @Test
    void aReasonThatIsNotJnasHasNoJnaWayOut() {
        assertNull(NativeLoadFailure.jnaWayOut("epoll could not be used: java.io.IOException: epoll_create1 failed: Operation not permitted"),
                "a seccomp refusal is the probe's own reason");
    }
}
