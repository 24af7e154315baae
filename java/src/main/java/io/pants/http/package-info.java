// SPDX-License-Identifier: Apache-2.0
/**
 * An HTTP/1.1 server on the Pants engine: {@link io.pants.http.HttpServer} takes a
 * {@link io.pants.http.HttpHandler}, which answers each {@link io.pants.http.HttpRequest}
 * through the request itself.
 *
 * <pre>{@code
 * new HttpServer(request -> {
 *     request.sendStatus(200);
 *     request.sendHeaders(Map.of("Content-Type", "text/plain"));
 *     request.send("Hello, World!");
 *     request.finish();
 * }).listen(8080);
 * Engine.instance().start();
 * }</pre>
 *
 * Like everything in Pants it runs on the engine's loop thread: handlers must not block, and a
 * response can be finished later from any callback on that thread. Layers on top (routing,
 * other handler APIs) are handlers themselves.
 *
 * @since 0.1
 */
package io.pants.http;
