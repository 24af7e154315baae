// SPDX-License-Identifier: Apache-2.0
/**
 * Pants for Java: a single-threaded, event-driven networking library on pluggable pollers.
 *
 * <p>The exported packages are the API: {@code io.pants} (engine, streams, servers, datagrams),
 * {@code io.pants.http} (the HTTP/1.1 server), {@code io.pants.http.client} (the HTTP/1.1 client),
 * {@code io.pants.websocket} (WebSocket, server and client), {@code io.pants.web} (web applications) and
 * {@code io.pants.httpserver} (the JDK's {@code com.sun.net.httpserver} API on Pants). The poller
 * SPI and the backends ({@code spi}, {@code posix}, {@code epoll}, {@code kqueue}, {@code iocp},
 * {@code nio}) are implementation and stay unexported: the engine picks a backend by name, and
 * no user code names one of their classes.
 *
 * <p>The JDK-API provider is deliberately not declared with {@code provides}: a provider found by
 * {@code ServiceLoader} would take over every {@code HttpServer.create} of the application,
 * also of libraries that never asked for Pants. It is chosen explicitly, as on the class path,
 * with {@code -Dcom.sun.net.httpserver.HttpServerProvider=io.pants.httpserver.PantsHttpServerProvider}.
 */
module io.pants {
    requires com.sun.jna;
    // the engine's Flight Recorder events (FlightEvents); jdk.jfr is in every JDK image, and an
    // event costs nothing without a recording. A jlink image for a Pants program must include it
    requires jdk.jfr;
    // only the io.pants.httpserver package needs it; applications using that API require it anyway
    requires static jdk.httpserver;

    exports io.pants;
    exports io.pants.http;
    exports io.pants.http.client;
    // io.pants.http.wire is not exported: the message framing io.pants.http shares with its client
    exports io.pants.websocket;
    exports io.pants.web;
    exports io.pants.httpserver;
}
