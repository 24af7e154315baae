// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A small HTTP proxy on a {@link RawServer}, independent of the client: it forwards absolute-form
 * requests (rewritten to origin form, without Proxy-Authorization) and tunnels {@code CONNECT},
 * then relays the connection's bytes both ways. With credentials set it wants
 * {@code Proxy-Authorization: Basic} and answers 407 otherwise. Each request line it got, and
 * the authorization it came with, is recorded.
 */
final class TestProxy implements AutoCloseable {
    /** A request the proxy got: its request line and Proxy-Authorization (or null). */
    record Seen(String requestLine, String authorization) {}

    private final RawServer server;
    private final String expected;
    final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    /** A proxy wanting {@code user:password}, or none if {@code user} is null. */
    TestProxy(String user, String password) throws IOException {
        this.expected = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.server = new RawServer((c, index) -> serve(c));
    }

    int port() { return server.port(); }

    private void serve(RawServer.Conn c) throws Exception {
        String head;
        while ((head = c.readHead()) != null) {
            if (!serveOne(c, head)) return;
        }
    }

    /** Handles one request; whether the connection goes on to the next. */
    private boolean serveOne(RawServer.Conn c, String head) throws Exception {
        String[] lines = head.split("\r\n");
        String requestLine = lines[0];
        String auth = null;
        StringBuilder forwarded = new StringBuilder();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = colon > 0 ? lines[i].substring(0, colon) : "";
            if (name.equalsIgnoreCase("Proxy-Authorization")) {
                auth = lines[i].substring(colon + 1).strip();
            } else if (!name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Proxy-Connection")) {
                forwarded.append(lines[i]).append("\r\n");
            }
        }
        seen.add(new Seen(requestLine, auth));
        if (expected != null && !expected.equals(auth)) {
            c.in.readNBytes(RawServer.Conn.contentLength(head));
            c.send("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n");
            return false;
        }
        String[] parts = requestLine.split(" ");
        if (parts[0].equals("CONNECT")) {
            int colon = parts[1].lastIndexOf(':');
            try (Socket up = new Socket()) {
                up.connect(new InetSocketAddress(parts[1].substring(0, colon), Integer.parseInt(parts[1].substring(colon + 1))));
                c.send("HTTP/1.1 200 Connection established\r\n\r\n");
                relay(c, up);
            }
            return false;
        }
        // forwarded: a connection upstream per request, closed by the server after its answer, which
        // goes back without its "Connection: close" (the client's connection to us stays open)
        URI target = URI.create(parts[1]);
        String path = target.getRawPath().isEmpty() ? "/" : target.getRawPath();
        if (target.getRawQuery() != null) path += "?" + target.getRawQuery();
        byte[] body = c.in.readNBytes(RawServer.Conn.contentLength(head));
        byte[] answer;
        try (Socket up = new Socket()) {
            up.connect(new InetSocketAddress(target.getHost(), target.getPort() < 0 ? 80 : target.getPort()));
            up.setSoTimeout((int) io.pants.LoopThread.WAIT.toMillis());
            OutputStream out = up.getOutputStream();
            out.write((parts[0] + " " + path + " " + parts[2] + "\r\n" + forwarded + "Connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            answer = up.getInputStream().readAllBytes();
        }
        String text = new String(answer, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String responseHead = text.substring(0, end + 2).replaceAll("(?im)^Connection: close\r\n", "");
        c.send(responseHead + text.substring(end + 2));
        return true;
    }

    /** Copies bytes both ways until either side closes. */
    private static void relay(RawServer.Conn c, Socket up) throws Exception {
        Thread back = new Thread(() -> copy(quietly(up), c.out, c.socket), "test-proxy-back");
        back.setDaemon(true);
        back.start();
        copy(c.in, up.getOutputStream(), up);
        back.join(io.pants.LoopThread.WAIT.toMillis());
    }

    private static InputStream quietly(Socket s) {
        try {
            return s.getInputStream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void copy(InputStream in, OutputStream out, Socket closeAfter) {
        byte[] buf = new byte[16 * 1024];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side went away: the relay ends
        }
        try {
            closeAfter.shutdownOutput();
        } catch (IOException ignored) {
            // closed already
        }
    }

    /** The next request the proxy saw. */
    Seen next() throws InterruptedException {
        Seen s = seen.poll(io.pants.LoopThread.WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (s == null) throw new AssertionError("the proxy saw no request within " + io.pants.LoopThread.WAIT);
        return s;
    }

    void check() { server.check(); }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
