// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Server;
import io.pants.Stream;

/**
 * A TCP proxy: each client connection is relayed to an upstream server and back, with
 * backpressure in both directions, and a half-close passed on in each: a client that sends its
 * request and shuts its output down gets the whole answer. Arguments: PORT UPSTREAM_HOST
 * UPSTREAM_PORT [BIND_ADDRESS].
 */
public class TcpProxy {
    /** One end of a relayed connection: what it reads goes out through its peer, the other end. */
    static class Relay extends Stream {
        Relay peer;

        Relay() {
            // what onRead reads fills the other end's queue, not this one's: the pausing is done
            // across the two ends, below, instead of by each end for itself
            autoPause(false);
        }

        @Override protected void onRead(byte[] data) {
            peer.write(data);
            if (!peer.isWritable()) pauseReading(); // the other end is backed up: take no more for now
        }

        /** Our queue went down to the low water mark: the end that fills it may read again. */
        @Override protected void onDrain() { peer.resumeReading(); }

        /** This side sent all it had: so does the other end, after what it has queued. */
        @Override protected void onEndOfInput() { peer.shutdownOutput(); }

        /** An end closes once both directions are done (or on an error): the other one follows. */
        @Override protected void onClose() { peer.close(); }
    }

    /** The end a client connected to; it connects the other end to the upstream server. */
    static class Downstream extends Relay {
        private final String upstreamHost;
        private final int upstreamPort;

        Downstream(String upstreamHost, int upstreamPort) {
            this.upstreamHost = upstreamHost;
            this.upstreamPort = upstreamPort;
        }

        @Override protected void onConnect() {
            Relay upstream = new Relay();
            upstream.peer = this;
            peer = upstream;
            upstream.connect(upstreamHost, upstreamPort); // what the client sends meanwhile is queued
        }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        String upstreamHost = args[1];
        if (!Main.isPort(args[2])) Main.fail("'" + args[2] + "' is not a port number (0 to 65535)");
        int upstreamPort = Integer.parseInt(args[2]);
        Server server = new Server(() -> new Downstream(upstreamHost, upstreamPort));
        if (args.length > 3) server.listen(args[3], port);
        else server.listen(port);
        System.out.println("tcp proxy listening on port " + server.port() + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
