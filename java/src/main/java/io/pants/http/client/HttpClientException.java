// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.io.IOException;

/**
 * Why a request of the {@link HttpClient} failed: the server could not be reached, broke the
 * protocol (a malformed status line or header, a body longer or shorter than announced), closed
 * the connection before the response was complete, or a proxy refused. The message says which,
 * and with which server. A connection that failed a request is closed, never reused.
 *
 * <pre>{@code
 * client.get(url).exceptionally(e -> { System.err.println("failed: " + e.getCause().getMessage()); return null; });
 * }</pre>
 *
 * @since 0.1
 */
public class HttpClientException extends IOException {
    public HttpClientException(String message) {
        super(message);
    }

    public HttpClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
