// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Server;
import io.pants.Stream;
import io.pants.Struct;

import java.util.Arrays;

/**
 * Reads length-prefixed messages and prints each one as a line on standard output. Arguments:
 * PORT [BIND_ADDRESS].
 *
 * <p>A message is a 2-byte big-endian unsigned length, then that many bytes. The reader switches
 * its read delimiter back and forth inside {@code onRead}: first "give me the 2-byte length",
 * then "give me exactly that many bytes", then the length again. The stream does the buffering:
 * however the bytes arrive (a message split over many packets, or several in one), each
 * {@code onRead} gets exactly one length or one message body.
 */
public class MessageServer {
    /** The length in front of every message: an unsigned 16-bit integer in network byte order. */
    static final Struct LENGTH = Struct.of("!H");

    /** One connection. */
    static class MessageReader extends Stream {
        /** What the next onRead holds: a length (true) or a message body (false). */
        private boolean expectingLength;

        @Override protected void onConnect() {
            readLength();
        }

        @Override protected void onRead(byte[] data) {
            if (expectingLength) {
                int length = LENGTH.unpack(data).getInt(0);
                if (length == 0) {
                    print(new byte[0]); // an empty message: no body to wait for
                    return;
                }
                expectingLength = false;
                readDelimiter(length); // the next onRead gets exactly the message's bytes
            } else {
                print(data);
                readLength();
            }
        }

        private void readLength() {
            expectingLength = true;
            readDelimiter(LENGTH); // the next onRead gets exactly LENGTH.size() == 2 bytes
        }

        /** Prints the message's own bytes and a newline, whatever the platform's default charset. */
        private static void print(byte[] message) {
            byte[] line = Arrays.copyOf(message, message.length + 1);
            line[message.length] = '\n';
            System.out.writeBytes(line); // System.out flushes on every write
        }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Server server = args.length > 1 ? new Server(MessageReader::new).listen(args[1], port)
                                        : new Server(MessageReader::new).listen(port);
        System.out.println("messages server listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
