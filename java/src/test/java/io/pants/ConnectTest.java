package io.pants;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

class ConnectTest {
    /**
     * A TCP socket bound to a loopback port but neither listening nor connected: it keeps the
     * port taken, and the kernel answers a connect to it with a reset (connection refused).
     */
    static SocketChannel boundButNotListening() throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.bind(new InetSocketAddress("127.0.0.1", 0));
        return ch;
    }
}
