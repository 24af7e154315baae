// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streams that connect: by address, by name, and every way connecting can fail. */
@ExtendWith(NoDescriptorLeaks.class)
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

    /**
     * A loopback listener that never accepts, with its accept queue full: the kernel drops
     * further SYNs, so a connect to it neither succeeds nor fails until the client gives up.
     * Backlog 1 admits two connections on Linux; we fill until a JDK connect times out rather
     * than count on that.
     */
    static final class Unresponsive implements AutoCloseable {
        final ServerSocket listener;
        private final List<Socket> queued = new ArrayList<>();

        Unresponsive() throws IOException {
            listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
            for (int i = 0; ; i++) {
                if (i == 16) {
                    close();
                    throw new AssertionError("the accept queue of a backlog-1 listener took 16 connections");
                }
                Socket s = new Socket();
                try {
                    s.connect(listener.getLocalSocketAddress(), 200);
                    queued.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return;
                }
            }
        }

        SocketAddress address() { return listener.getLocalSocketAddress(); }

        @Override
        public void close() throws IOException {
            for (Socket s : queued) s.close();
            listener.close();
        }
    }

    @BackendTest
    void connectsByIpLiteralByNameAndBySocketAddress(String backend) throws Exception {
        InetAddress localhost = InetAddress.getByName("localhost"); // whichever loopback address it names here
        assertTrue(localhost.isLoopbackAddress(), "localhost resolves to " + localhost);
        List<Function<Integer, Object>> targets = List.of(
                port -> new Object[] {"127.0.0.1", port},
                port -> new Object[] {"localhost", port},
                port -> new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                port -> InetSocketAddress.createUnresolved("localhost", port));
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, EchoTest.Echo::new).listen(new InetSocketAddress(localhost, 0)).port());
            for (int i = 0; i < targets.size(); i++) {
                Object target = targets.get(i).apply(port);
                String what = target instanceof Object[] hp ? hp[0] + ", " + hp[1] : String.valueOf(target);
                byte[] message = EchoTest.messageFor(i);
                EchoTest.EchoClient client = loop.call(() -> {
                    EchoTest.EchoClient c = new EchoTest.EchoClient(loop.engine, message);
                    if (target instanceof Object[] hp) c.connect((String) hp[0], (Integer) hp[1]);
                    else c.connect((SocketAddress) target);
                    assertFalse(c.isConnected(), "connect() returns before the connection is made");
                    return c;
                });
                assertArrayEquals(message, Await.get(client.result, "the echo through a stream connected to " + what), "echo via " + what);
                SocketAddress remote = loop.call(client::remoteAddress);
                assertEquals(new InetSocketAddress(localhost, port), remote, "remoteAddress() of the stream connected to " + what);
            }
        }
    }

    @BackendTest
    void refusedConnectionReportsConnectExceptionThenCloses(String backend) throws Exception {
        Recorder client;
        try (LoopThread loop = new LoopThread(backend); SocketChannel bound = boundButNotListening()) {
            SocketAddress target = bound.getLocalAddress();
            client = loop.call(() -> {
                Recorder r = new Recorder(loop.engine);
                r.connect(target);
                return r;
            });
            assertEquals(List.of("connectError ConnectException", "close"), Await.get(client.closed, "onClose"));
        }
        assertEquals(1, client.closes.get(), "onClose calls");
    }

    @BackendTest
    void connectTimeoutReportsSocketTimeoutExceptionThenCloses(String backend) throws Exception {
        Recorder client;
        try (LoopThread loop = new LoopThread(backend); Unresponsive server = new Unresponsive()) {
            client = loop.call(() -> {
                Recorder r = new Recorder(loop.engine);
                r.connectTimeout(Duration.ofMillis(300)).connect(server.address());
                return r;
            });
            assertEquals(List.of("connectError SocketTimeoutException", "close"), Await.get(client.closed, "onClose"));
        }
        assertEquals(1, client.closes.get(), "onClose calls");
    }

    @BackendTest
    void unknownHostReportsUnknownHostExceptionThenCloses(String backend) throws Exception {
        Recorder client;
        try (LoopThread loop = new LoopThread(backend)) {
            client = loop.call(() -> {
                Recorder r = new Recorder(loop.engine);
                r.connect("no-such-host.invalid", 80); // .invalid never resolves (RFC 6761)
                return r;
            });
            assertEquals(List.of("connectError UnknownHostException", "close"), Await.get(client.closed, "onClose"));
        }
        assertEquals(1, client.closes.get(), "onClose calls");
    }

    @BackendTest
    void closeWhileConnectingClosesOnceWithoutConnectOrError(String backend) throws Exception {
        Recorder client;
        try (LoopThread loop = new LoopThread(backend); Unresponsive server = new Unresponsive()) {
            client = loop.call(() -> {
                Recorder r = new Recorder(loop.engine);
                r.connect(server.address()); // an address: connecting starts at once
                return r;
            });
            // a later turn: the connect is under way (the SYN is dropped, nothing can complete it)
            assertEquals(List.of(), loop.call(() -> List.copyOf(client.events)), "events while connecting");
            loop.run(client::close);
            assertEquals(List.of("close"), Await.get(client.closed, "onClose"));
            assertTrue(loop.call(client::isClosed), "isClosed()");
        }
        assertEquals(1, client.closes.get(), "onClose calls");
        assertEquals(List.of("close"), client.events, "events once the engine closed");
    }

    @BackendTest
    void closeWhileResolvingClosesOnceAndTheLookupDoesNotRevive(String backend) throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        Recorder closedEarly;
        try (LoopThread loop = new LoopThread(backend)) {
            InetAddress localhost = InetAddress.getByName("localhost");
            int port = loop.call(() -> new Server(loop.engine, () -> {
                accepted.incrementAndGet();
                return new Recorder();
            }).listen(new InetSocketAddress(localhost, 0)).port());
            closedEarly = loop.call(() -> {
                Recorder r = new Recorder(loop.engine);
                r.connect("localhost", port); // a name: resolved on another thread
                r.close();
                return r;
            });
            assertEquals(List.of("close"), Await.get(closedEarly.closed, "onClose"));
            // A second stream resolving the same name: once it is connected, the first lookup
            // has most likely returned too, and must not have connected the closed stream.
            Recorder later = loop.call(() -> {
                Recorder r = new Recorder(loop.engine);
                r.connect("localhost", port);
                return r;
            });
            Await.get(later.connected, "the second stream to connect");
            loop.run(later::close);
            Await.get(later.closed, "the second stream to close");
        }
        assertEquals(1, closedEarly.closes.get(), "onClose calls");
        assertEquals(List.of("close"), closedEarly.events, "events of the stream closed while resolving");
        assertEquals(1, accepted.get(), "connections the server accepted");
    }
}
