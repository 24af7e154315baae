// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;

/**
 * Field lines and the fields that frame a body (RFC 9110 section 5, RFC 9112 sections 5 and 6),
 * parsed strictly: what a lenient reading could make ambiguous between us and another server in
 * front of us (obs-fold, white space before a colon, differing lengths, a coding after chunked)
 * is refused, not guessed. For request heads and chunked trailers here, response heads in a client.
 */
final class FieldParser {
    /** tchar (RFC 9110 5.6.2): the characters of methods and header names. */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) TOKEN[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TOKEN[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TOKEN[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TOKEN[c] = true;
    }

    private FieldParser() {}

    /** Whether {@code c} is a tchar (bytes from 0x80 are not). */
    static boolean isToken(byte c) { return TOKEN[c & 0xff]; }

    static boolean isTokenChar(char c) { return c < 256 && TOKEN[c]; }

    /**
     * Parses one field line from {@code i} (a header or a trailer, CRLF-terminated, not empty)
     * into {@code into}; returns where the next line starts.
     */
    static int parseField(byte[] b, int i, HttpHeaders into) {
        if (b[i] == ' ' || b[i] == '\t') throw new HttpException(400, "obsolete line folding");
        int nameStart = i;
        while (isToken(b[i])) i++;
        if (i == nameStart || b[i] != ':') {
            throw new HttpException(400, i > nameStart && (b[i] == ' ' || b[i] == '\t')
                    ? "white space between a field name and its colon" : "malformed header field");
        }
        String name = HeaderNames.of(b, nameStart, i - nameStart);
        i++;
        while (b[i] == ' ' || b[i] == '\t') i++;
        int valueStart = i;
        byte c;
        while ((c = b[i]) != '\r') {
            // field-vchar, obs-text, SP and HTAB; every other control (NUL, a lone LF, DEL) is refused
            if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7f) throw new HttpException(400, "invalid character in a header field");
            i++;
        }
        if (b[i + 1] != '\n') throw new HttpException(400, "a CR without LF in a header field");
        int valueEnd = i;
        while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) valueEnd--;
        into.add(name, new String(b, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1));
        return i + 2;
    }

    /** A Content-Length value: digits, or a list of identical digits ("5, 5") that some senders make. */
    static long contentLength(String value) {
        long result = -1;
        int n = value.length(), start = 0;
        while (start <= n) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = start, e = end;
            while (s < e && (value.charAt(s) == ' ' || value.charAt(s) == '\t')) s++;
            while (e > s && (value.charAt(e - 1) == ' ' || value.charAt(e - 1) == '\t')) e--;
            if (e == s || e - s > 18) throw new HttpException(400, "invalid Content-Length");
            long v = 0;
            for (int i = s; i < e; i++) {
                char c = value.charAt(i);
                if (c < '0' || c > '9') throw new HttpException(400, "invalid Content-Length");
                v = v * 10 + (c - '0');
            }
            if (result >= 0 && result != v) throw new HttpException(400, "differing Content-Length values");
            result = v;
            if (comma < 0) break;
            start = comma + 1;
        }
        return result;
    }

    /**
     * Accepts exactly "chunked" (as a list, possibly with empty elements). Codings that don't end
     * in chunked leave the body's length unknown (RFC 9112 6.3): 400, as is chunked applied
     * twice. Chunked last with another coding before it frames the body well, in a coding we
     * don't decode: 501.
     */
    static void checkTransferCoding(String value) {
        int chunked = 0, elements = 0;
        boolean chunkedLast = false;
        for (String raw : value.split(",")) {
            String c = raw.strip();
            if (c.isEmpty()) continue; // empty list elements don't count (RFC 9110 5.6.1)
            elements++;
            chunkedLast = c.equalsIgnoreCase("chunked");
            if (chunkedLast) chunked++;
        }
        if (elements == 0) throw new HttpException(400, "empty Transfer-Encoding");
        if (!chunkedLast) throw new HttpException(400, "Transfer-Encoding does not end in chunked: the body's length is unknown");
        if (chunked != 1) throw new HttpException(400, "chunked must be applied once, last");
        if (elements > 1) throw new HttpException(501, "unsupported transfer coding");
    }
}
