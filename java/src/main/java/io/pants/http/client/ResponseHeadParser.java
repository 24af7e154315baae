// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.HttpHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Finds and parses a response head (status line and header fields, RFC 9112) in the bytes a
 * connection received. As strict as the server's request parser where a lenient reading would
 * make the body's length ambiguous (bare LF, obs-fold, white space before a colon, differing
 * Content-Lengths, both Content-Length and chunked): a response like that fails its request
 * instead of being guessed at, and the connection is not reused.
 */
final class ResponseHeadParser {
    /** tchar (RFC 9110 5.6.2): the characters of header names. */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) TOKEN[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TOKEN[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TOKEN[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TOKEN[c] = true;
    }

    private final int maxHead;
    private int scanned;

    ResponseHeadParser(int maxHead) {
        this.maxHead = maxHead;
    }

    void reset() { scanned = 0; }

    /**
     * The length of the head at {@code start} (through its empty line) if it is all in
     * {@code b[start, end)}, else -1; remembers how far it looked.
     */
    int findEnd(byte[] b, int start, int end) throws HttpClientException {
        for (int i = start + Math.max(scanned, 3); i < end; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                scanned = 0;
                if (i + 1 - start > maxHead) throw tooLarge();
                return i + 1 - start;
            }
        }
        scanned = Math.max(0, end - start - 3);
        if (end - start > maxHead) throw tooLarge();
        return -1;
    }

    private HttpClientException tooLarge() {
        return new HttpClientException("the response head is over " + maxHead + " bytes");
    }

    /** Parses the complete head {@code b[start, end)}. */
    static ResponseHead parse(byte[] b, int start, int end) throws HttpClientException {
        int i = start;
        // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
        if (end - start < 14 || b[i] != 'H' || b[i + 1] != 'T' || b[i + 2] != 'T' || b[i + 3] != 'P' || b[i + 4] != '/'
                || b[i + 5] != '1' || b[i + 6] != '.' || !isDigit(b[i + 7]) || b[i + 8] != ' '
                || !isDigit(b[i + 9]) || !isDigit(b[i + 10]) || !isDigit(b[i + 11])) {
            throw malformed("status line", b, start);
        }
        boolean http11 = b[i + 7] != '0';
        String version = http11 ? "HTTP/1.1" : "HTTP/1.0";
        int status = (b[i + 9] - '0') * 100 + (b[i + 10] - '0') * 10 + (b[i + 11] - '0');
        if (status < 100) throw malformed("status line", b, start);
        i += 12;
        String reason;
        if (b[i] == '\r') {
            reason = ""; // no SP before an empty reason: common enough to accept
        } else {
            if (b[i] != ' ') throw malformed("status line", b, start);
            int r = ++i;
            byte c;
            while ((c = b[i]) != '\r') {
                if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7f) throw malformed("status line", b, start);
                i++;
            }
            reason = new String(b, r, i - r, StandardCharsets.ISO_8859_1);
        }
        if (b[i + 1] != '\n') throw malformed("status line", b, start);
        i += 2;

        HttpHeaders.Builder headers = HttpHeaders.builder();
        long contentLength = -1;
        String transferEncoding = null;
        boolean close = false, keepAlive = false;
        while (b[i] != '\r') {
            if (b[i] == ' ' || b[i] == '\t') throw new HttpClientException("malformed response header: obsolete line folding");
            int nameStart = i;
            while (TOKEN[b[i] & 0xff]) i++;
            if (i == nameStart || b[i] != ':') throw malformed("header field", b, nameStart);
            String name = new String(b, nameStart, i - nameStart, StandardCharsets.ISO_8859_1);
            i++;
            while (b[i] == ' ' || b[i] == '\t') i++;
            int valueStart = i;
            byte c;
            while ((c = b[i]) != '\r') {
                if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7f) throw malformed("header field", b, nameStart);
                i++;
            }
            if (b[i + 1] != '\n') throw malformed("header field", b, nameStart);
            int valueEnd = i;
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) valueEnd--;
            String value = new String(b, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
            headers.add(name, value);
            i += 2;
            if (name.equalsIgnoreCase("Content-Length")) {
                long n = contentLength(value);
                if (contentLength >= 0 && contentLength != n) throw new HttpClientException("malformed response: differing Content-Length fields");
                contentLength = n;
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
            } else if (name.equalsIgnoreCase("Connection")) {
                close |= containsToken(value, "close");
                keepAlive |= containsToken(value, "keep-alive");
            }
        }
        if (b[i + 1] != '\n') throw new HttpClientException("malformed response head: no CRLF after the header section");
        boolean chunked = false, otherCoding = false;
        if (transferEncoding != null) {
            if (contentLength >= 0) throw new HttpClientException("malformed response: both Content-Length and Transfer-Encoding");
            String last = transferEncoding.substring(transferEncoding.lastIndexOf(',') + 1).strip();
            chunked = last.equalsIgnoreCase("chunked");
            otherCoding = !chunked;
        }
        return new ResponseHead(version, status, reason, headers.build(), contentLength, chunked, otherCoding,
                close || (!http11 && !keepAlive));
    }

    private static long contentLength(String value) throws HttpClientException {
        long result = -1;
        for (String part : value.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty() || p.length() > 18) throw new HttpClientException("malformed response: invalid Content-Length '" + value + "'");
            long v = 0;
            for (int k = 0; k < p.length(); k++) {
                char c = p.charAt(k);
                if (c < '0' || c > '9') throw new HttpClientException("malformed response: invalid Content-Length '" + value + "'");
                v = v * 10 + (c - '0');
            }
            if (result >= 0 && result != v) throw new HttpClientException("malformed response: differing Content-Length values");
            result = v;
        }
        return result;
    }

    static boolean containsToken(String list, String token) {
        for (String part : list.split(",")) {
            if (part.strip().equalsIgnoreCase(token)) return true;
        }
        return false;
    }

    private static HttpClientException malformed(String what, byte[] b, int from) {
        int to = from;
        while (to < b.length && to - from < 80 && b[to] != '\r' && b[to] != '\n') to++;
        return new HttpClientException("malformed response " + what + ": '" + printable(b, from, to) + "'");
    }

    private static String printable(byte[] b, int from, int to) {
        StringBuilder s = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f) s.append((char) c);
            else s.append(String.format("\\x%02x", c));
        }
        return s.toString();
    }

    private static boolean isDigit(byte c) { return c >= '0' && c <= '9'; }
}
