// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Connections that are opened and then never used: what a server holds for clients that are
 * connected but quiet. Opened in batches, each batch waited for on the server's side, so that
 * the listen backlog never overflows (an overflow costs a one-second SYN retry per connection).
 */
final class IdleConnections implements AutoCloseable {
    private static final int BATCH = 500;
    private final List<SocketChannel> channels = new ArrayList<>();

    /** Opens {@code count} connections to 127.0.0.1:port and waits until {@code server} counts them. */
    IdleConnections(ServerProcess server, int count, int alreadyOpen) throws IOException, InterruptedException {
        try {
            while (channels.size() < count) {
                int batch = Math.min(BATCH, count - channels.size());
                for (int i = 0; i < batch; i++) channels.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port)));
                server.awaitConnections(alreadyOpen + channels.size());
            }
        } catch (IOException | InterruptedException e) {
            close();
            throw e;
        }
    }

    int size() { return channels.size(); }

    @Override
    public void close() throws IOException {
        for (SocketChannel ch : channels) ch.close();
    }
}
