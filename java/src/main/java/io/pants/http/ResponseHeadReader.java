// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one HTTP/1.1 response head (status line, header fields, empty line) from bytes as they
 * arrive, as strictly as the server reads request heads ({@link HeadScanner}, {@link FieldParser}):
 * a bare LF, obs-fold or white space before a colon is refused, not guessed at. For the client
 * side of a protocol that starts with an HTTP handshake (a WebSocket's {@code 101}); the bytes
 * after the head are the caller's.
 *
 * <pre>{@code
 * ResponseHeadReader head = new ResponseHeadReader(8192, 65536);
 * int used = head.read(data);            // -1: the head is not complete yet
 * if (used >= 0 && head.status() == 101) { ... Arrays.copyOfRange(data, used, data.length) is the new protocol's }
 * }</pre>
 *
 * @since 0.1
 */
public final class ResponseHeadReader {
    private final HeadScanner scanner;
    private byte[] buffer = new byte[0];
    private int length;
    private boolean done;
    private int status;
    private String version, reason;
    private HttpHeaders headers;

    /**
     * A reader refusing a line over {@code maxLineSize} bytes or a head over {@code maxHeadSize}.
     *
     * @throws IllegalArgumentException if a limit is under 64 bytes
     */
    public ResponseHeadReader(int maxLineSize, int maxHeadSize) {
        if (maxLineSize < 64 || maxHeadSize < 64) {
            throw new IllegalArgumentException("limits under 64 bytes would refuse ordinary heads: " + maxLineSize + ", " + maxHeadSize);
        }
        this.scanner = new HeadScanner("response", 502, maxLineSize, maxHeadSize);
    }

    /**
     * Takes the next bytes of the response.
     *
     * @return -1 while the head is incomplete; once it is complete, how many bytes of
     *         {@code data} it took (the rest follows the head)
     * @throws HttpException if the head is malformed or over a limit (the message says how);
     *                       its status is not meaningful to a client
     * @throws IllegalStateException if the head was complete already
     */
    public int read(byte[] data) {
        if (done) throw new IllegalStateException("the response head is complete already; the bytes after it are the caller's");
        int before = length;
        if (buffer.length - length < data.length) buffer = Arrays.copyOf(buffer, Math.max(2 * buffer.length, length + data.length));
        System.arraycopy(data, 0, buffer, length, data.length);
        length += data.length;
        int end = scanner.findEnd(buffer, 0, length);
        if (end < 0) return -1;
        parse(end);
        done = true;
        buffer = null;
        return end - before;
    }

    private void parse(int end) {
        byte[] b = buffer;
        // status-line = HTTP-version SP status-code SP [ reason-phrase ], RFC 9112 section 4
        if (end < 14 || !startsWith(b, "HTTP/1.") || (b[7] != '0' && b[7] != '1') || b[8] != ' '
                || !digit(b[9]) || !digit(b[10]) || !digit(b[11]) || (b[12] != ' ' && b[12] != '\r')) {
            throw new HttpException(502, "malformed status line: '" + printable(b, Math.min(end, 40)) + "'");
        }
        version = new String(b, 0, 8, StandardCharsets.ISO_8859_1);
        status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
        int i = 12;
        if (b[i] == ' ') i++;
        int reasonStart = i;
        while (b[i] != '\r') {
            byte c = b[i];
            if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7f) throw new HttpException(502, "invalid character in the status line");
            i++;
        }
        reason = new String(b, reasonStart, i - reasonStart, StandardCharsets.ISO_8859_1);
        i += 2;
        HttpHeaders fields = new HttpHeaders(8);
        while (b[i] != '\r') i = FieldParser.parseField(b, i, fields);
        headers = fields;
    }

    /** Whether the whole head has been read. */
    public boolean isComplete() { return done; }

    /** The status code. */
    public int status() { check(); return status; }

    /** The reason phrase, possibly empty. */
    public String reason() { check(); return reason; }

    /** {@code HTTP/1.1} or {@code HTTP/1.0}. */
    public String version() { check(); return version; }

    /** The header fields. */
    public HttpHeaders headers() { check(); return headers; }

    private void check() {
        if (!done) throw new IllegalStateException("the response head is not complete yet: read() returns how many bytes it took once it is");
    }

    private static boolean startsWith(byte[] b, String s) {
        for (int i = 0; i < s.length(); i++) if (b[i] != s.charAt(i)) return false;
        return true;
    }

    private static boolean digit(byte c) { return c >= '0' && c <= '9'; }

    private static String printable(byte[] b, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(b[i] >= 0x20 && b[i] < 0x7f ? (char) b[i] : '.');
        return sb.toString();
    }
}
