// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** echo, http-hello and jdk-hello on several event loops: --loops=N, or -Dpants.loops=N. */
class LoopsIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void echoOnTwoLoopsFromTheArgument(String backend) throws Exception {
        try (ExampleProcess echo = ExampleProcess.start(backend, "echo", "0", "127.0.0.1", "--loops=2")) {
            assertEquals("serving on 2 loops (pants-loop-0 .. pants-loop-1)", echo.nextLine("the loops line"));
            int port = echo.awaitListening("echo server", backend);
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) clients.add(EchoServerIT.connect(port));
                for (int i = 0; i < clients.size(); i++) {
                    byte[] message = ("client " + i).getBytes(StandardCharsets.UTF_8);
                    clients.get(i).getOutputStream().write(message);
                    assertArrayEquals(message, EchoServerIT.readExactly(clients.get(i), message.length), "client " + i);
                }
            } finally {
                for (Socket s : clients) s.close();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void httpHelloOnThreeLoopsFromTheProperty(String backend) throws Exception {
        try (ExampleProcess hello = ExampleProcess.start(backend, List.of("-Dpants.loops=3"), "http-hello", "0", "127.0.0.1")) {
            assertEquals("serving on 3 loops (pants-loop-0 .. pants-loop-2)", hello.nextLine("the loops line"));
            int port = hello.awaitListening("http-hello server", backend);
            assertHelloFromManyConnections(port);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void jdkHelloOnTwoLoopsFromTheArgument(String backend) throws Exception {
        try (ExampleProcess hello = ExampleProcess.start(backend, "jdk-hello", "0", "127.0.0.1", "--loops=2")) {
            assertEquals("serving on 2 loops (pants-loop-0 .. pants-loop-1)", hello.nextLine("the loops line"));
            int port = hello.awaitListening("jdk-hello", backend);
            assertHelloFromManyConnections(port);
        }
    }

    private static void assertHelloFromManyConnections(int port) throws Exception {
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) clients.add(EchoServerIT.connect(port)); // all open at once
            for (Socket s : clients) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(all.startsWith("HTTP/1.1 200 OK\r\n") && all.endsWith("\r\n\r\nHello, World!"), all);
            }
        } finally {
            for (Socket s : clients) s.close();
        }
    }
}
