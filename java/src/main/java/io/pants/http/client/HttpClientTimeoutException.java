// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

/**
 * A request took longer than one of the {@link HttpClient}'s timeouts allows; {@link #timeout()}
 * says which one.
 *
 * @since 0.1
 */
public class HttpClientTimeoutException extends HttpClientException {
    /** The timeouts of a request, each set on the {@link HttpClient}. */
    public enum Timeout {
        /** {@link HttpClient#connectTimeout}: connecting to the server (or proxy). */
        CONNECT,
        /** {@link HttpClient#responseHeadTimeout}: from the request's head to the response's. */
        RESPONSE_HEAD,
        /** {@link HttpClient#requestTimeout} or {@link ClientRequest#timeout}: the whole exchange, redirects included. */
        REQUEST,
        /** {@link HttpClient#idleTimeout}: nothing read or written on the connection. */
        IDLE
    }

    private final Timeout timeout;

    public HttpClientTimeoutException(Timeout timeout, String message) {
        super(message);
        this.timeout = timeout;
    }

    /** Which timeout passed. */
    public Timeout timeout() { return timeout; }
}
