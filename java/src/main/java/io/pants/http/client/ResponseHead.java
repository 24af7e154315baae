// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.HttpHeaders;

/**
 * A parsed response head and what it says about the body's framing (RFC 9112 section 6.3).
 *
 * @param contentLength the Content-Length, or -1
 * @param chunked       Transfer-Encoding ends in chunked
 * @param otherCoding   a Transfer-Encoding that does not end in chunked: the body runs to the close
 * @param close         the server will close after this response (Connection: close, or HTTP/1.0 without keep-alive)
 */
record ResponseHead(String version, int status, String reason, HttpHeaders headers, long contentLength,
                    boolean chunked, boolean otherCoding, boolean close) {
}
