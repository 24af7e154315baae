// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Server;
import io.pants.Stream;

/**
 * An echo server: every byte a client sends comes straight back. Arguments: PORT [BIND_ADDRESS].
 * With {@code -Dpants.loops=N} (or {@code --loops=N} through {@link Main}), it serves on N event
 * loops: the same program, each connection on one loop.
 */
public class EchoServer {
    /** One connection. Subclass Stream, override the callbacks you need; all run on the loop thread. */
    static class Echo extends Stream {
        @Override protected void onRead(byte[] data) { write(data); }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        // A Server makes one Echo per accepted connection; it listens on every interface, or on
        // the one address given after the port.
        Server server = args.length > 1 ? new Server(Echo::new).listen(args[1], port)
                                        : new Server(Echo::new).listen(port);
        System.out.println("echo server listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start(); // runs the event loop on this thread (or the N loops), until the process ends
    }
}
