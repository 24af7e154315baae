// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

/**
 * Answers the requests of one route: what it returns becomes the response.
 *
 * <pre>{@code
 * app.route("/hello/<name>", request -> "Hello, " + request.param("name") + "!");
 * }</pre>
 *
 * <table>
 *   <caption>What a handler may return</caption>
 *   <tr><th>result</th><th>response</th></tr>
 *   <tr><td>{@code String}</td><td>200, {@code text/html; charset=utf-8}, the text as UTF-8 (as in Flask and Pants)</td></tr>
 *   <tr><td>{@code byte[]}</td><td>200, {@code application/octet-stream}, the bytes</td></tr>
 *   <tr><td>{@link Response}</td><td>its status, headers and body</td></tr>
 *   <tr><td>{@code java.nio.file.Path}</td><td>the file, through {@link io.pants.http.HttpRequest#sendFile}
 *       (ETag, ranges, 304, 404 if it is not a readable file)</td></tr>
 *   <tr><td>{@code null}</td><td>204 No Content</td></tr>
 *   <tr><td>{@code CompletionStage}</td><td>whatever it completes with, once it does (from any thread)</td></tr>
 * </table>
 *
 * A handler that throws {@link io.pants.http.HttpException} answers with its status and message;
 * any other exception is logged and answers 500. A handler that wants to answer through the HTTP
 * layer itself (to stream, say) calls {@link Request#startAsync()}; its result is ignored then.
 *
 * <p>Handlers run on the engine's loop thread and must not block it.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Handler {
    Object handle(Request request) throws Exception;
}
