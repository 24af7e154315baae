// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.HttpException;
import io.pants.http.HttpHeaders;
import io.pants.http.wire.HttpWire;

import java.nio.charset.StandardCharsets;

/**
 * Finds and parses a response head in the bytes a connection received. The head's end, its
 * limits, its field lines and Content-Length values are the server's own pieces
 * ({@link HttpWire}): as strict as the server's request parser where a lenient reading would make
 * the body's length ambiguous (bare LF, obs-fold, white space before a colon, differing
 * Content-Lengths). The status line and the response's framing rules (RFC 9112 6.3: a
 * Transfer-Encoding not ending in chunked runs to the close) are the client's. What it refuses
 * fails the request, and the connection is not reused.
 */
final class ResponseHeadParser {
    private final HttpWire.HeadFinder finder;

    ResponseHeadParser(int maxHead) {
        // a line may be as long as the whole head: servers send long Set-Cookie and CSP lines
        this.finder = HttpWire.get().headFinder("response", maxHead, maxHead);
    }

    /**
     * The length of the head at {@code start} (through its empty line) if it is all in
     * {@code b[start, end)}, else -1; remembers how far it looked.
     */
    int findEnd(byte[] b, int start, int end) throws HttpClientException {
        try {
            return finder.findEnd(b, start, end);
        } catch (HttpException e) {
            throw new HttpClientException("malformed response head: " + e.getMessage(), e);
        }
    }

    /** Parses the complete head {@code b[start, end)}. */
    static ResponseHead parse(byte[] b, int start, int end) throws HttpClientException {
        int i = start;
        // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
        if (end - start < 14 || b[i] != 'H' || b[i + 1] != 'T' || b[i + 2] != 'T' || b[i + 3] != 'P' || b[i + 4] != '/'
                || b[i + 5] != '1' || b[i + 6] != '.' || !isDigit(b[i + 7]) || b[i + 8] != ' '
                || !isDigit(b[i + 9]) || !isDigit(b[i + 10]) || !isDigit(b[i + 11])) {
            throw malformedStatusLine(b, start);
        }
        boolean http11 = b[i + 7] != '0';
        String version = http11 ? "HTTP/1.1" : "HTTP/1.0";
        int status = (b[i + 9] - '0') * 100 + (b[i + 10] - '0') * 10 + (b[i + 11] - '0');
        if (status < 100) throw malformedStatusLine(b, start);
        i += 12;
        String reason;
        if (b[i] == '\r') {
            reason = ""; // no SP before an empty reason: common enough to accept
        } else {
            if (b[i] != ' ') throw malformedStatusLine(b, start);
            int r = ++i;
            byte c;
            while ((c = b[i]) != '\r') { // the finder saw every line end in CRLF
                if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7f) throw malformedStatusLine(b, start);
                i++;
            }
            reason = new String(b, r, i - r, StandardCharsets.ISO_8859_1);
        }
        i += 2;

        HttpWire wire = HttpWire.get();
        HttpHeaders headers;
        long contentLength = -1;
        try {
            headers = wire.parseFields(b, i, new int[1]);
            for (String value : headers.all("Content-Length")) {
                long n = wire.contentLength(value);
                if (contentLength >= 0 && contentLength != n) throw new HttpException(502, "differing Content-Length fields");
                contentLength = n;
            }
        } catch (HttpException e) {
            throw new HttpClientException("malformed response head: " + e.getMessage(), e);
        }
        String transferEncoding = headers.count("Transfer-Encoding") == 0 ? null : String.join(",", headers.all("Transfer-Encoding"));
        boolean chunked = false, otherCoding = false;
        if (transferEncoding != null) {
            if (contentLength >= 0) throw new HttpClientException("malformed response head: both Content-Length and Transfer-Encoding");
            String last = transferEncoding.substring(transferEncoding.lastIndexOf(',') + 1).strip();
            chunked = last.equalsIgnoreCase("chunked");
            otherCoding = !chunked;
        }
        boolean close = headers.hasToken("Connection", "close");
        boolean keepAlive = headers.hasToken("Connection", "keep-alive");
        return new ResponseHead(version, status, reason, headers, contentLength, chunked, otherCoding, close || (!http11 && !keepAlive));
    }

    private static HttpClientException malformedStatusLine(byte[] b, int from) {
        int to = from;
        while (to < b.length && to - from < 80 && b[to] != '\r' && b[to] != '\n') to++;
        StringBuilder s = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f) s.append((char) c);
            else s.append(String.format("\\x%02x", c));
        }
        return new HttpClientException("malformed response status line: '" + s + "'");
    }

    private static boolean isDigit(byte c) { return c >= '0' && c <= '9'; }
}
