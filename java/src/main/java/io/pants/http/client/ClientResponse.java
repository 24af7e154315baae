// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.HttpHeaders;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A response to a request of the {@link HttpClient}: status, headers and, from
 * {@link ClientRequest#send()}, the whole body (decoded, if the client asked for it compressed;
 * the headers stay as the server sent them). Immutable.
 *
 * <pre>{@code
 * client.get("http://127.0.0.1:8080/notes").thenAccept(r -> System.out.println(r.status() + " " + r.bodyText()));
 * }</pre>
 *
 * @since 0.1
 */
public final class ClientResponse {
    private final URI uri;
    private final String version;
    private final int status;
    private final String reason;
    private final HttpHeaders headers;
    private final byte[] body;
    private final HttpHeaders trailers;

    ClientResponse(URI uri, String version, int status, String reason, HttpHeaders headers, byte[] body, HttpHeaders trailers) {
        this.uri = uri;
        this.version = version;
        this.status = status;
        this.reason = reason;
        this.headers = headers;
        this.body = body;
        this.trailers = trailers;
    }

    /** The same head with its body and trailers. */
    ClientResponse withBody(byte[] body, HttpHeaders trailers) {
        return new ClientResponse(uri, version, status, reason, headers, body, trailers);
    }

    /** The URI this response answers: the request's, or where redirects led. */
    public URI uri() { return uri; }

    /** {@code HTTP/1.1} or {@code HTTP/1.0}. */
    public String version() { return version; }

    public int status() { return status; }

    /** The reason phrase, as the server sent it (possibly empty). */
    public String reason() { return reason; }

    public HttpHeaders headers() { return headers; }

    /** The first value of header {@code name}, or null. */
    public String header(String name) { return headers.get(name); }

    /**
     * The whole body (empty if there was none). The array is the response's: don't change it.
     *
     * @throws IllegalStateException on the head given to a {@link ResponseListener}, whose body comes in parts
     */
    public byte[] body() {
        if (body == null) {
            throw new IllegalStateException("this is the head of a streamed response: its body comes to ResponseListener.onBody");
        }
        return body;
    }

    /** The body decoded as UTF-8. */
    public String bodyText() { return new String(body(), StandardCharsets.UTF_8); }

    /** The trailer fields of a chunked body; empty if none (and on a streamed response's head). */
    public HttpHeaders trailers() { return trailers; }

    @Override
    public String toString() {
        return version + " " + status + (reason.isEmpty() ? "" : " " + reason) + " <- " + uri;
    }
}
