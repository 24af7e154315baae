// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.LoopThread;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server on a plain {@link ServerSocket} that plays a script per connection: for what no real
 * server sends (malformed heads, bodies longer or shorter than announced, closes at the worst
 * moment). A thread per connection; every read is bounded by {@link LoopThread#WAIT}.
 */
final class RawServer implements AutoCloseable {
    /** What the server does on its {@code index}-th connection (from 0). */
    interface Script {
        void run(Conn c, int index) throws Exception;
    }

    /** One accepted connection, with helpers to read requests and write raw bytes. */
    static final class Conn {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        private final java.util.concurrent.Semaphore arrived;

        Conn(Socket socket, java.util.concurrent.Semaphore arrived) throws IOException {
            this.socket = socket;
            this.arrived = arrived;
            socket.setSoTimeout((int) LoopThread.WAIT.toMillis());
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** The next request's head (through its empty line), or null at end of stream. */
        String readHead() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c, state = 0;
            while ((c = in.read()) >= 0) {
                b.write(c);
                state = switch (state) {
                    case 0 -> c == '\r' ? 1 : 0;
                    case 1 -> c == '\n' ? 2 : c == '\r' ? 1 : 0;
                    case 2 -> c == '\r' ? 3 : 0;
                    case 3 -> c == '\n' ? 4 : c == '\r' ? 1 : 0;
                    default -> 0;
                };
                if (state == 4) {
                    arrived.release();
                    return b.toString(StandardCharsets.ISO_8859_1);
                }
            }
            if (b.size() == 0) return null;
            throw new IOException("end of stream inside a request head: " + b.toString(StandardCharsets.ISO_8859_1));
        }

        /** The head's Content-Length, or 0. */
        static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                    return Integer.parseInt(line.substring(colon + 1).strip());
                }
            }
            return 0;
        }

        /** Reads a request and its Content-Length body; returns the head, or null at end of stream. */
        String readRequest() throws IOException {
            String head = readHead();
            if (head != null) in.readNBytes(contentLength(head));
            return head;
        }

        void send(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        void send(byte[] raw) throws IOException {
            out.write(raw);
            out.flush();
        }

        /** Waits for the client to close its side (end of stream or reset); fails after the wait. */
        void awaitClientClose() throws IOException {
            try {
                while (in.read() >= 0) {
                    // drain what the client still sends
                }
            } catch (SocketException reset) {
                // closed with a reset: closed all the same
            }
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    /** The request heads the scripts read, in order (scripts add them with {@link #record}). */
    final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger accepted = new AtomicInteger();
    /** A permit per request head read by any script. */
    final java.util.concurrent.Semaphore arrived = new java.util.concurrent.Semaphore(0);

    RawServer(Script script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                sockets.add(s);
                int index = accepted.getAndIncrement();
                Thread t = new Thread(() -> {
                    try (s) {
                        script.run(new Conn(s, arrived), index);
                    } catch (Throwable e) {
                        if (!server.isClosed()) errors.add(e);
                    }
                }, "raw-server-conn-" + index);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }, "raw-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() { return server.getLocalPort(); }

    String url(String path) { return "http://127.0.0.1:" + port() + path; }

    int accepted() { return accepted.get(); }

    void record(String head) {
        if (head != null) requests.add(head);
    }

    /** The next request head a script recorded. */
    String nextRequest() throws InterruptedException {
        String r = requests.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) throw new AssertionError("the raw server saw no request within " + LoopThread.WAIT);
        return r;
    }

    /** Waits until some script read a request (scripts that call {@link Conn#readRequest} count: see {@link #arrived}). */
    void nextRequestArrives() throws InterruptedException {
        if (!arrived.tryAcquire(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("no request reached the raw server within " + LoopThread.WAIT);
        }
    }

    /** Fails if a script failed (its assertion, or a read that timed out). */
    void check() {
        Throwable e = errors.peek();
        if (e != null) throw new AssertionError("a raw server script failed: " + e, e);
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : sockets) s.close();
        acceptor.join(LoopThread.WAIT.toMillis());
        for (Thread t : threads) t.join(LoopThread.WAIT.toMillis());
    }
}
