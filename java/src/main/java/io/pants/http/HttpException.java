// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

/**
 * An HTTP error: thrown by a handler (before it has sent anything) it becomes a response with
 * this status and the message as a plain-text body; the server uses it for bad requests too.
 *
 * <pre>{@code
 * new HttpServer(request -> {
 *     if (!request.method().equals("GET")) throw new HttpException(405, "only GET here");
 *     request.sendResponse("fine", 200, "text/plain");
 * });
 * }</pre>
 *
 * @since 0.1
 */
public class HttpException extends RuntimeException {
    private final int status;

    /** An error with the status's reason phrase as its message. */
    public HttpException(int status) {
        this(status, HttpStatus.reasonPhrase(status));
    }

    public HttpException(int status, String message) {
        super(message);
        if (status < 400 || status > 599) throw new IllegalArgumentException("an HTTP error status is 400 to 599, got " + status);
        this.status = status;
    }

    public HttpException(int status, String message, Throwable cause) {
        this(status, message);
        initCause(cause);
    }

    /** The response status, 400 to 599. */
    public int status() { return status; }
}
