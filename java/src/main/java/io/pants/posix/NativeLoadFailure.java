// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Why native code did not load, told so that someone who only has the jar can act on it: which
 * platform this JVM is, which platforms' shims the class path carries, what the loader said
 * (read from JNA's or the dynamic linker's message), and the way out. Used for the shim
 * ({@link #shimReport}) and for JNA's own native part ({@link #jnaWayOut}).
 */
public final class NativeLoadFailure {
    /** The JNA resource prefixes (folders on the class path) a shim may be carried in; the build writes its own one. */
    public static final List<String> PREFIXES = List.of(
            "linux-x86-64", "linux-aarch64", "linux-x86", "linux-arm", "linux-armel", "linux-ppc64le", "linux-riscv64",
            "linux-s390x", "linux-loongarch64", "linux-mips64el", "darwin-aarch64", "darwin-x86-64", "win32-x86-64",
            "win32-aarch64", "win32-x86", "freebsd-x86-64", "freebsd-aarch64", "openbsd-x86-64", "netbsd-x86-64",
            "dragonflybsd-x86-64", "sunos-x86-64", "aix-ppc64");

    // glibc says "failed to map segment" when dlopen meets a noexec mount; JNA's own messages when it can't unpack
    private static final List<String> TEMP_DIR_SIGNS = List.of("failed to map segment", "JNA temporary directory", "Failed to create temporary file");
    // a shim linked against glibc on musl (or against a newer glibc): the loader names the C library or a versioned symbol
    private static final List<String> LIBC_SIGNS = List.of("libc.so.6", "Error relocating", "GLIBC_", "ld-linux", "musl");
    private static final List<String> NOT_A_LIBRARY_SIGNS = List.of("file too short", "invalid ELF header", "wrong ELF class",
            "ELF load command", "not a valid Win32 application", "not a mach-o file", "incompatible architecture", "wrong architecture");

    private NativeLoadFailure() {}

    /** How the shim is named, as "-Dpants.shim.path=PATH" or "PANTS_SHIM_PATH=PATH", or null when JNA searches for it. */
    public static String configuredShim() {
        String p = System.getProperty("pants.shim.path");
        if (p != null && !p.isBlank()) return "-Dpants.shim.path=" + p;
        String e = System.getenv("PANTS_SHIM_PATH");
        return e != null && !e.isBlank() ? "PANTS_SHIM_PATH=" + e : null;
    }

    /** The shim's file name in a prefix's folder: {@code pants.dll}, {@code libpants.dylib} or {@code libpants.so}. */
    public static String shimFile(String prefix) {
        if (prefix.startsWith("win32")) return "pants.dll";
        return prefix.startsWith("darwin") ? "libpants.dylib" : "libpants.so";
    }

    /** The platforms (JNA resource prefixes) whose shim {@code loader}'s class path carries. */
    public static List<String> carried(ClassLoader loader) {
        List<String> found = new ArrayList<>();
        for (String prefix : PREFIXES) if (loader.getResource(prefix + "/" + shimFile(prefix)) != null) found.add(prefix);
        return found;
    }

    /**
     * The whole story of a shim that did not load, for the one warning about it: {@code platform}
     * is this JVM's JNA resource prefix, {@code carried} what {@link #carried} found,
     * {@code configured} how the shim was named ("-Dpants.shim.path=/x", or null when JNA searched
     * for it), {@code error} what loading said, {@code refused} whether the shim loaded but is not
     * this jar's version ({@link ShimAbi#refusal}).
     */
    public static String shimReport(String platform, List<String> carried, String configured, String error, boolean refused) {
        String file = shimFile(platform);
        String path = configured == null ? null : configured.substring(configured.indexOf('=') + 1);
        String setting = "-Dpants.shim.path=/path/to/" + file + " (or PANTS_SHIM_PATH)";
        boolean ours = carried.contains(platform);
        StringBuilder b = new StringBuilder("This is ").append(platform).append("; the class path carries the shim for ")
                .append(carried.isEmpty() ? "no platform" : String.join(", ", carried)).append(". ");
        if (refused) {
            b.append(error).append(". Use the shim of this jar's version: ").append(configured != null
                    ? "unset " + configured.substring(0, configured.indexOf('=')) + (ours ? " to take the jar's own" : "")
                            + ", or point it at one built from this version"
                    : "remove the other " + file + " that JNA found first (jna.library.path, the system's library path)");
        } else if (path != null && !new File(path).exists()) {
            b.append(configured).append(" names a file that does not exist. Point it at a ").append(file).append(" built for ")
                    .append(platform).append(ours ? ", or unset it to use the jar's own" : "");
        } else if (path == null && !ours) {
            b.append("The jar has no shim for ").append(platform).append(": use one built on ").append(platform).append(" with ")
                    .append(setting).append(", or build the jar on ").append(platform).append(", which compiles the shim for it");
        } else {
            b.append("The ").append(path != null ? file + " at " + path : "jar's " + file).append(" failed to load: ")
                    .append(loaderSaid(error)).append(". ").append(shimWayOut(error, platform, setting));
        }
        return b.toString();
    }

    private static String shimWayOut(String error, String platform, String setting) {
        if (hasSign(error, TEMP_DIR_SIGNS)) return tempDirWayOut();
        if (hasSign(error, LIBC_SIGNS)) {
            return "It was built against another C library than this system's (glibc and musl builds don't mix, and a build on a"
                    + " newer glibc needs that glibc): build the shim on this system and name it with " + setting;
        }
        if (hasSign(error, NOT_A_LIBRARY_SIGNS)) {
            return "It is not a shared library for " + platform + " (another OS or architecture, or not a library at all):"
                    + " name one built for " + platform + " with " + setting;
        }
        return "Build the shim on " + platform + " and name it with " + setting;
    }

    /**
     * The way out when JNA itself did not work (its classes missing, its native part not
     * loading), read from a probe's {@code reason}; null when the reason is not JNA's.
     */
    public static String jnaWayOut(String reason) {
        if (hasSign(reason, TEMP_DIR_SIGNS)) return tempDirWayOut();
        if (reason.contains("NoClassDefFoundError: com/sun/jna/")) { // a class missing, not one whose initialisation failed
            return "JNA is not on the class path: the native backends need net.java.dev.jna:jna (Pants' one run-time dependency)";
        }
        if (reason.contains("jnidispatch") || reason.contains("JNA native support") || reason.contains("class com.sun.jna.")) {
            return "JNA's native part (libjnidispatch) did not load: JNA unpacks it into its temporary directory, which"
                    + " -Djna.tmpdir=DIR moves to a writable one on a filesystem mounted with exec, or loads it from -Djna.boot.library.path";
        }
        return null;
    }

    private static String tempDirWayOut() {
        String configured = System.getProperty("jna.tmpdir");
        return "JNA unpacks native code from the jar into its temporary directory (" + (configured != null ? "-Djna.tmpdir=" + configured
                : "~/.cache/JNA/temp on Linux, else java.io.tmpdir") + ") and loads it from there, which fails when that directory is"
                + " not writable or its filesystem is mounted noexec: set -Djna.tmpdir=DIR to a writable directory on a filesystem"
                + " mounted with exec";
    }

    private static boolean hasSign(String error, List<String> signs) {
        String e = error.toLowerCase(Locale.ROOT);
        for (String s : signs) if (e.contains(s.toLowerCase(Locale.ROOT))) return true;
        return false;
    }

    /**
     * The lines of a JNA load error that say something: not its heading, not the search by bare
     * name through the system's paths, not the class path it searched, each line once.
     */
    static String loaderSaid(String error) {
        Set<String> lines = new LinkedHashSet<>();
        for (String line : error.split("\n")) {
            String l = line.trim();
            if (l.isEmpty() || l.contains("Unable to load library '") || l.contains("not found in resource path")) continue;
            if (l.startsWith("lib") && l.contains(": cannot open shared object file")) continue; // the bare name, searched for
            lines.add(l);
        }
        return lines.isEmpty() ? error.trim() : String.join("; ", lines);
    }
}
