// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.HttpHeaders;

/**
 * Receives a response as it arrives, for bodies too large to hold ({@link ClientRequest#send(ResponseListener)}):
 * its head, then its body in parts, then its end; or an error instead, at any point. Called on
 * the engine's loop thread, never from inside {@code send}. {@link ClientExchange#pauseBody()}
 * holds the parts back (and stops reading from the server, which TCP then slows down).
 *
 * <pre>{@code
 * ClientExchange x = client.request("GET", url).send(new ResponseListener() {
 *     public void onResponse(ClientResponse head) { System.out.println(head.status()); }
 *     public void onBody(byte[] part) { out.write(part); }
 *     public void onEnd(HttpHeaders trailers) { out.close(); }
 *     public void onError(Throwable e) { e.printStackTrace(); }
 * });
 * }</pre>
 *
 * Redirects the client follows are not seen here: the head is the final response's.
 *
 * @since 0.1
 */
public interface ResponseListener {
    /** The response's status and headers; its body follows. */
    default void onResponse(ClientResponse head) {}

    /** The next part of the body (decoded, if the client asked for a compressed one); the array is yours. */
    default void onBody(byte[] part) {}

    /** The body is complete; {@code trailers} are the fields after a chunked body (often none). */
    default void onEnd(HttpHeaders trailers) {}

    /**
     * The request failed: an {@link HttpClientException} (a {@link HttpClientTimeoutException} for a
     * timeout), or a {@link java.util.concurrent.CancellationException} once cancelled. Nothing follows.
     */
    void onError(Throwable error);
}
