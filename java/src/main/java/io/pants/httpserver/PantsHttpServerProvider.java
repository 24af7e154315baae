// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.pants.Pollers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Runs applications written for the JDK's {@code com.sun.net.httpserver} API on the Pants
 * engine, unmodified: {@code HttpServer.create(...)}, {@code HttpHandler}, {@code HttpExchange},
 * {@code Filter}, {@code HttpContext} and {@code Authenticator} behave as the JDK documents them.
 *
 * <h2>Selecting it</h2>
 * The JDK picks one provider per JVM, the first time {@code HttpServer.create} is called: the
 * class named by the system property {@code com.sun.net.httpserver.HttpServerProvider}, else the
 * first one listed in a {@code META-INF/services/com.sun.net.httpserver.spi.HttpServerProvider}
 * file on the class path, else its own. The Pants jar ships no such file on purpose: a library
 * on the class path would then take over every {@code HttpServer} in the program, including
 * ones that expect the JDK's. Select it explicitly:
 * <pre>{@code
 * java -Dcom.sun.net.httpserver.HttpServerProvider=io.pants.httpserver.PantsHttpServerProvider -cp app.jar:pants.jar App
 * }</pre>
 * or, to make it the default of one application, put the service file in that application's own
 * jar, with the line {@code io.pants.httpserver.PantsHttpServerProvider}. Code that knows about
 * Pants can also skip the JDK's choice: {@code new PantsHttpServerProvider("nio").createHttpServer(address, 0)}.
 *
 * <h2>Threads</h2>
 * Each server has an engine of its own (or, with {@code -Dpants.loops=N} or
 * {@link #PantsHttpServerProvider(String, int)}, a group of N, each connection served by one); {@code start()} runs it on a new (non-daemon) thread,
 * which does all the I/O, and {@code stop()} ends it and closes the engine. Handlers run on the
 * executor given to {@code setExecutor}, or, without one, on their connection's loop thread, as
 * a Pants {@code HttpHandler} does: one exchange after the other on each loop, as the JDK's own
 * server runs them on its dispatcher thread, with no hand-over between threads. The loop can't
 * wait for itself, so:
 * <ul>
 * <li>a request body up to the HTTP server's body limit (10 MB,
 *     {@link io.pants.http.HttpServer#DEFAULT_MAX_BODY_SIZE}) is all in memory before the handler
 *     is called, and {@code getRequestBody()} reads it without waiting; the exchange of a larger
 *     one goes to a thread of the server's, {@code pants-httpserver-PORT-large-body} (made when
 *     first needed, one exchange at a time), where the handler reads it as it comes;</li>
 * <li>what the handler writes to {@code getResponseBody()} is queued to the connection without
 *     waiting for the client: a large response is held in memory until the client takes it;</li>
 * <li>{@code stop(delay)} called from a handler returns at once, and a thread
 *     {@code pants-httpserver-PORT-stop} waits for the exchanges under way and closes the server.</li>
 * </ul>
 * A handler that blocks stalls every connection of its loop: a handler that writes very large
 * responses or blocks should be given an executor (a pool, or
 * {@code Executors.newVirtualThreadPerTaskExecutor()}). There, a handler waits for a slow client
 * instead of queueing its response (backpressure), and reads a body of any size as it arrives.
 * See {@link PantsHttpExchange} for how the exchange's streams reach the loop. An executor that
 * runs each task on the calling thread ({@code server.setExecutor(Runnable::run)}) also puts the
 * handlers on the loop thread, but gives a body over the limit no thread to wait on: reading past
 * what has come then throws.
 *
 * <p>{@link #createHttpsServer} makes an {@code HttpsServer}: the same server over Pants' TLS
 * layer, configured by the application's {@code HttpsConfigurator} as on the JDK's.
 *
 * @since 0.1
 */
public class PantsHttpServerProvider extends HttpServerProvider {
    private final String pollerName;
    /** 0: {@code -Dpants.loops}, else one. */
    private final int loops;

    /**
     * The provider the JDK makes: servers use the preferred poller ({@code -Dpants.poller},
     * else the best available; see {@link Pollers}).
     */
    public PantsHttpServerProvider() {
        this.pollerName = null;
        this.loops = 0;
    }

    /** A provider whose servers use the named poller ({@code epoll}, {@code epoll-libc}, {@code nio}). */
    public PantsHttpServerProvider(String pollerName) {
        this.pollerName = Objects.requireNonNull(pollerName);
        this.loops = 0;
    }

    /**
     * A provider whose servers use the named poller (null: the preferred one) on {@code loops}
     * event loops each ({@link io.pants.EngineGroup}); without this, {@code -Dpants.loops}, else one.
     *
     * @throws IllegalArgumentException if {@code loops} is not positive
     */
    public PantsHttpServerProvider(String pollerName, int loops) {
        if (loops <= 0) throw new IllegalArgumentException("a server needs at least one loop, got " + loops);
        this.pollerName = pollerName;
        this.loops = loops;
    }

    /**
     * A server on its own engine, bound to {@code address} unless it is null (then call
     * {@code bind} before {@code start}); a {@code backlog} of 0 or less takes the default.
     */
    @Override
    public HttpServer createHttpServer(InetSocketAddress address, int backlog) throws IOException {
        return loops > 0 ? new PantsHttpServer(pollerName, loops, address, backlog) : new PantsHttpServer(pollerName, address, backlog);
    }

    /**
     * An HTTPS server on its own engine, bound to {@code address} unless it is null; give it an
     * {@code HttpsConfigurator} (its {@code SSLContext}, and per-connection choices) before
     * {@code start()}. Handlers get {@code HttpsExchange}s.
     */
    @Override
    public HttpsServer createHttpsServer(InetSocketAddress address, int backlog) throws IOException {
        return new PantsHttpsServer(new PantsHttpServer(pollerName, address, backlog));
    }

    @Override
    public String toString() {
        return "PantsHttpServerProvider[" + (pollerName == null ? "preferred poller" : pollerName) + (loops > 0 ? ", " + loops + " loops" : "") + "]";
    }
}
