// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pants.Engine;
import io.pants.LoopThread;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes a real {@link HttpConnection} end to end: each input is written as it is to a fresh
 * loopback connection to one {@link HttpServer} (on the default backend), the client half-closes,
 * and reads the answer to the end.
 *
 * <p>Property: the answer is a sequence of well-formed HTTP/1.1 responses (status line, header
 * fields, a body framed by Content-Length, by chunks, or by the close after a response that says
 * {@code Connection: close}), followed by the server closing the connection; or nothing but the
 * close. The server never stays silent and open. (A reset instead of the close may lose what was
 * in flight: then what did arrive must be well-formed as far as it goes.) The handler answers on
 * three paths: whole responses, streamed ones (chunked, or close-delimited for HTTP/1.0) and
 * decoded forms.
 */
class HttpConnectionFuzzTest {
    /** Well within the server's patience; a server that neither answers nor closes fails here. */
    private static final int READ_TIMEOUT_MS = 10_000;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 [1-5][0-9][0-9] [\\x20-\\x7e]*");
    private static final Pattern FIELD = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+: ?[\\x20-\\x7e\\t\\x80-\\xff]*");
    /** Every response the handler makes carries the method it answered: a HEAD response has no body. */
    private static final String METHOD_FIELD = "X-Fuzz-Method";

    private static LoopThread loop;
    private static int port;

    @BeforeAll
    static void startServer() throws Exception {
        loop = new LoopThread(new Engine());
        port = loop.call(() -> new HttpServer(loop.engine, HttpConnectionFuzzTest::handle)
                .maxHeaderLineSize(256).maxHeaderSize(1024).maxBodySize(4096)
                .headerTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(5))
                .listen("127.0.0.1", 0).port());
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (loop != null) loop.close();
    }

    private static void handle(HttpRequest r) {
        r.sendHeader(METHOD_FIELD, r.method());
        String summary = r.method() + " " + r.path() + " " + r.body().length + "\n";
        if (r.path().startsWith("/form")) {
            FormData form;
            try {
                form = r.form();
            } catch (HttpException e) {
                // answered here, not thrown: the server's answer to a thrown error carries no
                // method field, and one to HEAD has no body, so the reader could not frame it
                r.sendResponse(e.getMessage(), e.status(), "text/plain");
                return;
            }
            r.sendResponse(summary + form, 200, "text/plain");
        } else if (r.path().startsWith("/stream")) {
            r.send(summary);
            r.engine().callback(() -> {
                if (r.isAborted()) return;
                r.send("the rest");
                r.finish();
            });
        } else {
            r.sendResponse(summary, 200, "text/plain");
        }
    }

    @FuzzTest(maxDuration = "5m")
    void answerIsWellFormedResponsesThenClose(byte[] request) throws IOException {
        Answer answer;
        try (SilentCloseable allowed = BugDetectors.allowNetworkConnections(); Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
            s.setSoTimeout(READ_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                s.shutdownOutput();
            } catch (SocketException closedOnUs) {
                // the server may refuse and close before it has read everything: its answer still counts
            }
            answer = readToClose(s.getInputStream());
        }
        answer.assertWellFormed();
    }

    /** Everything until the close, or until a reset (the answer then says so). */
    private static Answer readToClose(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) got.write(buf, 0, n);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither finished its answer nor closed within " + READ_TIMEOUT_MS + " ms; so far: "
                    + got.toString(StandardCharsets.ISO_8859_1), e);
        } catch (SocketException reset) {
            // a reset may throw away what was in flight: what came before it must be well-formed
            // as far as it goes
            return new Answer(got.toByteArray(), true);
        }
        return new Answer(got.toByteArray(), false);
    }

    /** A strict reader of a server's answer. */
    private static final class Answer {
        private final byte[] b;
        private final boolean reset;
        private int p;

        Answer(byte[] b, boolean reset) {
            this.b = b;
            this.reset = reset;
        }

        void assertWellFormed() {
            try {
                responses();
            } catch (CutShort e) {
                if (!reset) throw new AssertionError(e.getMessage() + " in '" + new String(b, StandardCharsets.ISO_8859_1) + "'");
            }
        }

        /** The answer ended inside a response: a failure, unless a reset cut it short. */
        private static final class CutShort extends RuntimeException {
            CutShort(String message) { super(message, null, false, false); }
        }

        private void responses() {
            List<String> seen = new ArrayList<>();
            while (p < b.length) {
                String status = line();
                assertTrue(STATUS_LINE.matcher(status).matches(), "not a status line: '" + status + "' after " + seen);
                int code = Integer.parseInt(status.substring(9, 12));
                List<String> fields = new ArrayList<>();
                for (String f; !(f = line()).isEmpty(); ) {
                    assertTrue(FIELD.matcher(f).matches(), "not a header field: '" + f + "' in " + status);
                    fields.add(f);
                }
                seen.add(status);
                if (code < 200) {
                    assertEquals(100, code, "the only interim response is 100 Continue");
                    continue;
                }
                String method = value(fields, METHOD_FIELD), length = value(fields, "Content-Length");
                String coding = value(fields, "Transfer-Encoding");
                boolean close = "close".equals(value(fields, "Connection"));
                assertTrue(length == null || coding == null, "both Content-Length and Transfer-Encoding: " + fields);
                if (code == 204 || code == 304) {
                    assertTrue(length == null && coding == null, code + " with body framing: " + fields);
                } else if (coding != null) {
                    assertEquals("chunked", coding, "transfer coding");
                    if (!"HEAD".equals(method)) chunks();
                } else if (length != null) {
                    assertTrue(length.matches("[0-9]{1,18}"), "Content-Length: " + length);
                    int n = Integer.parseInt(length);
                    if (!"HEAD".equals(method)) {
                        // the server's own error answers carry no method field: one to a HEAD
                        // request may go without its body (RFC 9110 9.3.2), then it is the last thing sent
                        boolean headError = method == null && close && p == b.length;
                        if (!headError) {
                            if (b.length - p < n) throw new CutShort("a body of " + n + " bytes cut short at " + (b.length - p) + " in " + status);
                            p += n;
                        }
                    }
                } else {
                    assertTrue(close, "a body framed by neither length, chunks nor close: " + status + " " + fields);
                    p = b.length; // the body runs to the close
                }
                if (close) assertEquals(b.length, p, "bytes after a response that closes: " + status);
            }
        }

        private void chunks() {
            while (true) {
                String size = line();
                assertTrue(size.matches("[0-9a-f]{1,8}"), "chunk size line '" + size + "'");
                int n = Integer.parseInt(size, 16);
                if (n == 0) break;
                if (b.length - p < n + 2) throw new CutShort("a chunk of " + n + " bytes cut short");
                p += n;
                assertEquals("", line(), "CRLF after chunk data");
            }
            for (String f; !(f = line()).isEmpty(); ) assertTrue(FIELD.matcher(f).matches(), "not a trailer field: '" + f + "'");
        }

        /** The value of the one field {@code name}, or null; fails if it came more than once. */
        private static String value(List<String> fields, String name) {
            String found = null;
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String f : fields) {
                if (!f.toLowerCase(Locale.ROOT).startsWith(prefix)) continue;
                assertTrue(found == null, name + " more than once: " + fields);
                found = f.substring(prefix.length()).trim();
            }
            return found;
        }

        /** The next CRLF-ended line, without its CRLF; fails on a bare LF or a cut-off line. */
        private String line() {
            for (int i = p; i < b.length; i++) {
                if (b[i] != '\n') continue;
                assertTrue(i > p && b[i - 1] == '\r', "a line ended by a bare LF at " + i);
                String l = new String(b, p, i - 1 - p, StandardCharsets.ISO_8859_1);
                p = i + 1;
                return l;
            }
            throw new CutShort("the answer ends inside a line: '" + new String(b, p, b.length - p, StandardCharsets.ISO_8859_1) + "'");
        }
    }
}
