// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.nio.charset.StandardCharsets;

/**
 * The talk's fake HTTP: every request, whatever it asks, gets the same prefabricated response.
 * Servers find the ends of requests (the blank line after the headers) and write these bytes.
 */
final class FakeHttp {
    static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: " + BODY.length + "\r\n"
            + "\r\n"
            + "Hello, World!").getBytes(StandardCharsets.US_ASCII);
    static final String END_OF_REQUEST = "\r\n\r\n";

    private FakeHttp() {}

    /**
     * Counts request ends ("\r\n\r\n") in a byte stream read in pieces: a request's end may be
     * split across reads, so the match state carries over. One per connection.
     */
    static final class RequestCounter {
        private int matched; // how many bytes of "\r\n\r\n" end the input so far

        /** Feeds one byte; true when it completes a request. */
        boolean feed(byte b) {
            if (b == (matched % 2 == 0 ? '\r' : '\n')) {
                if (++matched == 4) {
                    matched = 0;
                    return true;
                }
            } else {
                matched = b == '\r' ? 1 : 0;
            }
            return false;
        }
    }
}
