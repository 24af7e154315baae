// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;

/**
 * The server's own answer to bad input: the one place it is encoded, for every layer on top
 * (status, {@code Content-Length}, {@code Connection: close}, the text). Made only on an error.
 *
 * @param toHead     it answers a HEAD request: the head a GET would get, without the body
 * @param method     the method it answers, for the access log (null if the head was too malformed), likewise
 * @param target     the target
 * @param sinceNanos when the request's head arrived (System.nanoTime), for the access log; 0 when that is off
 */
record ErrorAnswer(int status, String message, boolean toHead, String method, String target, long sinceNanos) {
    /** Encodes the answer into {@code out} (reset first); returns the length of its body, as sent. */
    int encode(HttpServer server, ByteBuilder out) {
        byte[] text = ResponseWriter.errorBody(status, message).getBytes(StandardCharsets.UTF_8);
        server.startHead(out, status, null, true, true);
        // the client of a HEAD reads no body after this head, whatever its Content-Length says
        out.appendLatin1("Content-Type: text/plain; charset=utf-8\r\nContent-Length: ").appendDecimal(text.length).crlf();
        out.appendLatin1("Connection: close\r\n\r\n");
        if (toHead) return 0;
        out.append(text);
        return text.length;
    }
}
