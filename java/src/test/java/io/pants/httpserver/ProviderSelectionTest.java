// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.Pollers;
import io.pants.http.JdkClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JDK's own ways of choosing a provider lead an unmodified program ({@link JdkOnlyMain}, in
 * a child JVM) to Pants: the system property, or a service file on the class path; with
 * neither, the JDK's own server runs it (the Pants jar claims nothing by itself).
 */
@JdkClient.Uses
class ProviderSelectionTest {
    private static final String PROPERTY = "com.sun.net.httpserver.HttpServerProvider";
    private static final String PANTS = PantsHttpServerProvider.class.getName();

    @TempDir
    Path tmp;

    @BackendTest
    void theSystemPropertySelectsPants(String backend) throws Exception {
        Served s = runChild(System.getProperty("java.class.path"), "-D" + PROPERTY + "=" + PANTS, "-D" + Pollers.PROPERTY + "=" + backend);
        assertEquals(PANTS, s.body);
        assertEquals("pants", s.server);
        assertTrue(s.stderr.contains("Pants uses the " + backend + " poller"), "the child did not use " + backend + ":\n" + s.stderr);
    }

    @BackendTest
    void aServiceFileOnTheClassPathSelectsPants(String backend) throws Exception {
        Path services = Files.createDirectories(tmp.resolve("META-INF/services"));
        Files.writeString(services.resolve("com.sun.net.httpserver.spi.HttpServerProvider"), PANTS + "\n");
        Served s = runChild(tmp + File.pathSeparator + System.getProperty("java.class.path"), "-D" + Pollers.PROPERTY + "=" + backend);
        assertEquals(PANTS, s.body);
        assertEquals("pants", s.server);
        assertTrue(s.stderr.contains("Pants uses the " + backend + " poller"), "the child did not use " + backend + ":\n" + s.stderr);
    }

    @Test
    void withNeitherTheJdkServerRunsTheProgram() throws Exception {
        Served s = runChild(System.getProperty("java.class.path"));
        assertEquals("sun.net.httpserver.DefaultHttpServerProvider", s.body, "the Pants jar took over without being asked");
        assertFalse("pants".equals(s.server));
    }

    private record Served(String body, String server, String stderr) {}

    /** Starts JdkOnlyMain, asks it for /, tells it to stop, and waits for the JVM to exit on its own. */
    private Served runChild(String classPath, String... jvmOptions) throws Exception {
        assertTrue(classPath.contains("test-classes"), "the test class path should reach the child: " + classPath);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1"); // a short-lived JVM: start fast
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", classPath, JdkOnlyMain.class.getName()));
        Path err = Files.createTempFile(tmp, "child", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
        pb.environment().remove(Pollers.ENVIRONMENT);
        io.pants.Backends.passKqueueLibraryTo(pb);
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            String line = firstLine.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null || !line.startsWith("listening on port ")) {
                fail("the child did not start its server: " + line + "\n" + Files.readString(err));
            }
            int port = Integer.parseInt(line.substring("listening on port ".length()));
            HttpResponse<String> r = JdkClient.get(URI.create("http://127.0.0.1:" + port + "/"));
            assertEquals(200, r.statusCode());

            try (OutputStream in = p.getOutputStream()) {
                in.write("stop\n".getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("the child JVM did not exit after stop(): a thread of the server outlived it\n" + Files.readString(err));
            }
            String stderr = Files.readString(err);
            assertEquals(0, p.exitValue(), stderr);
            return new Served(r.body(), r.headers().firstValue("server").orElse(null), stderr);
        } finally {
            p.destroyForcibly();
            p.waitFor(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
