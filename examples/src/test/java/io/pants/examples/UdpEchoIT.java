// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The UDP echo example, run as {@code java -jar pants-examples.jar udp-echo PORT [BIND_ADDRESS]}.
 * The clients are JDK DatagramSockets that send one datagram and wait for its echo (so none can
 * be dropped on loopback), each wait bounded by a receive timeout.
 */
class UdpEchoIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void echoesEveryDatagramToItsSender(String backend) throws Exception {
        try (ExampleProcess echo = ExampleProcess.start(backend, "udp-echo", "0", "127.0.0.1")) {
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", echo.awaitListening("udp echo server", backend));
            try (DatagramSocket first = client("127.0.0.1"); DatagramSocket second = client("127.0.0.1")) {
                for (int size : new int[] {0, 1, 1472, 65_507}) {
                    byte[] a = payload(size, 1), b = payload(size, 2);
                    send(second, b, server); // both in flight at once: each must come back to its own sender
                    send(first, a, server);
                    assertArrayEquals(a, receive(first, server), "first client's " + size + "-byte datagram");
                    assertArrayEquals(b, receive(second, server), "second client's " + size + "-byte datagram");
                }
            }
        }
    }

    /** Without a bind address the server listens on every interface: IPv4 and IPv6 clients alike. */
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void listensOnIpv4AndIpv6ByDefault(String backend) throws Exception {
        assumeTrue(hasIpv6Loopback(), "no IPv6 loopback (::1) on this machine");
        try (ExampleProcess echo = ExampleProcess.start(backend, "udp-echo", "0")) {
            int port = echo.awaitListening("udp echo server", backend);
            for (String host : new String[] {"127.0.0.1", "::1"}) {
                InetSocketAddress server = new InetSocketAddress(host, port);
                try (DatagramSocket c = client(host)) {
                    byte[] hello = ("hello over " + host).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    send(c, hello, server);
                    assertArrayEquals(hello, receive(c, server), "echo over " + host);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void aPortInUseIsReportedPlainly(String backend) throws Exception {
        try (DatagramSocket taken = client("127.0.0.1");
             ExampleProcess p = ExampleProcess.start(backend, "udp-echo", String.valueOf(taken.getLocalPort()), "127.0.0.1")) {
            assertEquals(1, p.awaitExit(), "exit code when the port is taken");
            String stderr = p.stderrAfterExit();
            assertTrue(stderr.contains("udp-echo: could not open a datagram socket on ") && stderr.contains(":" + taken.getLocalPort()),
                    "the error should say where it could not listen:\n" + stderr);
        }
    }

    static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i * 7 + seed);
        return b;
    }

    static DatagramSocket client(String host) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
        s.setSoTimeout((int) ExampleProcess.WAIT.toMillis());
        return s;
    }

    static void send(DatagramSocket s, byte[] data, SocketAddress to) throws IOException {
        s.send(new DatagramPacket(data, data.length, to));
    }

    /** The next datagram; a receive timeout fails the test. */
    static byte[] receive(DatagramSocket s, SocketAddress from) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
        s.receive(p);
        assertEquals(from, p.getSocketAddress(), "the echo comes from the server");
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    static boolean hasIpv6Loopback() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
