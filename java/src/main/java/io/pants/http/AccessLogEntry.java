// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * One answered request, for {@link HttpServer#accessLog}.
 *
 * @param method        the request's method ({@code GET}), or null when the request head was too
 *                      malformed for one (then the server answered with an error status itself)
 * @param target        the request target as sent ({@code /path?query}), or null like {@code method}
 * @param status        the response status
 * @param bodyBytes     the response body's length in bytes (without the head or chunk framing)
 * @param duration      from the request head's arrival to the response's completion (handed to the
 *                      connection's send queue: the client may not have all of it yet)
 * @param remoteAddress the client's address
 * @since 0.1
 */
public record AccessLogEntry(String method, String target, int status, long bodyBytes, Duration duration,
                             SocketAddress remoteAddress) {
    /**
     * The entry as one line, {@code remote "method target" status bytes millis}, e.g.
     * {@code /127.0.0.1:51234 "GET /stats" 200 512 0.31ms}.
     */
    @Override
    public String toString() {
        return remoteAddress + " \"" + (method == null ? "-" : method) + " " + (target == null ? "-" : target) + "\" "
                + status + " " + bodyBytes + " " + String.format(java.util.Locale.ROOT, "%.2fms", duration.toNanos() / 1e6);
    }
}
