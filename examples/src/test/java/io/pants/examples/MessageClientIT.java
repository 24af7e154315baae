// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The message sender, run as {@code java -jar pants-examples.jar messages-client 127.0.0.1 PORT ...}. */
class MessageClientIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void sendsEachLineOfStandardInputThenCloses(String backend) throws Exception {
        try (ServerSocket listener = loopbackListener();
             ExampleProcess client = ExampleProcess.start(backend, "messages-client", "127.0.0.1",
                     String.valueOf(listener.getLocalPort()))) {
            try (OutputStream stdin = client.stdin()) {
                stdin.write("alpha\n\nünïcødé ✓\r\nthe last line has no newline".getBytes(StandardCharsets.UTF_8));
            }
            try (Socket accepted = listener.accept()) {
                accepted.setSoTimeout((int) ExampleProcess.WAIT.toMillis());
                assertEquals(List.of("alpha", "", "ünïcødé ✓", "the last line has no newline"), readMessagesUntilEof(accepted));
            }
            assertEquals(0, client.awaitExit(), "messages-client failed: " + client.diagnostics());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void sendsItsArgumentsAsMessages(String backend) throws Exception {
        try (ServerSocket listener = loopbackListener();
             ExampleProcess client = ExampleProcess.start(backend, "messages-client", "127.0.0.1",
                     String.valueOf(listener.getLocalPort()), "one", "two words", "")) {
            try (Socket accepted = listener.accept()) {
                accepted.setSoTimeout((int) ExampleProcess.WAIT.toMillis());
                assertEquals(List.of("one", "two words", ""), readMessagesUntilEof(accepted));
            }
            assertEquals(0, client.awaitExit(), "messages-client failed: " + client.diagnostics());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void skipsAMessageTooLongForItsLengthAndExitsWithOne(String backend) throws Exception {
        String tooLong = "x".repeat(70_000);
        try (ServerSocket listener = loopbackListener();
             ExampleProcess client = ExampleProcess.start(backend, "messages-client", "127.0.0.1",
                     String.valueOf(listener.getLocalPort()), "before", tooLong, "after")) {
            try (Socket accepted = listener.accept()) {
                accepted.setSoTimeout((int) ExampleProcess.WAIT.toMillis());
                assertEquals(List.of("before", "after"), readMessagesUntilEof(accepted));
            }
            assertEquals(1, client.awaitExit(), "the exit code should say a message was not sent");
            String stderr = client.stderrAfterExit();
            assertTrue(stderr.contains("skipping a message of 70000 bytes"), "stderr should say why: " + stderr);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void reportsARefusedConnectionAndExitsWithOne(String backend) throws Exception {
        int port;
        try (ServerSocket closedAgain = loopbackListener()) {
            port = closedAgain.getLocalPort(); // free a moment ago, and nothing listens on it now
        }
        try (ExampleProcess client = ExampleProcess.start(backend, "messages-client", "127.0.0.1", String.valueOf(port), "lost")) {
            assertEquals(1, client.awaitExit(), "a refused connection must fail the client");
            String stderr = client.stderrAfterExit();
            assertTrue(stderr.contains("could not connect to ") && stderr.contains(":" + port)
                            && stderr.toLowerCase(java.util.Locale.ROOT).contains("refused"),
                    "stderr should say the connection was refused: " + stderr);
        }
    }

    static ServerSocket loopbackListener() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        s.setSoTimeout((int) ExampleProcess.WAIT.toMillis()); // bounds accept()
        return s;
    }

    /** Reads 2-byte-length-prefixed UTF-8 messages until the peer closes. */
    static List<String> readMessagesUntilEof(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        List<String> messages = new ArrayList<>();
        while (true) {
            int length;
            try {
                length = in.readUnsignedShort();
            } catch (EOFException end) {
                return messages;
            }
            byte[] body = new byte[length];
            in.readFully(body); // an EOF inside a message is a failure, not the end
            messages.add(new String(body, StandardCharsets.UTF_8));
        }
    }
}
