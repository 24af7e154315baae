// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(NoDescriptorLeaks.class)
class EchoTest {
    /** Enough concurrent clients to need many registrations and turns with several streams ready at once. */
    private static final int CLIENTS = 200;

    static class Echo extends Stream {
        @Override
        protected void onRead(byte[] data) { write(data); }
    }

    @BackendTest
    void echoesOneClient(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, Echo::new).listen("127.0.0.1", 0).port());
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                c.setSoTimeout(10_000);
                c.getOutputStream().write("hello, pants".getBytes(StandardCharsets.UTF_8));
                byte[] back = new byte[12];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertEquals("hello, pants", new String(back, StandardCharsets.UTF_8));
            }
        }
    }

    @BackendTest
    void echoesTwoClientsOneAfterTheOther(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            AtomicInteger made = new AtomicInteger();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                made.incrementAndGet();
                return new Echo();
            }).listen("127.0.0.1", 0).port());
            for (int client = 0; client < 2; client++) {
                try (Socket c = connect(port)) {
                    for (int round = 0; round < 3; round++) {
                        byte[] message = ("client " + client + ", round " + round).getBytes(StandardCharsets.UTF_8);
                        assertArrayEquals(message, exchange(c, message), "echo for client " + client + ", round " + round);
                    }
                }
            }
            // each client had a stream of its own: the second was not served by one left over from the first
            assertEquals(2, made.get(), "streams the server made");
        }
    }

    @BackendTest
    void echoes200ConcurrentJdkClients(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, Echo::new).listen("127.0.0.1", 0).port());
            List<Socket> clients = new ArrayList<>();
            try {
                // all connected at once before anyone writes: the server holds 200 open streams
                for (int i = 0; i < CLIENTS; i++) clients.add(connect(port));
                // one thread suffices: each message is far smaller than the socket buffers
                for (int i = 0; i < CLIENTS; i++) clients.get(i).getOutputStream().write(messageFor(i));
                for (int i = 0; i < CLIENTS; i++) {
                    byte[] expected = messageFor(i);
                    byte[] back = new byte[expected.length];
                    new DataInputStream(clients.get(i).getInputStream()).readFully(back);
                    assertArrayEquals(expected, back, "client " + i + " got someone else's data (or a damaged echo)");
                }
            } finally {
                for (Socket c : clients) c.close();
            }
        }
    }

    /** Client streams on an engine of their own (same backend), against the server's engine. */
    @BackendTest
    void echoes200ConcurrentStreamClients(String backend) throws Exception {
        try (LoopThread serverLoop = new LoopThread(backend); LoopThread clientLoop = new LoopThread(backend)) {
            int port = serverLoop.call(() -> new Server(serverLoop.engine, Echo::new).listen("127.0.0.1", 0).port());
            List<CompletableFuture<byte[]>> results = new ArrayList<>();
            clientLoop.run(() -> {
                for (int i = 0; i < CLIENTS; i++) {
                    EchoClient c = new EchoClient(clientLoop.engine, messageFor(i));
                    results.add(c.result);
                    c.connect("127.0.0.1", port);
                }
            });
            for (int i = 0; i < CLIENTS; i++) {
                assertArrayEquals(messageFor(i), Await.get(results.get(i), "the echo for client stream " + i),
                        "client stream " + i + " got someone else's data (or a damaged echo)");
            }
        }
    }

    /** Sends its message on connect, collects exactly as many bytes back, then closes. */
    static final class EchoClient extends Stream {
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final byte[] message;
        private byte[] received = new byte[0];

        EchoClient(Engine engine, byte[] message) {
            super(engine);
            this.message = message;
        }

        @Override
        protected void onConnect() { write(message); }

        @Override
        protected void onRead(byte[] data) {
            received = concat(received, data);
            if (received.length >= message.length) {
                result.complete(received);
                close();
            }
        }

        @Override
        protected void onConnectError(IOException cause) { result.completeExceptionally(cause); }

        @Override
        protected void onClose() {
            if (!result.isDone()) result.completeExceptionally(new IOException("closed after " + received.length + " bytes"));
        }
    }

    /** Distinct for every client, in content and in length, so mixed-up replies can't match. */
    static byte[] messageFor(int client) {
        return TestData.bytes(client * 100_003L, 1000 + client * 7);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static Socket connect(int port) throws IOException {
        Socket c = new Socket();
        c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        c.setSoTimeout((int) LoopThread.WAIT.toMillis());
        return c;
    }

    static byte[] exchange(Socket c, byte[] message) throws IOException {
        c.getOutputStream().write(message);
        byte[] back = new byte[message.length];
        new DataInputStream(c.getInputStream()).readFully(back);
        return back;
    }
}
