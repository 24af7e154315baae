// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;

/**
 * Status codes' reason phrases, and their status lines encoded once.
 *
 * @since 0.1
 */
public final class HttpStatus {
    private static final String[] REASONS = new String[600];
    /** "HTTP/1.1 200 OK\r\n" and so on, for every code with a reason phrase. */
    private static final byte[][] STATUS_LINES = new byte[600][];

    static {
        reason(100, "Continue");
        reason(101, "Switching Protocols");
        reason(200, "OK");
        reason(201, "Created");
        reason(202, "Accepted");
        reason(203, "Non-Authoritative Information");
        reason(204, "No Content");
        reason(205, "Reset Content");
        reason(206, "Partial Content");
        reason(300, "Multiple Choices");
        reason(301, "Moved Permanently");
        reason(302, "Found");
        reason(303, "See Other");
        reason(304, "Not Modified");
        reason(307, "Temporary Redirect");
        reason(308, "Permanent Redirect");
        reason(400, "Bad Request");
        reason(401, "Unauthorized");
        reason(402, "Payment Required");
        reason(403, "Forbidden");
        reason(404, "Not Found");
        reason(405, "Method Not Allowed");
        reason(406, "Not Acceptable");
        reason(407, "Proxy Authentication Required");
        reason(408, "Request Timeout");
        reason(409, "Conflict");
        reason(410, "Gone");
        reason(411, "Length Required");
        reason(412, "Precondition Failed");
        reason(413, "Content Too Large");
        reason(414, "URI Too Long");
        reason(415, "Unsupported Media Type");
        reason(416, "Range Not Satisfiable");
        reason(417, "Expectation Failed");
        reason(421, "Misdirected Request");
        reason(422, "Unprocessable Content");
        reason(425, "Too Early");
        reason(426, "Upgrade Required");
        reason(428, "Precondition Required");
        reason(429, "Too Many Requests");
        reason(431, "Request Header Fields Too Large");
        reason(451, "Unavailable For Legal Reasons");
        reason(500, "Internal Server Error");
        reason(501, "Not Implemented");
        reason(502, "Bad Gateway");
        reason(503, "Service Unavailable");
        reason(504, "Gateway Timeout");
        reason(505, "HTTP Version Not Supported");
    }

    private HttpStatus() {}

    private static void reason(int code, String phrase) {
        REASONS[code] = phrase;
        STATUS_LINES[code] = ("HTTP/1.1 " + code + " " + phrase + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The standard reason phrase of {@code status}, or "" for a code without one. */
    public static String reasonPhrase(int status) {
        String r = status >= 0 && status < REASONS.length ? REASONS[status] : null;
        return r == null ? "" : r;
    }

    /** Appends the status line; {@code reason} null means the standard phrase. */
    static void appendStatusLine(ByteBuilder out, int status, String reason) {
        byte[] line = reason == null ? STATUS_LINES[status] : null;
        if (line != null) {
            out.append(line);
            return;
        }
        out.appendLatin1("HTTP/1.1 ").appendDecimal(status).append((byte) ' ')
                .appendLatin1(reason == null ? "" : reason).crlf();
    }

    /** Whether a response with this status may carry a body (RFC 9110: not 1xx, 204 or 304). */
    static boolean allowsBody(int status) {
        return status >= 200 && status != 204 && status != 304;
    }
}
