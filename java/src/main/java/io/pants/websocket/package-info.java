// SPDX-License-Identifier: Apache-2.0
/**
 * WebSocket (RFC 6455), server and client side, on the engine: subclass
 * {@link io.pants.websocket.WebSocket} and override the callbacks you need.
 *
 * <pre>{@code
 * class Echo extends WebSocket {
 *     @Override protected void onText(String text) { send(text); }
 * }
 * var app = new Application();
 * app.websocket("/echo", Echo::new);           // or, in an HttpServer handler: new Echo().accept(request)
 * app.run(8080);
 *
 * // a client, on the same engine or another
 * new WebSocket() {
 *     @Override protected void onOpen() { send("hello"); }
 *     @Override protected void onText(String text) { System.out.println(text); close(); }
 * }.connect("ws://127.0.0.1:8080/echo");
 * }</pre>
 *
 * The server side starts as an HTTP request: the HTTP server hands the connection over with
 * {@link io.pants.http.HttpRequest#upgrade}, the seam any protocol that upgrades from HTTP uses.
 *
 * @since 0.1
 */
package io.pants.websocket;
