// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.LoopThread;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A client on a plain socket, for what real clients won't send (malformed requests, pipelining,
 * slow heads) and for reading responses byte-exactly. Every read is bounded by
 * {@link LoopThread#WAIT}.
 */
final class RawClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** An HTTP response as read off the wire. */
    record Response(String version, int status, String reason, Map<String, List<String>> headers, byte[] body,
                    Map<String, List<String>> trailers) {
        String text() { return new String(body, StandardCharsets.UTF_8); }

        /** The one value of {@code name}; fails if it came more than once; null if not at all. */
        String header(String name) {
            List<String> values = headers.get(name);
            if (values == null) return null;
            assertEquals(1, values.size(), "header " + name + " came more than once: " + values);
            return values.get(0);
        }

        @Override
        public String toString() {
            return version + " " + status + " " + reason + " " + headers + " body=" + text();
        }
    }

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) LoopThread.WAIT.toMillis());
        socket.setSoTimeout((int) LoopThread.WAIT.toMillis());
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one response to a request that was not HEAD. */
    Response read() throws IOException {
        return read(false);
    }

    /** Reads one response (an interim 1xx one too); {@code head}: it answers a HEAD request, so has no body. */
    Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) fail("the server closed the connection instead of answering");
        String[] parts = statusLine.split(" ", 3);
        assertTrue(parts.length >= 2 && parts[0].startsWith("HTTP/1."), "not a status line: '" + statusLine + "'");
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = fields();
        byte[] body;
        List<String> te = headers.get("Transfer-Encoding");
        List<String> cl = headers.get("Content-Length");
        Map<String, List<String>> trailers = Map.of();
        if (head || status < 200 || status == 204 || status == 304) {
            body = new byte[0];
        } else if (te != null) {
            assertEquals(List.of("chunked"), te, "transfer coding");
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                if (size == null) fail("the connection closed inside a chunked body after " + b.size() + " bytes");
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) break;
                b.write(exactly(n));
                assertEquals("", line(), "CRLF after chunk data");
            }
            trailers = fields();
            body = b.toByteArray();
        } else if (cl != null) {
            assertEquals(1, cl.size(), "Content-Length fields: " + cl);
            body = exactly(Integer.parseInt(cl.get(0)));
        } else {
            body = in.readAllBytes(); // delimited by the close
        }
        return new Response(parts[0], status, parts.length > 2 ? parts[2] : "", headers, body, trailers);
    }

    /** Reads a final response, skipping (and returning in {@code interim}) any 1xx before it. */
    Response readFinal(List<Response> interim) throws IOException {
        while (true) {
            Response r = read();
            if (r.status() >= 200) return r;
            interim.add(r);
        }
    }

    /** Asserts that the server closes the connection (FIN or reset) without sending anything more. */
    void assertClosedByServer() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (SocketException reset) {
            return; // a reset also ends the connection
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + LoopThread.WAIT, e);
        }
        if (b >= 0) {
            byte[] rest = in.readNBytes(Math.min(in.available(), 200));
            fail("expected the connection to close, got more bytes: '" + (char) b + new String(rest, StandardCharsets.ISO_8859_1) + "'");
        }
    }

    /** Everything until the server closes the connection. */
    byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    private Map<String, List<String>> fields() throws IOException {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String h;
        while (!(h = line()).isEmpty()) {
            int colon = h.indexOf(':');
            assertTrue(colon > 0, "not a header line: '" + h + "'");
            headers.computeIfAbsent(h.substring(0, colon), k -> new ArrayList<>()).add(h.substring(colon + 1).trim());
        }
        return headers;
    }

    /** One CRLF-terminated line, without it; null at the end of the stream. Bare LF fails. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] l = b.toByteArray();
                assertTrue(l.length > 0 && l[l.length - 1] == '\r', "a line not ended by CRLF: '" + b + "'");
                return new String(l, 0, l.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        if (b.size() > 0) fail("the connection closed in the middle of a line: '" + b + "'");
        return null;
    }

    private byte[] exactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertEquals(n, b.length, "the connection closed inside a body");
        return b;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
