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
 *
 * <h2>Handlers on the loops</h2>
 * Without an executor, as above, each handler runs on its connection's loop thread: nothing is
 * handed between threads, and handlers of one loop run one at a time, in order. A request body up
 * to 10 MB is in memory before the handler is called (a larger one's exchange goes to the
 * server's {@code pants-httpserver-PORT-large-body} thread, where the body streams), and the
 * response is queued to the connection without waiting for the client: large responses are held
 * in memory. A handler that writes very large responses or blocks should be given an executor
 * ({@code server.setExecutor(...)}); a blocking handler on the loop stalls all the loop's
 * connections. {@code stop(delay)} may be called from a handler: it returns at once, and the
 * server finishes stopping on a thread of its own.
 *
 * <h2>Virtual threads</h2>
 * On Java 21 and later, {@code server.setExecutor(Executors.newVirtualThreadPerTaskExecutor())}
 * runs each exchange on a virtual thread of its own. Where a handler waits for the loop thread
 * (in the request body for more of it, in the response body while the client is slow, in
 * {@code stop(delay)} for the exchanges under way) it parks on a
 * {@link java.util.concurrent.locks.ReentrantLock} condition, not in a monitor: on Java 21 to 23
 * a virtual thread waiting in {@code synchronized} + {@code wait()} pins its carrier thread, and
 * a handful of waiting handlers would starve all the others (Java 24 and later, JEP 491, no
 * longer pin there). The monitors left in the exchange and the server are held for a few field
 * updates only, never across a wait.
 *
 * @since 0.1
 */
package io.pants.httpserver;
