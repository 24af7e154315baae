// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.io.IOException;

/**
 * Receives a streamed request body (see {@link HttpServer#streamBodies}): its parts in the order
 * they came, then its end; or, if the body can't be completed (the connection closed, the
 * client went quiet for the idle timeout, a malformed chunk), an abort instead of the end.
 * A malformed chunk is answered with a 400 in the handler's place if nothing of its response
 * is on the way yet (the request is aborted then: what it sends is dropped); otherwise the
 * connection closes after its response, or cuts it. Called on the loop thread;
 * {@link HttpRequest#pauseBody()} holds the parts back.
 *
 * <pre>{@code
 * request.onBody(new BodyListener() {
 *     public void onData(byte[] part) { out.write(part); }
 *     public void onEnd() { request.sendResponse("stored"); }
 * });
 * }</pre>
 *
 * @since 0.1
 */
public interface BodyListener {
    /** The next part of the body; the array is the listener's to keep. */
    void onData(byte[] part);

    /** The body is complete (a chunked body's trailers are in {@link HttpRequest#trailers()}). */
    void onEnd();

    /** The body ends early and won't be completed; nothing more comes. */
    default void onAbort(IOException why) {}
}
