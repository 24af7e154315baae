// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Stream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sends messages to a {@link MessageServer}: each MESSAGE argument, or else each line of
 * standard input, as a 2-byte big-endian length and the message's UTF-8 bytes. Closes the
 * connection and exits once everything has been written. Arguments: HOST PORT [MESSAGE...].
 *
 * <p>Exit code 0 when every message was written, 1 when connecting failed, the connection
 * closed early, or a message was too long for the 2-byte length.
 */
public class MessageClient {
    /** The most a 2-byte unsigned length can say. */
    static final int MAX_LENGTH = 0xffff;

    /** The connection to the server. */
    static class MessageWriter extends Stream {
        /** The messages to send, or null to send the lines of standard input. */
        private final List<String> messages;
        private boolean connected, inputDone;
        boolean allWritten;
        boolean tooLong;

        MessageWriter(List<String> messages) {
            this.messages = messages;
        }

        @Override protected void onConnect() {
            connected = true;
            if (messages != null) {
                messages.forEach(this::send);
                inputDone();
                return;
            }
            // Reading standard input blocks, and nothing may block the loop thread: a thread of
            // its own reads the lines and hands each one to the loop with execute(), the one
            // way other threads talk to streams. (It does not wait for the data to go out: fine
            // for lines typed or piped in; a bulk sender would pause until onDrain().)
            Engine engine = engine();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        String message = line;
                        engine.execute(() -> send(message));
                    }
                } catch (IOException e) {
                    System.err.println("messages-client: reading standard input failed: " + e.getMessage());
                }
                engine.execute(this::inputDone);
            }, "stdin-reader");
            reader.setDaemon(true); // don't keep the process alive if the connection ends first
            reader.start();
        }

        private void send(String message) {
            if (isClosed()) return; // the server hung up; onClose has already reported it
            byte[] body = message.getBytes(StandardCharsets.UTF_8);
            if (body.length > MAX_LENGTH) {
                System.err.println("messages-client: skipping a message of " + body.length
                        + " bytes: the 2-byte length allows at most " + MAX_LENGTH);
                tooLong = true;
                return;
            }
            write(MessageServer.LENGTH.pack(body.length));
            write(body); // both only queue the bytes; they go out when this loop turn ends
        }

        private void inputDone() {
            inputDone = true;
            if (queuedBytes() == 0) finish(); // else onWrite() finishes once the queue is written
        }

        @Override protected void onWrite() {
            if (inputDone) finish();
        }

        private void finish() {
            if (isClosed()) return;
            allWritten = true;
            close();
        }

        @Override protected void onConnectError(IOException cause) {
            System.err.println("messages-client: could not connect to " + remoteAddress() + ": " + cause.getMessage());
        }

        @Override protected void onClose() {
            if (connected && !allWritten) {
                System.err.println("messages-client: the connection closed before every message was written");
            }
            engine().stop(); // makes Engine.start() return
        }
    }

    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        List<String> messages = args.length > 2 ? List.of(args).subList(2, args.length) : null;

        MessageWriter writer = new MessageWriter(messages);
        writer.connect(host, port); // returns at once; onConnect() or onConnectError() follows
        Engine.instance().start();  // until onClose() stops it
        System.exit(writer.allWritten && !writer.tooLong ? 0 : 1);
    }
}
