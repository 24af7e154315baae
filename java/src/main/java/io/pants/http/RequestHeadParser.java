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
 * <p>{@link #findEnd} runs as bytes arrive and enforces the size limits (a {@link HeadScanner});
 * {@link #parse} then reads the complete head in one pass, the request line here and the fields
 * with {@link FieldParser}, and keeps what it found until the next head, for the
 * {@link HttpRequest} made from it to copy (a parser per connection: no object per head). One
 * per connection; loop thread only.
 */
final class RequestHeadParser {
    static final String HTTP_1_1 = "HTTP/1.1", HTTP_1_0 = "HTTP/1.0";
    private static final String GET = "GET", HEAD = "HEAD", POST = "POST", PUT = "PUT", DELETE = "DELETE",
            OPTIONS = "OPTIONS", PATCH = "PATCH";

    private final HeadScanner scanner;

    // the last head parsed (or, after a refusal, as far as it got: the method is read first)
    private String method, target, rawPath, path, query, version;
    private boolean http11, keepAlive, chunked, expectContinue;
    private long contentLength;
    private HttpHeaders headers;

    RequestHeadParser(int maxLine, int maxHead) {
        this.scanner = new HeadScanner("request", 414, maxLine, maxHead);
    }

    /** Whether nothing of a head has been examined yet. */
    boolean atStart() { return scanner.atStart(); }

    /** See {@link HeadScanner#findEnd}: 414 for a request line over the line limit. */
    int findEnd(byte[] b, int start, int end) { return scanner.findEnd(b, start, end); }

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
        while (FieldParser.isToken(b[i])) i++;
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
            i = FieldParser.parseField(b, i, fields);
            String name = fields.name(fields.size() - 1);
            String value = fields.value(fields.size() - 1);
            if (name == HeaderNames.CONTENT_LENGTH) {
                long n = FieldParser.contentLength(value);
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
            FieldParser.checkTransferCoding(transferEncoding);
            chunked = true;
        }
        keepAlive = http11 ? !close : keepAliveAsked && !close;
        if (expect != null && http11) {
            // one expectation is defined; an HTTP/1.0 client can't mean it (RFC 9110 10.1.1)
            if (!expect.trim().equalsIgnoreCase("100-continue")) throw new HttpException(417, "only 100-continue can be expected");
            expectContinue = true;
        }
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

    private static boolean isDigit(byte c) { return c >= '0' && c <= '9'; }
}
