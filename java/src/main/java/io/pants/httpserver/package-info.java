// SPDX-License-Identifier: Apache-2.0
/**
 * The JDK's standard HTTP application interface ({@code com.sun.net.httpserver}, module
 * {@code jdk.httpserver}) on the Pants engine: {@link io.pants.httpserver.PantsHttpServerProvider}
 * lets a program written against {@code HttpServer.create(...)} run unmodified on Pants, the way
 * WSGI lets a Python application choose its server.
 *
 * <pre>{@code
 * // the application: JDK API only
 * HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
 * server.createContext("/", exchange -> {
 *     byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
 *     exchange.sendResponseHeaders(200, body.length);
 *     try (OutputStream out = exchange.getResponseBody()) { out.write(body); }
 * });
 * server.start();
 * }</pre>
 * run with {@code -Dcom.sun.net.httpserver.HttpServerProvider=io.pants.httpserver.PantsHttpServerProvider}.
 */
package io.pants.httpserver;
