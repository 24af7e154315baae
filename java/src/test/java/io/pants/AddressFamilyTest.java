// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IPv4, IPv6, dual-stack and Unix domain sockets, with the addresses streams report. */
@ExtendWith(NoDescriptorLeaks.class)
class AddressFamilyTest {
    private static final InetAddress V4 = loopback("127.0.0.1"), V6 = loopback("::1");

    private static InetAddress loopback(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** An echo server that adds each stream it makes to {@code made}. */
    private static Server echoServer(LoopThread loop, List<Stream> made) {
        return new Server(loop.engine, () -> {
            Stream s = new EchoTest.Echo();
            synchronized (made) {
                made.add(s);
                made.notifyAll();
            }
            return s;
        });
    }

    /** The {@code index}th stream the server made, waiting for it (bounded). */
    private static Stream made(List<Stream> made, int index) throws InterruptedException {
        long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
        synchronized (made) {
            while (made.size() <= index) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("the server made only " + made.size() + " streams, waiting for #" + (index + 1));
                made.wait(Math.max(1, left / 1_000_000));
            }
            return made.get(index);
        }
    }

    /** Echo through a JDK client, then through a client stream; checks every address on the way. */
    private static void echoAndCheckAddresses(String backend, InetAddress ip) throws Exception {
        List<Stream> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> echoServer(loop, made).listen(new InetSocketAddress(ip, 0)));
            int port = loop.call(server::port);
            InetSocketAddress listening = new InetSocketAddress(ip, port);
            assertEquals(listening, loop.call(server::localAddress), "server.localAddress()");

            try (Socket jdk = new Socket()) {
                jdk.connect(listening, 5000);
                jdk.setSoTimeout((int) LoopThread.WAIT.toMillis());
                byte[] message = EchoTest.messageFor(1);
                assertArrayEquals(message, EchoTest.exchange(jdk, message), "echo to the JDK client over " + ip);
                Stream accepted = made(made, 0);
                assertEquals(listening, loop.call(accepted::localAddress), "localAddress() of the accepted stream");
                assertEquals(jdk.getLocalSocketAddress(), loop.call(accepted::remoteAddress), "remoteAddress() of the accepted stream");
            }

            byte[] message = EchoTest.messageFor(2);
            EchoTest.EchoClient client = loop.call(() -> {
                EchoTest.EchoClient c = new EchoTest.EchoClient(loop.engine, message);
                c.connect(ip.getHostAddress(), port);
                return c;
            });
            assertArrayEquals(message, Await.get(client.result, "the echo to a client stream over " + ip), "echo to the client stream");
            Stream accepted = made(made, 1);
            SocketAddress[] ends = loop.call(() -> new SocketAddress[] {
                    client.localAddress(), client.remoteAddress(), accepted.localAddress(), accepted.remoteAddress()});
            assertEquals(listening, ends[1], "remoteAddress() of the client stream");
            assertEquals(listening, ends[2], "localAddress() of the accepted stream");
            assertEquals(ends[3], ends[0], "the client stream's localAddress() is the accepted stream's remoteAddress()");
            assertEquals(ip, ((InetSocketAddress) ends[0]).getAddress(), "the client stream's local IP");
        }
    }

    @BackendTest
    void ipv4LoopbackReportsItsAddresses(String backend) throws Exception {
        echoAndCheckAddresses(backend, V4);
    }

    @BackendTest
    void ipv6LoopbackReportsItsAddresses(String backend) throws Exception {
        echoAndCheckAddresses(backend, V6);
    }

    @BackendTest
    void wildcardListenerIsReachableOverIpv4AndIpv6(String backend) throws Exception {
        List<Stream> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> echoServer(loop, made).listen(0));
            int port = loop.call(server::port);
            InetSocketAddress local = (InetSocketAddress) loop.call(server::localAddress);
            assertTrue(local.getAddress().isAnyLocalAddress(), "server.localAddress() of a wildcard listener: " + local);
            int index = 0;
            for (InetAddress ip : List.of(V4, V6)) {
                try (Socket jdk = new Socket()) {
                    jdk.connect(new InetSocketAddress(ip, port), 5000);
                    jdk.setSoTimeout((int) LoopThread.WAIT.toMillis());
                    byte[] message = EchoTest.messageFor(index);
                    assertArrayEquals(message, EchoTest.exchange(jdk, message), "echo over " + ip);
                    // an IPv4 peer of a dual-stack socket is reported as IPv4, not as ::ffff:127.0.0.1
                    Stream accepted = made(made, index++);
                    assertEquals(jdk.getLocalSocketAddress(), loop.call(accepted::remoteAddress), "remoteAddress() of the stream accepted over " + ip);
                }
            }
        }
    }

    @BackendTest
    void unixDomainSocketsServeStreamAndJdkClientsAndRemoveTheirFile(String backend, @TempDir Path dir) throws Exception {
        Path path = dir.resolve("echo.sock");
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
        List<Stream> made = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend)) {
            Server server = loop.call(() -> echoServer(loop, made).listen(address));
            assertTrue(Files.exists(path), "the socket file exists while listening");
            assertEquals(address, loop.call(server::localAddress), "server.localAddress()");
            assertThrows(IllegalStateException.class, () -> loop.call(server::port), "port() of a server on a Unix socket only");

            byte[] message = EchoTest.messageFor(3);
            EchoTest.EchoClient client = loop.call(() -> {
                EchoTest.EchoClient c = new EchoTest.EchoClient(loop.engine, message);
                c.connect(address);
                return c;
            });
            assertArrayEquals(message, Await.get(client.result, "the echo to a client stream over " + path), "echo to the client stream");
            assertEquals(address, loop.call(client::remoteAddress), "remoteAddress() of the client stream");
            Stream accepted = made(made, 0);
            assertEquals(address, loop.call(accepted::localAddress), "localAddress() of the accepted stream");

            try (SocketChannel jdk = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                jdk.connect(address);
                byte[] other = EchoTest.messageFor(4);
                jdk.write(ByteBuffer.wrap(other));
                // a SocketChannel read has no timeout: read on another thread, wait bounded
                // (closing the channel at the end of the block releases a read that hangs)
                CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                    ByteBuffer back = ByteBuffer.allocate(other.length);
                    try {
                        while (back.hasRemaining()) {
                            if (jdk.read(back) < 0) throw new IOException("end of stream after " + back.position() + " bytes");
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return back.array();
                });
                assertArrayEquals(other, Await.get(echoed, "the echo to the JDK client over " + path), "echo to the JDK client");
            }

            loop.run(server::close);
            assertFalse(Files.exists(path), "the socket file after server.close()");
            // with the file gone, the path can be listened on again
            Server again = loop.call(() -> new Server(loop.engine, EchoTest.Echo::new).listen(address));
            loop.run(again::close);
            assertFalse(Files.exists(path), "the socket file after the second server closed");
        }
    }
}
