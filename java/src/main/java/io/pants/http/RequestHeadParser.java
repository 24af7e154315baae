// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Finds and parses a request's head (request line and header fields, RFC 9112) in the bytes a
 * connection received, strictly: whatever a lenient reading could make ambiguous between us and
 * another server in front of us (bare LF, obs-fold, white space before a colon, both
 * Content-Length and Transfer-Encoding, differing Content-Lengths) is a 400, not a guess.
 *
 * <p>{@link #findEnd} runs as bytes arrive and enforces the size limits; {@link #parse} then
 * reads the complete head in one pass and keeps what it found until the next head, for the
 * {@link HttpRequest} made from it to copy (a parser per connection: no object per head). One
 * per connection; loop thread only.
 */
final class RequestHeadParser {
    static final String HTTP_1_1 = "HTTP/1.1", HTTP_1_0 = "HTTP/1.0";
    private static final String GET = "GET", HEAD = "HEAD", POST = "POST", PUT = "PUT", DELETE = "DELETE",
            OPTIONS = "OPTIONS", PATCH = "PATCH";

    /** tchar (RFC 9110 5.6.2): the characters of methods and header names. */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) TOKEN[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TOKEN[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TOKEN[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TOKEN[c] = true;
    }

    private final int maxLine, maxHead;
    /** Bytes of the current head examined so far, and where its current line starts (relative). */
    private int scanned, lineStart;
    private boolean firstLine = true;

    // the last head parsed (or, after a refusal, as far as it got: the method is read first)
    private String method, target, rawPath, path, query, version;
    private boolean http11, keepAlive, chunked, expectContinue;
    private long contentLength;
    private HttpHeaders headers;

    RequestHeadParser(int maxLine, int maxHead) {
        this.maxLine = maxLine;
        this.maxHead = maxHead;
    }

    /** Whether nothing of a head has been examined yet. */
    boolean atStart() { return scanned == 0; }

    /**
     * The length of the head starting at {@code start} (through its empty line) if it is complete
     * in {@code b[start, end)}, else -1; remembers how far it looked, so bytes are examined once.
     *
     * @throws HttpException 414 for a request line over the line limit, 431 for a header line over
     *                       it or a head over the total limit, else 400 for a bare LF (the limits
     *                       first, however the bytes arrived)
     */
    int findEnd(byte[] b, int start, int end) {
        for (int i = start + scanned; i < end; i++) {
            if (b[i] != '\n') continue;
            int rel = i - start;
            // the limits before the bare LF: they may have tripped on part of this line already,
            // when it came in more than one read, and the answer must not depend on the reads
            int length = rel - 1 - lineStart;
            checkLine(length);
            if (rel + 1 > maxHead) throw new HttpException(431, "request head over " + maxHead + " bytes");
            if (rel == 0 || b[i - 1] != '\r') throw new HttpException(400, "a line ends in a bare LF");
            if (length == 0 && !firstLine) {
                reset();
                return rel + 1;
            }
            firstLine = false;
            lineStart = rel + 1;
        }
        scanned = end - start;
        int partial = scanned - lineStart;
        if (partial > maxLine + 1) checkLine(partial); // + 1: the line's CR may be in already
        if (scanned > maxHead) throw new HttpException(431, "request head over " + maxHead + " bytes");
        return -1;
    }

    private void checkLine(int length) {
        if (length <= maxLine) return;
        if (firstLine) throw new HttpException(414, "request line over " + maxLine + " bytes");
        throw new HttpException(431, "header line over " + maxLine + " bytes");
    }

    void reset() {
        scanned = 0;
        lineStart = 0;
        firstLine = true;
    }

    /**
     * Parses the head {@code b[start, end)}, which {@link #findEnd} found complete (it ends in an
     * empty line, and every LF in it follows a CR); the accessors below tell what it holds. The
     * method is read first: a head refused later is answered as to its method (an error answer
     * to HEAD has no body).
     */
    void parse(byte[] b, int start, int end) {
        method = target = rawPath = path = query = version = null;
        http11 = keepAlive = chunked = expectContinue = false;
        contentLength = -1;
        headers = HttpHeaders.EMPTY;
        int i = start;

        // request-line = method SP request-target SP HTTP-version CRLF, single spaces only
        while (TOKEN[b[i] & 0xff]) i++;
        if (i == start || b[i] != ' ') throw new HttpException(400, "malformed request line");
        method = method(b, start, i);
        int t = ++i;
        while (b[i] > 0x20 && b[i] < 0x7f) i++; // visible ASCII; bytes from 0x80 are negative
        if (i == t || b[i] != ' ') throw new HttpException(400, "malformed request target");
        target = new String(b, t, i - t, StandardCharsets.ISO_8859_1);
        i++;
        if (end - i < 10 || b[i] != 'H' || b[i + 1] != 'T' || b[i + 2] != 'T' || b[i + 3] != 'P' || b[i + 4] != '/'
                || !isDigit(b[i + 5]) || b[i + 6] != '.' || !isDigit(b[i + 7]) || b[i + 8] != '\r' || b[i + 9] != '\n') {
            throw new HttpException(400, "malformed HTTP version");
        }
        int major = b[i + 5] - '0', minor = b[i + 7] - '0';
        if (major != 1) throw new HttpException(505, "HTTP/" + major + "." + minor + " is not supported; use HTTP/1.1");
        // a later 1.x is answered as 1.1, the highest minor version we speak (RFC 9110 6.2)
        http11 = minor >= 1;
        version = http11 ? HTTP_1_1 : HTTP_1_0;
        i += 10;
        splitTarget();

        HttpHeaders fields = new HttpHeaders(8);
        String transferEncoding = null;
        int hosts = 0;
        boolean close = false, keepAliveAsked = false;
        String expect = null;
        while (b[i] != '\r') {
            i = parseField(b, i, fields);
            String name = fields.name(fields.size() - 1);
            String value = fields.value(fields.size() - 1);
            if (name == HeaderNames.CONTENT_LENGTH) {
                long n = contentLength(value);
                if (contentLength >= 0 && contentLength != n) throw new HttpException(400, "differing Content-Length fields");
                contentLength = n;
            } else if (name == HeaderNames.TRANSFER_ENCODING) {
                transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
            } else if (name == HeaderNames.HOST) {
                hosts++;
            } else if (name == HeaderNames.CONNECTION) {
                close |= HttpHeaders.listContains(value, "close");
                keepAliveAsked |= HttpHeaders.listContains(value, "keep-alive");
            } else if (name == HeaderNames.EXPECT) {
                expect = expect == null ? value : expect + "," + value;
            }
        }
        if (b[i + 1] != '\n') throw new HttpException(400, "malformed header section");
        headers = fields;

        if (http11 && hosts == 0) throw new HttpException(400, "HTTP/1.1 request without a Host field");
        if (hosts > 1) throw new HttpException(400, "more than one Host field");
        if (transferEncoding != null) {
            // either could be the one an intermediary used: refuse to guess, whatever the codings
            // (RFC 9112 6.1 allows a reject; 6.3 says to close after answering such a request)
            if (contentLength >= 0) throw new HttpException(400, "both Content-Length and Transfer-Encoding");
            if (!http11) throw new HttpException(400, "Transfer-Encoding in an HTTP/1.0 request");
            checkTransferCoding(transferEncoding);
            chunked = true;
        }
        keepAlive = http11 ? !close : keepAliveAsked && !close;
        if (expect != null && http11) {
            // one expectation is defined; an HTTP/1.0 client can't mean it (RFC 9110 10.1.1)
            if (!expect.trim().equalsIgnoreCase("100-continue")) throw new HttpException(417, "only 100-continue can be expected");
            expectContinue = true;
        }
    }

    /**
     * Parses one field line from {@code i} (a header or a trailer, CRLF-terminated, not empty)
     * into {@code into}; returns where the next line starts.
     */
    static int parseField(byte[] b, int i, HttpHeaders into) {
        if (b[i] == ' ' || b[i] == '\t') throw new HttpException(400, "obsolete line folding");
        int nameStart = i;
        while (TOKEN[b[i] & 0xff]) i++;
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

    private static String method(byte[] b, int start, int end) {
        int n = end - start;
        if (n == 3 && b[start] == 'G' && b[start + 1] == 'E' && b[start + 2] == 'T') return GET;
        if (n == 4 && b[start] == 'P' && b[start + 1] == 'O' && b[start + 2] == 'S' && b[start + 3] == 'T') return POST;
        if (n == 4 && b[start] == 'H' && b[start + 1] == 'E' && b[start + 2] == 'A' && b[start + 3] == 'D') return HEAD;
        String m = new String(b, start, n, StandardCharsets.ISO_8859_1);
        return switch (m) {
            case "PUT" -> PUT;
            case "DELETE" -> DELETE;
            case "OPTIONS" -> OPTIONS;
            case "PATCH" -> PATCH;
            default -> m;
        };
    }

    /** Splits the target into path and query; origin-form, absolute-form or "*" (RFC 9112 3.2). */
    private void splitTarget() {
        String t = target;
        if (t.indexOf('#') >= 0) throw new HttpException(400, "a fragment in the request target");
        int pathStart;
        if (t.charAt(0) == '/') {
            pathStart = 0;
        } else if (t.equals("*")) {
            if (!method.equals(OPTIONS)) throw new HttpException(400, "'*' is a target for OPTIONS only");
            rawPath = path = "*";
            return;
        } else if (t.regionMatches(true, 0, "http://", 0, 7) || t.regionMatches(true, 0, "https://", 0, 8)) {
            int authority = t.indexOf("//") + 2;
            int slash = t.indexOf('/', authority), question = t.indexOf('?', authority);
            if (slash < 0 || (question >= 0 && question < slash)) {
                rawPath = path = "/";
                query = question < 0 ? null : t.substring(question + 1);
                return;
            }
            pathStart = slash;
        } else {
            throw new HttpException(400, "unsupported request target form");
        }
        int q = t.indexOf('?', pathStart);
        rawPath = q < 0 ? (pathStart == 0 ? t : t.substring(pathStart)) : t.substring(pathStart, q);
        query = q < 0 ? null : t.substring(q + 1);
        path = rawPath.indexOf('%') < 0 ? rawPath : decodePath(rawPath);
    }

    /** Percent-decodes a path as UTF-8, strictly: a bad escape, bad UTF-8 or a NUL is a 400. */
    static String decodePath(String raw) {
        byte[] out = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (lo < 0) throw new HttpException(400, "malformed percent-encoding in the path");
                int v = hi * 16 + lo;
                if (v == 0) throw new HttpException(400, "NUL in the path");
                out[n++] = (byte) v;
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = utf8.decode(ByteBuffer.wrap(out, 0, n));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new HttpException(400, "the path is not UTF-8");
        }
    }

    /** A Content-Length value: digits, or a list of identical digits ("5, 5") that some senders make. */
    private static long contentLength(String value) {
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
    private static void checkTransferCoding(String value) {
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

    String method() { return method; }

    String target() { return target; }

    String rawPath() { return rawPath; }

    String path() { return path; }

    String query() { return query; }

    /** {@code HTTP/1.1} or {@code HTTP/1.0}: a later 1.x is answered as 1.1. */
    String version() { return version; }

    boolean isHttp11() { return http11; }

    boolean isHeadMethod() { return method == HEAD; }

    /** Whether the client lets the connection stay open after this request. */
    boolean keepAlive() { return keepAlive; }

    boolean chunked() { return chunked; }

    boolean expectContinue() { return expectContinue; }

    /** The Content-Length, or -1 if there was none. */
    long contentLength() { return contentLength; }

    HttpHeaders headers() { return headers; }

    static boolean isTokenChar(char c) { return c < 256 && TOKEN[c]; }

    private static boolean isDigit(byte c) { return c >= '0' && c <= '9'; }
}
