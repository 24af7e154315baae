// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Datagram;
import io.pants.Engine;

import java.net.SocketAddress;

/** A UDP echo server: every datagram goes straight back to its sender. Arguments: PORT [BIND_ADDRESS]. */
public class UdpEchoServer {
    /** The socket. Subclass Datagram, override onRead; it runs on the loop thread. */
    static class Echo extends Datagram {
        @Override protected void onRead(byte[] data, SocketAddress sender) {
            // UDP may drop datagrams, and so may we: when more replies are queued than the high
            // water mark, drop this one rather than let the queue grow without bound
            if (isWritable()) write(data, sender);
        }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        // every interface (IPv6 and IPv4), or the one address given after the port
        Echo echo = new Echo();
        if (args.length > 1) echo.listen(args[1], port);
        else echo.listen(port);
        System.out.println("udp echo server listening on port " + echo.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start(); // runs the event loop on this thread, until the process ends
    }
}
