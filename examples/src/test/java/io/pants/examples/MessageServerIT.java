// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The message reader, run as {@code java -jar pants-examples.jar messages-server 0 127.0.0.1}. */
class MessageServerIT {
    static final List<String> MESSAGES = List.of(
            "first message",
            "",                                  // an empty message: a length of 0 and no body
            "x",
            "ünïcødé survives as UTF-8 ✓",
            "a longer one: " + "0123456789".repeat(300),
            "last");

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void printsEachMessageSentInPiecesAsALine(String backend) throws Exception {
        try (ExampleProcess server = ExampleProcess.start(backend, "messages-server", "0", "127.0.0.1")) {
            int port = server.awaitListening("messages server", backend);
            byte[] all = frames(MESSAGES);
            try (Socket client = EchoServerIT.connect(port)) {
                client.setTcpNoDelay(true); // each write leaves as it is, so pieces reach the server apart
                OutputStream out = client.getOutputStream();
                // Cut everything into pieces of 1, 2, 3, ... 12 bytes, then again: lengths are split
                // between writes, bodies are split, and some writes hold the end of one message
                // and the start of the next.
                int off = 0, size = 1;
                while (off < all.length) {
                    int n = Math.min(size, all.length - off);
                    out.write(all, off, n);
                    out.flush();
                    off += n;
                    size = size % 12 + 1;
                }
                for (String expected : MESSAGES) {
                    assertEquals(expected, server.nextLine("the message '" + expected + "'"));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void printsWhatTheMessagesClientSends(String backend) throws Exception {
        try (ExampleProcess server = ExampleProcess.start(backend, "messages-server", "0", "127.0.0.1")) {
            int port = server.awaitListening("messages server", backend);
            try (ExampleProcess client = ExampleProcess.start(backend, "messages-client", "127.0.0.1",
                    String.valueOf(port), "hello from the client", "", "bye")) {
                assertEquals(0, client.awaitExit(), "messages-client failed: " + client.diagnostics());
            }
            assertEquals("hello from the client", server.nextLine("the client's first message"));
            assertEquals("", server.nextLine("the client's empty message"));
            assertEquals("bye", server.nextLine("the client's last message"));
        }
    }

    /** Each message as a 2-byte big-endian length and its UTF-8 bytes. */
    static byte[] frames(List<String> messages) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (String m : messages) {
            byte[] body = m.getBytes(StandardCharsets.UTF_8);
            out.writeShort(body.length);
            out.write(body);
        }
        return bytes.toByteArray();
    }
}
