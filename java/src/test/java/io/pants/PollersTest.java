package io.pants;

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

/**
 * Which backends exist and which one an engine gets. The process-wide choice (system property,
 * environment variable, shim path, the one-time log line) is tested in child JVMs running
 * {@link PollerChoiceMain}, since this JVM has made its choice already.
 */
@ExtendWith(NoDescriptorLeaks.class) // engines and probes open epoll, eventfd and selector descriptors
class PollersTest {
    private static final long CHILD_WAIT_SECONDS = 60;

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- in this JVM

    @Test
    void probeAllListsEveryBackendWithDetails() {
        List<Pollers.Probe> probes = Pollers.probeAll();
        assertEquals(List.of("epoll", "epoll-libc", "iocp", "nio"), probes.stream().map(Pollers.Probe::name).toList(),
                "every backend, in the order automatic selection tries them");
        for (Pollers.Probe p : probes) assertFalse(p.detail().isBlank(), p.name() + " has a detail");
        if (System.getProperty("os.name").toLowerCase().startsWith("linux")) {
            for (Pollers.Probe p : probes) {
                assertEquals(!p.name().equals("iocp"), p.available(), "on Linux every backend but iocp works: " + p);
            }
            assertTrue(probes.get(1).detail().contains("libc"), probes.get(1).toString());
        }
        assertTrue(probes.get(3).available(), "nio works anywhere: " + probes.get(3));
        List<String> available = new ArrayList<>();
        for (Pollers.Probe p : probes) if (p.available()) available.add(p.name());
        assertEquals(available, Pollers.available());
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
        String classPath = System.getProperty("java.class.path");
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
        assertChoiceLoggedOnce(c, "epoll", "the first available of epoll, iocp, nio");
        assertEquals(List.of(), c.logRecords(" WARNING "), "no warnings: " + c);
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
        List<String> warnings = c.logRecords(" WARNING ");
        assertEquals(1, warnings.size(), "one warning about the shim: " + c);
        String w = warnings.get(0);
        assertTrue(w.contains("shim") && w.contains("through libc"), "the warning says what happens: " + w);
        assertTrue(w.contains(missing) && w.contains("No such file"), "and why: " + w);
        assertChoiceLoggedOnce(c, "epoll", "the first available");
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
