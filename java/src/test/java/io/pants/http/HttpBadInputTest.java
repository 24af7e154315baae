// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed, oversized and ambiguous requests: each gets its status, {@code Connection: close}
 * and a close, and never reaches the handler.
 */
@ExtendWith(NoDescriptorLeaks.class)
class HttpBadInputTest {
    private static final String HOST = "Host: x\r\n";

    record Case(String name, String request, int status) {}

    /** Limits made small so that the cases stay small; the defaults are checked in HttpServerTest. */
    static final int LINE_LIMIT = 256, HEAD_LIMIT = 1024, BODY_LIMIT = 1000;

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // request line
        c.add(new Case("not a request line", "HELLO\r\n\r\n", 400));
        c.add(new Case("no version (HTTP/0.9 style)", "GET /\r\n\r\n", 400));
        c.add(new Case("lower-case version", "GET / http/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("two spaces", "GET  / HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("trailing space", "GET / HTTP/1.1 \r\n" + HOST + "\r\n", 400));
        c.add(new Case("tab as separator", "GET\t/ HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("version with two digits", "GET / HTTP/1.10\r\n" + HOST + "\r\n", 400));
        c.add(new Case("control character in the target", "GET /a\u0001b HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("raw non-ASCII in the target", "GET /caf\u00e9 HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("fragment in the target", "GET /a#b HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("asterisk for GET", "GET * HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("authority form", "CONNECT example.org:443 HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("bad percent-encoding in the path", "GET /%zz HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("truncated percent-encoding", "GET /a% HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("encoded NUL in the path", "GET /a%00b HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("path that is not UTF-8", "GET /%ff%fe HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("HTTP/2.0", "GET / HTTP/2.0\r\n" + HOST + "\r\n", 505));
        c.add(new Case("HTTP/3.0", "GET / HTTP/3.0\r\n" + HOST + "\r\n", 505));
        c.add(new Case("HTTP/0.9", "GET / HTTP/0.9\r\n" + HOST + "\r\n", 505));
        c.add(new Case("request line over the limit", "GET /" + "a".repeat(LINE_LIMIT) + " HTTP/1.1\r\n" + HOST + "\r\n", 414));
        // header fields
        c.add(new Case("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400));
        c.add(new Case("two Host fields", "GET / HTTP/1.1\r\n" + HOST + "Host: y\r\n\r\n", 400));
        c.add(new Case("white space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400));
        c.add(new Case("obs-fold", "GET / HTTP/1.1\r\n" + HOST + "X-Folded: a\r\n  b\r\n\r\n", 400));
        c.add(new Case("obs-fold with a tab", "GET / HTTP/1.1\r\n" + HOST + "X-Folded: a\r\n\tb\r\n\r\n", 400));
        c.add(new Case("bare LF line ends", "GET / HTTP/1.1\n" + HOST.replace("\r\n", "\n") + "\n", 400));
        c.add(new Case("one bare LF among CRLFs", "GET / HTTP/1.1\r\n" + HOST + "X-A: 1\nX-B: 2\r\n\r\n", 400));
        c.add(new Case("bare CR in a value", "GET / HTTP/1.1\r\n" + HOST + "X-A: 1\r2\r\n\r\n", 400));
        c.add(new Case("NUL in a value", "GET / HTTP/1.1\r\n" + HOST + "X-A: 1\u00002\r\n\r\n", 400));
        c.add(new Case("DEL in a value", "GET / HTTP/1.1\r\n" + HOST + "X-A: 1\u007f\r\n\r\n", 400));
        c.add(new Case("line without a colon", "GET / HTTP/1.1\r\n" + HOST + "Just text\r\n\r\n", 400));
        c.add(new Case("empty field name", "GET / HTTP/1.1\r\n" + HOST + ": value\r\n\r\n", 400));
        c.add(new Case("invalid character in a field name", "GET / HTTP/1.1\r\n" + HOST + "X(A): 1\r\n\r\n", 400));
        c.add(new Case("header line over the limit", "GET / HTTP/1.1\r\n" + HOST + "X-Long: " + "a".repeat(LINE_LIMIT) + "\r\n\r\n", 431));
        // found by RequestHeadParserFuzzTest: whole these were a 400, in pieces a 414 or 431
        c.add(new Case("request line over the limit, ending in a bare LF", "GET /" + "a".repeat(LINE_LIMIT) + " HTTP/1.1\n", 414));
        c.add(new Case("header line over the limit, ending in a bare LF", "GET / HTTP/1.1\r\nX-Long: " + "a".repeat(LINE_LIMIT) + "\n", 431));
        c.add(new Case("header section over the limit", "GET / HTTP/1.1\r\n" + HOST + ("X-Many: " + "a".repeat(100) + "\r\n").repeat(12) + "\r\n", 431));
        // framing: the smuggling cases
        c.add(new Case("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\n" + HOST
                + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n" + HOST + "\r\n", 400));
        c.add(new Case("Transfer-Encoding and Content-Length", "POST / HTTP/1.1\r\n" + HOST
                + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400));
        c.add(new Case("differing Content-Length fields", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400));
        c.add(new Case("differing values in one Content-Length", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: 5, 6\r\n\r\nhello!", 400));
        c.add(new Case("negative Content-Length", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: -1\r\n\r\n", 400));
        c.add(new Case("Content-Length with a sign", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: +5\r\n\r\nhello", 400));
        c.add(new Case("Content-Length not a number", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: five\r\n\r\n", 400));
        c.add(new Case("Content-Length past 64 bits", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: 99999999999999999999999\r\n\r\n", 400));
        c.add(new Case("Content-Length over the body limit", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: " + (BODY_LIMIT + 1) + "\r\n\r\n", 413));
        c.add(new Case("chunked body over the limit", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n"
                + "200\r\n" + "a".repeat(512) + "\r\n200\r\n" + "b".repeat(512) + "\r\n0\r\n\r\n", 413));
        c.add(new Case("one chunk over the limit", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\nfffffff\r\n", 413));
        c.add(new Case("chunk size not hex", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400));
        c.add(new Case("chunk size with 0x", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400));
        c.add(new Case("negative chunk size", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400));
        c.add(new Case("chunk size past 64 bits", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n1" + "0".repeat(16) + "\r\n", 400));
        c.add(new Case("empty chunk size", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", 400));
        c.add(new Case("chunk data longer than its size", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello!\r\n0\r\n\r\n", 400));
        c.add(new Case("bare LF after a chunk size", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400));
        c.add(new Case("obs-fold in a trailer", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n", 400));
        // codings not ending in chunked leave the length unknown (RFC 9112 6.3); well framed but unknown: 501
        c.add(new Case("gzip transfer coding", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\n\r\n", 400));
        c.add(new Case("chunked, then gzip", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400));
        c.add(new Case("gzip and Content-Length", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello", 400));
        c.add(new Case("gzip, then chunked", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501));
        c.add(new Case("chunked twice", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(new Case("chunked twice in two fields", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(new Case("empty Transfer-Encoding", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: \r\n\r\n", 400));
        c.add(new Case("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(new Case("unknown expectation", "POST / HTTP/1.1\r\n" + HOST + "Expect: the unexpected\r\nContent-Length: 1\r\n\r\n", 417));
        return c;
    }

    @BackendTest
    void eachBadRequestGetsItsStatusAndACloseAndNeverReachesTheHandler(String backend) throws Exception {
        List<String> handled = new ArrayList<>();
        HttpHandler handler = r -> {
            handled.add(r.target());
            r.sendResponse("handled");
        };
        try (TestServer s = TestServer.start(backend, handler,
                server -> server.maxHeaderLineSize(LINE_LIMIT).maxHeaderSize(HEAD_LIMIT).maxBodySize(BODY_LIMIT))) {
            for (Case c : cases()) {
                try (RawClient client = s.connect()) {
                    client.send(c.request());
                    RawClient.Response r = client.read();
                    assertEquals(c.status(), r.status(), c.name() + ": " + r);
                    assertEquals("close", r.header("Connection"), c.name());
                    assertTrue(r.text().startsWith(c.status() + " "), c.name() + ": the body says what went wrong: " + r.text());
                    client.assertClosedByServer();
                } catch (AssertionError | java.io.IOException e) {
                    throw new AssertionError("case '" + c.name() + "': " + e.getMessage(), e);
                }
            }
            assertEquals(List.of(), s.loop.call(() -> List.copyOf(handled)), "bad requests reached the handler");
            // and the server still answers good requests
            try (RawClient client = s.connect()) {
                client.send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("handled", client.read().text());
            }
        }
    }

    @BackendTest
    void badBytesArrivingOneAtATimeGetTheSameAnswers(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("handled"),
                server -> server.maxHeaderLineSize(LINE_LIMIT).maxHeaderSize(HEAD_LIMIT).maxBodySize(BODY_LIMIT))) {
            for (Case c : cases()) {
                if (c.request().length() > 400) continue; // the long ones: one byte per write adds up
                try (RawClient client = s.connect()) {
                    byte[] bytes = c.request().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                    try {
                        for (byte b : bytes) client.send(new byte[] {b});
                    } catch (java.io.IOException closedEarly) {
                        // the server may answer and close before the last bytes: what it answered still counts
                    }
                    assertEquals(c.status(), client.read().status(), c.name());
                }
            }
        }
    }

    @BackendTest
    void emptyLinesBeforeARequestAreIgnored(String backend) throws Exception {
        try (TestServer s = TestServer.start(backend, r -> r.sendResponse("fine")); RawClient c = s.connect()) {
            c.send("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fine", c.read().text());
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok\r\n"); // the CRLF after a body some clients add
            assertEquals("fine", c.read().text());
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fine", c.read().text());
        }
    }
}
