// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

/**
 * Answers requests: called on the loop thread once a request's head and body have arrived. The
 * request stays open until {@link HttpRequest#finish()} (which {@code sendResponse} and
 * {@code sendFile} call for you), which may come later, from a timer or another stream's callback.
 *
 * <p>An exception thrown before anything was sent becomes a 500 response (or, for an
 * {@link HttpException}, its status); thrown after, it closes the connection.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface HttpHandler {
    void handle(HttpRequest request) throws Exception;
}
