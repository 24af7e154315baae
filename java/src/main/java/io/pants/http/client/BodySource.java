// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

/**
 * Writes a request body as a stream, for bodies too large to hold ({@link ClientRequest#body(BodySource)}).
 * Called once, on the loop thread, when the connection is ready for the body (after the server's
 * {@code 100 Continue}, if the request {@link ClientRequest#expectContinue expects one}). Write while
 * {@link BodySink#isWritable()}, go on in {@link BodySink#onDrain}, and {@link BodySink#end()}.
 *
 * <pre>{@code
 * request.body(sink -> {
 *     Runnable pump = new Runnable() {
 *         public void run() {
 *             while (sink.isWritable() && file.hasMore()) sink.write(file.next());
 *             if (!file.hasMore()) sink.end(); else sink.onDrain(this);
 *         }
 *     };
 *     pump.run();
 * });
 * }</pre>
 *
 * A streamed body can't be sent twice, so a request with one is neither retried nor
 * redirected with its body (a 307/308 comes back as the response).
 *
 * @since 0.1
 */
@FunctionalInterface
public interface BodySource {
    void writeTo(BodySink sink);
}
