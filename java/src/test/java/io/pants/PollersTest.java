// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.kqueue.KqueueProvider;
import io.pants.posix.NativeLoadFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Which backends exist and which one an engine gets. The process-wide choice (system property,
 * environment variable, shim path, the one-time log line) is tested in child JVMs running
 * {@link PollerChoiceMain}, since this JVM has made its choice already.
 */
@ExtendWith(NoDescriptorLeaks.class) // engines and probes open epoll, eventfd and selector descriptors
class PollersTest {
    private static final long CHILD_WAIT_SECONDS = 60;
    /** This JVM's platform, as JNA names its resource folders. */
    private static final String PLATFORM = com.sun.jna.Platform.RESOURCE_PREFIX;

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- in this JVM

    @Test
    void probeAllListsEveryBackendWithDetails() {
        List<Pollers.Probe> probes = Pollers.probeAll();
        assertEquals(List.of("epoll", "epoll-libc", "kqueue", "iocp", "nio", "io_uring"), probes.stream().map(Pollers.Probe::name).toList(),
                "every backend, in the order automatic selection tries them");
        for (Pollers.Probe p : probes) assertFalse(p.detail().isBlank(), p.name() + " has a detail");
        if (isLinux()) {
            for (Pollers.Probe p : probes) {
                if (p.name().equals("kqueue") || p.name().equals("io_uring")) continue; // below
                assertEquals(!p.name().equals("iocp"), p.available(), "on Linux every backend but iocp (and kqueue) works: " + p);
            }
            assertTrue(probes.get(1).detail().contains("libc"), probes.get(1).toString());
            assertEquals(Backends.kqueueLibrary() != null, probes.get(2).available(),
                    "on Linux kqueue works exactly when a userspace kqueue library is named: " + probes.get(2));
            assertEquals(Backends.ioUringExpected(), probes.get(5).available(),
                    "on Linux io_uring works exactly when the shim was built and the kernel allows io_uring: " + probes.get(5));
        }
        assertTrue(probes.get(4).available(), "nio works anywhere: " + probes.get(4));
        List<String> available = new ArrayList<>();
        for (Pollers.Probe p : probes) if (p.available()) available.add(p.name());
        assertEquals(available, Pollers.available());
    }

    @Test
    void kqueueOnLinuxWithoutALibraryIsUnavailableAndSaysHowToEnableIt() {
        assumeTrue(isLinux() && Backends.kqueueLibrary() == null, "this JVM has a kqueue library named (" + Backends.kqueueLibrary()
                + "); the child JVM test kqueueOnLinuxNeedsALibraryNamed covers the case without");
        Pollers.Probe kqueue = Pollers.probeAll().get(2);
        assertFalse(kqueue.available(), kqueue.toString());
        assertTrue(kqueue.detail().contains("-Dpants.kqueue.library=") && kqueue.detail().contains("PANTS_KQUEUE_LIBRARY"), kqueue.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pollers.select("kqueue"));
        assertTrue(e.getMessage().contains("'kqueue' is not available") && e.getMessage().contains("pants.kqueue.library"), e.getMessage());
    }

    private static boolean isLinux() {
        return System.getProperty("os.name").toLowerCase().startsWith("linux");
    }

    @Test
    void epollUsesTheShimTheBuildMade() {
        assertTrue(Backends.shimWasBuilt(), "the Maven build puts libpants on the test class path");
        Pollers.Probe epoll = Pollers.probeAll().get(0);
        assertTrue(epoll.detail().contains("native shim") && epoll.detail().contains("libpants"), epoll.toString());
        try (Engine e = new Engine("epoll")) {
            assertTrue(e.pollerDescription().contains("native shim"), e.pollerDescription());
        }
        try (Engine e = new Engine("epoll-libc")) {
            assertTrue(e.pollerDescription().contains("libc"), e.pollerDescription());
            assertFalse(e.pollerDescription().contains("native shim"), "epoll-libc never uses the shim: " + e.pollerDescription());
        }
    }

    @BackendTest
    void engineGetsTheNamedPoller(String backend) {
        try (Engine e = new Engine(backend)) {
            assertEquals(backend, e.pollerName());
            assertFalse(e.pollerDescription().isBlank());
            assertTrue(e.toString().contains(backend), e.toString());
        }
        try (Engine e = Engine.builder().poller(backend).build()) {
            assertEquals(backend, e.pollerName());
        }
        assertEquals(backend, Pollers.select(" " + backend.toUpperCase() + " ").name(), "names are trimmed and case-insensitive");
    }

    @Test
    void unknownPollerNameListsWhatIsAvailable() {
        for (Runnable attempt : List.<Runnable>of(
                () -> new Engine("bogus").close(),
                () -> Engine.builder().poller("bogus").build().close(),
                () -> Pollers.select("bogus"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, attempt::run);
            assertTrue(e.getMessage().contains("'bogus'"), e.getMessage());
            assertTrue(e.getMessage().contains("Available on this machine:"), e.getMessage());
            for (String name : Pollers.available()) assertTrue(e.getMessage().contains(name + " ("), name + " listed in: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- in child JVMs

    /** What a child JVM printed and how it ended. */
    record Child(int exit, String out, String err) {
        private static final Pattern RECORD_START = Pattern.compile("\\d\\d:\\d\\d:\\d\\d [A-Z]+ ");

        String value(String key) {
            for (String line : out.split("\n")) if (line.startsWith(key + "=")) return line.substring(key.length() + 1);
            return null;
        }

        /**
         * The log records on stderr that contain {@code text}. A record starts with the time
         * (the format of src/test/resources/logging.properties) and may span lines: JNA's load
         * errors do.
         */
        List<String> logRecords(String text) {
            List<String> records = new ArrayList<>();
            StringBuilder current = null;
            for (String line : err.split("\n")) {
                if (RECORD_START.matcher(line).lookingAt()) {
                    if (current != null) records.add(current.toString());
                    current = new StringBuilder(line);
                } else if (current != null) {
                    current.append('\n').append(line);
                }
            }
            if (current != null) records.add(current.toString());
            records.removeIf(r -> !r.contains(text));
            return records;
        }

        @Override
        public String toString() { return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    private Child runChild(Map<String, String> env, String... jvmOptions) throws Exception {
        return runChild(System.getProperty("java.class.path"), env, jvmOptions);
    }

    private Child runChild(String classPath, Map<String, String> env, String... jvmOptions) throws Exception {
        assertTrue(classPath.contains("test-classes"), "the test class path should reach the child: " + classPath);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1"); // a short-lived JVM: start fast
        // the tests' one-line log format, which Child.logRecords parses
        command.add("-Djava.util.logging.config.file=" + Path.of(PollersTest.class.getResource("/logging.properties").toURI()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", classPath, PollerChoiceMain.class.getName()));

        Path out = Files.createTempFile(tmp, "child", ".out");
        Path err = Files.createTempFile(tmp, "child", ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().remove(Pollers.ENVIRONMENT); // only what the test sets
        pb.environment().remove("PANTS_SHIM_PATH");
        pb.environment().remove(KqueueProvider.LIBRARY_ENVIRONMENT);
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(CHILD_WAIT_SECONDS, TimeUnit.SECONDS)) {
                fail("the child JVM did not finish within " + CHILD_WAIT_SECONDS + " s: " + command
                        + "\n--- stderr so far\n" + Files.readString(err));
            }
            return new Child(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            p.waitFor(CHILD_WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static void assertChoiceLoggedOnce(Child c, String poller, String why) {
        List<String> lines = c.logRecords("Pants uses the ");
        assertEquals(1, lines.size(), "one INFO line naming the backend, however many engines are made: " + c);
        String line = lines.get(0);
        assertTrue(line.contains(" INFO ") && line.contains("Pants uses the " + poller + " poller") && line.contains(why),
                "expected the " + poller + " poller, " + why + ": " + line);
    }

    private static void assertEchoes(Child c) {
        assertEquals(0, c.exit(), c.toString());
        assertEquals("ping", c.value("ECHO"), "the engine serves a connection: " + c);
    }

    @Test
    void automaticChoiceIsEpollThroughTheShim() throws Exception {
        Child c = runChild(Map.of());
        assertEchoes(c);
        assertEquals("epoll", c.value("POLLER"), c.toString());
        assertTrue(c.value("DESCRIPTION").contains("native shim"), c.toString());
        assertChoiceLoggedOnce(c, "epoll", "the first available of epoll, kqueue, iocp, nio");
        assertEquals(List.of(), c.logRecords(" WARNING "), "no warnings: " + c);
    }

    @Test
    void kqueueOnLinuxNeedsALibraryNamed() throws Exception {
        assumeTrue(isLinux(), "Linux only: elsewhere kqueue is the system's");
        Child c = runChild(Map.of());
        assertEchoes(c);
        String probe = c.value("PROBE kqueue");
        assertTrue(probe != null && probe.startsWith("kqueue: unavailable, "), c.toString());
        assertTrue(probe.contains("-Dpants.kqueue.library=") && probe.contains("PANTS_KQUEUE_LIBRARY"), "says how to enable it: " + probe);
    }

    @Test
    void kqueueLibraryThatCannotBeLoadedIsUnavailableAndSaysWhy() throws Exception {
        String missing = "/nonexistent/libkqueue.so";
        Child c = runChild(Map.of(), "-Dpants.kqueue.library=" + missing);
        assertEchoes(c);
        String probe = c.value("PROBE kqueue");
        assertTrue(probe != null && probe.startsWith("kqueue: unavailable, ") && probe.contains(missing), c.toString());
        Child named = runChild(Map.of(), "-Dpants.kqueue.library=" + missing, "-Dpants.poller=kqueue");
        assertNotEquals(0, named.exit(), named.toString());
        assertTrue(named.err().contains("Poller 'kqueue' is not available") && named.err().contains(missing), named.toString());
    }

    @Test
    void kqueueLibraryMakesKqueueAvailableButAutomaticChoiceStaysEpoll() throws Exception {
        String library = Backends.kqueueLibrary();
        assumeTrue(library != null, "no userspace kqueue library named: set -Dpants.kqueue.library or PANTS_KQUEUE_LIBRARY"
                + " (e.g. a libkqueue 2.x built locally) to test the kqueue backend on Linux");
        for (Child c : List.of(runChild(Map.of(), "-Dpants.kqueue.library=" + library),
                runChild(Map.of(KqueueProvider.LIBRARY_ENVIRONMENT, library)))) {
            assertEchoes(c);
            assertTrue(c.value("PROBE kqueue").startsWith("kqueue: kqueue through "), c.toString());
            assertEquals(isLinux() ? "epoll" : "kqueue", c.value("POLLER"), "epoll first where it exists: " + c);
        }
        Child c = runChild(Map.of(), "-Dpants.kqueue.library=" + library, "-Dpants.poller=kqueue");
        assertEchoes(c);
        assertEquals("kqueue", c.value("POLLER"), c.toString());
        assertTrue(c.value("DESCRIPTION").contains(library), c.toString());
        assertChoiceLoggedOnce(c, "kqueue", "set by -Dpants.poller=kqueue");
    }

    @Test
    void systemPropertyChoosesThePoller() throws Exception {
        Child c = runChild(Map.of(), "-Dpants.poller=nio");
        assertEchoes(c);
        assertEquals("nio", c.value("POLLER"), c.toString());
        assertChoiceLoggedOnce(c, "nio", "set by -Dpants.poller=nio");
    }

    @Test
    void environmentVariableChoosesThePoller() throws Exception {
        Child c = runChild(Map.of("PANTS_POLLER", "epoll-libc"));
        assertEchoes(c);
        assertEquals("epoll-libc", c.value("POLLER"), c.toString());
        assertChoiceLoggedOnce(c, "epoll-libc", "set by PANTS_POLLER=epoll-libc");
    }

    @Test
    void systemPropertyWinsOverTheEnvironment() throws Exception {
        Child c = runChild(Map.of("PANTS_POLLER", "epoll-libc"), "-Dpants.poller=nio");
        assertEchoes(c);
        assertEquals("nio", c.value("POLLER"), c.toString());
        assertChoiceLoggedOnce(c, "nio", "set by -Dpants.poller=nio");
    }

    @Test
    void missingShimFallsBackToLibcWithAWarningThatSaysWhy() throws Exception {
        String missing = "/nonexistent/libpants.so";
        Child c = runChild(Map.of(), "-Dpants.shim.path=" + missing);
        assertEchoes(c);
        assertEquals("epoll", c.value("POLLER"), "epoll still works, through libc: " + c);
        assertTrue(c.value("DESCRIPTION").contains("libc"), c.toString());
        assertFalse(c.value("DESCRIPTION").contains("native shim"), c.toString());
        String w = assertShimWarning(c, carriedByTheBuild());
        assertTrue(w.contains("-Dpants.shim.path=" + missing + " names a file that does not exist"), "why: " + w);
        assertTrue(w.contains("Point it at a libpants.so built for " + PLATFORM + ", or unset it to use the jar's own"), "the way out: " + w);
        assertChoiceLoggedOnce(c, "epoll", "the first available");
    }

    @Test
    void shimPathToAFileThatIsNotALibraryWarnsWithTheLoadersError() throws Exception {
        assumeTrue(isLinux(), "the messages of Linux's loader");
        Path notALibrary = Files.writeString(tmp.resolve("libpants.so"), "not a shared library\n");
        Child c = runChild(Map.of("PANTS_SHIM_PATH", notALibrary.toString()));
        assertEchoes(c);
        assertEquals("epoll", c.value("POLLER"), "epoll still works, through libc: " + c);
        String w = assertShimWarning(c, carriedByTheBuild());
        assertTrue(w.contains("The libpants.so at " + notALibrary + " failed to load: " + notALibrary + ": file too short"),
                "the loader's error, once: " + w);
        assertTrue(w.contains("It is not a shared library for " + PLATFORM) && w.contains("-Dpants.shim.path=/path/to/libpants.so"),
                "the way out: " + w);
    }

    @Test
    void jarWithoutAShimForThisPlatformWarnsWhichPlatformsItCarries() throws Exception {
        assumeTrue(isLinux(), "builds a jar of the classes without the " + PLATFORM + " shim");
        Path classes = mainClasses();
        // the jar as if built on a Mac: its classes, the darwin-aarch64 shim (a stand-in: it is never loaded here), not ours
        Path jar = tmp.resolve("built-elsewhere.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
             java.util.stream.Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = classes.relativize(f).toString().replace(File.separatorChar, '/');
                if (name.startsWith(PLATFORM + "/")) continue;
                out.putNextEntry(new java.util.jar.JarEntry(name));
                out.write(Files.readAllBytes(f));
            }
            out.putNextEntry(new java.util.jar.JarEntry("darwin-aarch64/libpants.dylib"));
            out.write("a Mach-O library".getBytes(StandardCharsets.US_ASCII));
        }
        Child c = runChild(classPathReplacing(classes, jar.toString()), Map.of());
        assertEchoes(c);
        assertEquals("epoll", c.value("POLLER"), "epoll still works, through libc: " + c);
        List<String> carried = new ArrayList<>(carriedByTheBuild());
        carried.remove(PLATFORM);
        carried.add("darwin-aarch64");
        carried.sort(java.util.Comparator.comparingInt(NativeLoadFailure.PREFIXES::indexOf)); // the warning's order
        String w = assertShimWarning(c, carried);
        assertTrue(w.contains("The jar has no shim for " + PLATFORM + ": use one built on " + PLATFORM + " with"
                + " -Dpants.shim.path=/path/to/libpants.so (or PANTS_SHIM_PATH), or build the jar on " + PLATFORM), "why, and the way out: " + w);
    }

    @Test
    void shimThatJnaCannotUnpackWarnsAboutJnaTmpdir() throws Exception {
        assumeTrue(isLinux(), "JNA's temporary directory as on Linux");
        Path classes = mainClasses();
        // JNA loads a shim that is a file on the class path in place, and unpacks one from a jar: put a jar first
        Path jar = tmp.resolve("shim.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry(PLATFORM + "/libpants.so"));
            out.write(Files.readAllBytes(classes.resolve(PLATFORM + "/libpants.so")));
        }
        // a temporary directory no one can make (its parent is a file), root included
        String tmpdir = Files.createFile(tmp.resolve("a-file")).resolve("jna").toString();
        // JNA's own native part, which it would unpack there too, from a directory instead
        Path boot = Files.createDirectory(tmp.resolve("boot"));
        String dispatch = "com/sun/jna/" + PLATFORM + "/" + System.mapLibraryName("jnidispatch");
        try (java.io.InputStream in = com.sun.jna.Native.class.getClassLoader().getResourceAsStream(dispatch)) {
            assertTrue(in != null, "JNA carries " + dispatch);
            Files.copy(in, boot.resolve(System.mapLibraryName("jnidispatch")));
        }
        String classPath = jar + File.pathSeparator + System.getProperty("java.class.path");
        Child c = runChild(classPath, Map.of(), "-Djna.tmpdir=" + tmpdir, "-Djna.boot.library.path=" + boot);
        assertEchoes(c);
        assertEquals("epoll", c.value("POLLER"), "epoll still works, through libc: " + c);
        String w = assertShimWarning(c, carriedByTheBuild());
        assertTrue(w.contains("The jar's libpants.so failed to load: Failed to create temporary file for pants library: JNA temporary directory '"
                + tmpdir + "' does not exist"), "the loader's error: " + w);
        assertTrue(w.contains("mounted noexec: set -Djna.tmpdir=DIR to a writable directory on a filesystem mounted with exec"), "the way out: " + w);

        // without a directory for JNA's own native part, JNA does not work at all and the engine falls to NIO
        Child nio = runChild(classPath, Map.of(), "-Djna.tmpdir=" + tmpdir);
        String fallback = assertNioFallbackWarning(nio);
        assertTrue(fallback.contains("JNA temporary directory '" + tmpdir + "' does not exist")
                && fallback.contains("set -Djna.tmpdir=DIR to a writable directory on a filesystem mounted with exec"), fallback);
    }

    @Test
    void missingJnaFallsToNioWithAWarningSayingWhyEpollWasSkipped() throws Exception {
        assumeTrue(isLinux(), "epoll is this system's own poller");
        Path jna = Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String withoutJna = classPathReplacing(jna, null);
        String w = assertNioFallbackWarning(runChild(withoutJna, Map.of()));
        assertTrue(w.contains("epoll was skipped: neither the shim (NoClassDefFoundError: com/sun/jna/"), "why: " + w);
        assertTrue(w.contains("JNA is not on the class path: the native backends need net.java.dev.jna:jna"), "the way out: " + w);

        Child asked = runChild(withoutJna, Map.of(), "-Dpants.poller=nio");
        assertEchoes(asked);
        assertChoiceLoggedOnce(asked, "nio", "set by -Dpants.poller=nio");
        assertEquals(List.of(), asked.logRecords(" WARNING io.pants"), "nio asked for is no fallback: " + asked);
    }

    @Test
    void jnaWithoutItsNativePartFallsToNioWithAWarningSayingWhy() throws Exception {
        assumeTrue(isLinux(), "epoll is this system's own poller");
        String w = assertNioFallbackWarning(runChild(Map.of(), "-Djna.nosys=true", "-Djna.noclasspath=true",
                "-Djna.boot.library.path=" + tmp.resolve("nonexistent")));
        assertTrue(w.contains("epoll was skipped: neither the shim (UnsatisfiedLinkError: Unable to locate JNA native support library)"), "why: " + w);
        assertTrue(w.contains("JNA's native part (libjnidispatch) did not load") && w.contains("-Djna.tmpdir=DIR")
                && w.contains("-Djna.boot.library.path"), "the way out: " + w);
    }

    /** The one warning about the shim: what happens, this platform, the platforms carried, never a build command. */
    private static String assertShimWarning(Child c, List<String> carried) {
        List<String> warnings = c.logRecords(" WARNING io.pants");
        assertEquals(1, warnings.size(), "one warning about the shim: " + c);
        String w = warnings.get(0);
        assertTrue(w.contains("The native shim libpants could not be loaded, so the epoll backend runs through libc"), "what happens: " + w);
        assertTrue(w.contains("This is " + PLATFORM + "; the class path carries the shim for " + String.join(", ", carried) + "."),
                "the platform and the platforms the class path carries: " + w);
        assertTrue(w.contains("Pollers.probeAll() reports every backend."), w);
        assertFalse(w.contains("mvn"), "no build command for someone who has the jar: " + w);
        return w;
    }

    /** The one line of the choice, a WARNING that says NIO is a fallback, and that the engine works on it. */
    private static String assertNioFallbackWarning(Child c) {
        assertEchoes(c);
        assertEquals("nio", c.value("POLLER"), c.toString());
        List<String> lines = c.logRecords("Pants uses the ");
        assertEquals(1, lines.size(), "the choice is logged once: " + c);
        String w = lines.get(0);
        assertTrue(w.contains(" WARNING io.pants: Pants uses the nio poller") && w.contains("the first available of epoll, kqueue, iocp, nio."
                + " This system's own poller did not work, so nio is a fallback: epoll was skipped: "), w);
        assertTrue(w.endsWith("Pollers.probeAll() reports every backend."), w);
        assertEquals(1, c.logRecords(" WARNING io.pants").size(), "and no other warning: " + c);
        return w;
    }

    /**
     * The platforms whose shim the build made (this one's, and those it cross-compiled where the
     * compilers were found), as the files in target/classes say, in the order the warning lists them.
     */
    private static List<String> carriedByTheBuild() throws Exception {
        List<String> carried = new ArrayList<>();
        for (String prefix : NativeLoadFailure.PREFIXES) {
            if (Files.exists(mainClasses().resolve(prefix + "/" + NativeLoadFailure.shimFile(prefix)))) carried.add(prefix);
        }
        assertTrue(carried.contains(PLATFORM), "the build made no shim for " + PLATFORM + " in " + mainClasses());
        return carried;
    }

    /** Where the build put the library's classes and its shim (target/classes). */
    private static Path mainClasses() throws Exception {
        return Path.of(Pollers.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** This JVM's class path with {@code entry} replaced by {@code replacement}, or left out when that is null. */
    private static String classPathReplacing(Path entry, String replacement) {
        List<String> entries = new ArrayList<>();
        boolean found = false;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty() && Path.of(e).toAbsolutePath().equals(entry.toAbsolutePath())) {
                found = true;
                if (replacement != null) entries.add(replacement);
            } else {
                entries.add(e);
            }
        }
        assertTrue(found, entry + " is on the class path " + System.getProperty("java.class.path"));
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void unknownPollerInThePropertyFailsWithTheListing() throws Exception {
        Child c = runChild(Map.of(), "-Dpants.poller=bogus");
        assertNotEquals(0, c.exit(), c.toString());
        assertEquals(null, c.value("POLLER"), "no engine was made: " + c);
        assertTrue(c.err().contains("IllegalArgumentException") && c.err().contains("Unknown poller 'bogus'"), c.toString());
        assertTrue(c.err().contains("Available on this machine: epoll ("), c.toString());
        assertTrue(c.err().contains("nio ("), c.toString());
    }
}
