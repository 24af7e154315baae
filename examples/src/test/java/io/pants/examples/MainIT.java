// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher, {@code java -jar pants-examples.jar EXAMPLE ARGS...}: usage, argument checks, errors. */
class MainIT {
    /** Runs the jar with bad arguments: it must exit with 2 and print the usage with every example. */
    private static String expectUsageError(String... args) throws Exception {
        try (ExampleProcess p = ExampleProcess.start(List.of(), args)) {
            assertEquals(2, p.awaitExit(), "exit code for bad arguments " + List.of(args));
            String stderr = p.stderrAfterExit();
            assertUsageListsEveryExample(stderr);
            return stderr;
        }
    }

    private static void assertUsageListsEveryExample(String text) {
        assertTrue(text.contains("usage: java [-Dpants.poller=NAME] -jar pants-examples.jar EXAMPLE"), "no usage line in:\n" + text);
        for (String line : List.of("echo PORT [BIND_ADDRESS]", "fake-http PORT [BIND_ADDRESS]", "messages-server PORT [BIND_ADDRESS]",
                "messages-client HOST PORT [MESSAGE...]", "web-hello PORT [BIND_ADDRESS]")) {
            assertTrue(text.contains(line), "the usage does not list '" + line + "':\n" + text);
        }
        for (Main.Example e : Main.EXAMPLES) {
            assertTrue(text.contains(e.name() + " " + e.arguments()), "the usage does not list " + e.name() + ":\n" + text);
        }
    }

    @Test
    void noArgumentsPrintsTheUsage() throws Exception {
        assertTrue(expectUsageError().contains("no example named"));
    }

    @Test
    void anUnknownExampleIsNamedInTheError() throws Exception {
        assertTrue(expectUsageError("nope", "4040").contains("unknown example 'nope'"));
    }

    @Test
    void badPortsAndArgumentCountsAreRefused() throws Exception {
        assertTrue(expectUsageError("echo", "70000").contains("'70000' is not a port number"));
        assertTrue(expectUsageError("echo", "http").contains("'http' is not a port number"));
        assertTrue(expectUsageError("messages-server").contains("messages-server takes PORT [BIND_ADDRESS]"));
        assertTrue(expectUsageError("messages-client", "4040").contains("messages-client takes HOST PORT [MESSAGE...]"));
    }

    @Test
    void helpPrintsTheUsageToStandardOutput() throws Exception {
        try (ExampleProcess p = ExampleProcess.start(List.of(), "--help")) {
            assertEquals(0, p.awaitExit(), "exit code of --help");
            assertUsageListsEveryExample(String.join("\n", p.remainingLinesAfterExit()));
        }
    }

    @Test
    void anUnknownPollerIsReportedWithWhatIsAvailable() throws Exception {
        try (ExampleProcess p = ExampleProcess.start(List.of("-Dpants.poller=bogus"), "echo", "0", "127.0.0.1")) {
            assertEquals(2, p.awaitExit(), "exit code for an unknown poller");
            String stderr = p.stderrAfterExit();
            assertTrue(stderr.contains("Unknown poller 'bogus'") && stderr.contains("Available on this machine: ")
                    && stderr.contains("nio ("), "the error should name the poller and list the available ones:\n" + stderr);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void aPortInUseIsReportedPlainly(String backend) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             ExampleProcess p = ExampleProcess.start(backend, "echo", String.valueOf(taken.getLocalPort()), "127.0.0.1")) {
            assertEquals(1, p.awaitExit(), "exit code when the port is taken");
            String stderr = p.stderrAfterExit();
            assertTrue(stderr.contains("echo: could not listen on ") && stderr.contains(":" + taken.getLocalPort()),
                    "the error should say where it could not listen:\n" + stderr);
        }
    }
}
