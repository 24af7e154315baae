// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

/**
 * A request on its way, as {@link ClientRequest#send(ResponseListener)} returns it: to hold back
 * the response's body, and to cancel. Safe from any thread (a call off the loop thread is handed
 * to it with {@code engine.execute}).
 *
 * <pre>{@code
 * ClientExchange x = request.send(listener);
 * x.pauseBody();      // the listener gets no more parts; the server is slowed down by TCP
 * x.resumeBody();
 * x.cancel();         // the listener gets a CancellationException; the connection is closed
 * }</pre>
 *
 * @since 0.1
 */
public interface ClientExchange {
    /** Holds back the body's parts, and reading from the server, until {@link #resumeBody()}. */
    void pauseBody();

    /** Lets the body's parts come again. */
    void resumeBody();

    /**
     * Gives up the request: unless it has ended already, the listener's {@code onError} gets a
     * {@link java.util.concurrent.CancellationException}, and its connection is closed (a
     * connection with half a response can't serve another request).
     */
    void cancel();

    /** Whether the exchange has ended: completed, failed or cancelled. */
    boolean isDone();
}
