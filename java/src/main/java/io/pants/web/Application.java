// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.Engine;
import io.pants.TlsConfig;
import io.pants.http.HttpException;
import io.pants.http.HttpHandler;
import io.pants.http.HttpRequest;
import io.pants.http.HttpServer;
import io.pants.http.HttpStatus;
import io.pants.websocket.WebSocket;

import javax.net.ssl.SSLContext;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A web application, as in Pants: routes from path rules to handlers, whose results become the
 * responses.
 *
 * <pre>{@code
 * var app = new Application();
 * app.route("/", request -> "Hello, World!");
 * app.route("/hello/<name>", request -> "Hello, " + request.param("name") + "!");
 * app.route("/post/<int:id>", Set.of("GET", "DELETE"), request -> ...);
 * app.mount("/static", new FileServer(Path.of("public")));
 * app.run(8080);
 * }</pre>
 *
 * <h2>Routing</h2>
 * A request goes to the first route, in the order they were added, whose rule matches its
 * decoded path (see {@link #route(String, Handler)} for the rule syntax) and that answers its
 * method. A route answering {@code GET} answers {@code HEAD} too (the HTTP layer drops the
 * body), unless a route for the path answers {@code HEAD} itself. {@code OPTIONS} is answered
 * with 204 and {@code Allow} unless a route answers it. Otherwise: 405 with {@code Allow} if
 * some route matches the path, else 404.
 *
 * <h2>Results</h2>
 * See {@link Handler}: {@code String}, {@code byte[]}, {@link Response}, {@code Path},
 * {@code null} (204) or a {@code CompletionStage} of one of them. {@link HttpException} answers
 * with its status and message as plain text; any other exception is logged
 * ({@code System.Logger} "io.pants.web") and answers 500.
 *
 * <h2>Serving</h2>
 * {@link #run(int)} listens and runs the default engine on the calling thread. To serve on
 * an engine of your own, or to listen without starting the engine, use {@link #listen(int)}, or
 * the application as the {@link HttpHandler} of an {@link HttpServer}:
 * {@code new HttpServer(engine, app).listen("127.0.0.1", 0)}; on all cores,
 * {@code new HttpServer(group, app)} with an {@link io.pants.EngineGroup} (a handler runs on the
 * loop of its request's connection). Routes may be added before the server starts; on one
 * engine, on its loop thread afterwards; on a group, whose loops all read them, only before it
 * starts.
 *
 * @since 0.1
 */
public class Application implements HttpHandler {
    static final System.Logger LOG = System.getLogger("io.pants.web");
    private static final Set<String> GET_ONLY = Set.of("GET");

    private final List<Route> routes = new ArrayList<>();
    /** HTTPS for the servers listen() and run() make; null: plain HTTP. */
    private TlsConfig tls;

    /**
     * Routes {@code GET} (and so {@code HEAD}) requests whose decoded path matches {@code rule}
     * to {@code handler}. A rule is literal text with parameters: {@code <name>} (one path
     * segment, without {@code /}), {@code <int:name>} (decimal digits that fit an {@code int}),
     * {@code <float:name>} ({@code 3} or {@code 2.5}, as a {@code double}) and
     * {@code <path:name>} (the rest, slashes included). A path whose parameter does not convert
     * (an {@code int} too large) does not match the route.
     *
     * <pre>{@code
     * app.route("/files/<path:file>", request -> "you asked for " + request.param("file"));
     * }</pre>
     *
     * @param rule    the path, with parameters
     * @param handler answers the requests the rule matches; its result becomes the response
     * @return this application, for the next route
     */
    public Application route(String rule, Handler handler) {
        return route(rule, GET_ONLY, handler);
    }

    /**
     * Routes requests with any of {@code methods} (case-sensitive, as HTTP methods are) whose path
     * matches {@code rule}.
     *
     * @param rule    the path, with parameters, as for {@link #route(String, Handler)}
     * @param methods the methods it answers; {@code GET} answers {@code HEAD} too
     * @param handler answers the requests the rule matches; its result becomes the response
     * @return this application, for the next route
     * @throws IllegalArgumentException if {@code methods} is empty or holds something that is not
     *         an HTTP method token
     */
    public Application route(String rule, Collection<String> methods, Handler handler) {
        routes.add(new Route(Objects.requireNonNull(rule), checkMethods(methods), Objects.requireNonNull(handler)));
        return this;
    }

    /** Routes {@code GET} requests; the same as {@link #route(String, Handler)}. */
    public Application get(String rule, Handler handler) { return route(rule, GET_ONLY, handler); }

    /** Routes {@code POST} requests. */
    public Application post(String rule, Handler handler) { return route(rule, Set.of("POST"), handler); }

    /** Routes {@code PUT} requests. */
    public Application put(String rule, Handler handler) { return route(rule, Set.of("PUT"), handler); }

    /** Routes {@code DELETE} requests. */
    public Application delete(String rule, Handler handler) { return route(rule, Set.of("DELETE"), handler); }

    /**
     * Hands {@code GET} and {@code HEAD} requests for {@code prefix} and everything under it to
     * {@code handler}, with the rest of the path after {@code prefix + "/"} as parameter
     * {@code path} (empty for the prefix itself). The prefix without its slash
     * ({@code /static}) redirects to {@code /static/}, so that relative links in pages found
     * there work.
     *
     * <pre>{@code
     * app.mount("/static", new FileServer(Path.of("public")));
     * }</pre>
     *
     * @param prefix  a path starting with {@code /}
     * @param handler answers every request under it
     * @return this application, for the next route
     * @throws IllegalArgumentException if {@code prefix} does not start with {@code /}
     */
    public Application mount(String prefix, Handler handler) {
        if (!prefix.startsWith("/")) throw new IllegalArgumentException("a mount prefix starts with '/': '" + prefix + "'");
        Objects.requireNonNull(handler);
        String bare = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (!bare.isEmpty()) {
            routes.add(new Route(bare, GET_ONLY, request -> Response.redirect(301, withSlash(request.http()))));
        }
        routes.add(Route.mount(bare, GET_ONLY, handler));
        return this;
    }

    /**
     * Routes WebSocket handshakes ({@code GET} with {@code Upgrade: websocket}) whose path matches
     * {@code rule} to a WebSocket made by {@code factory}, one per connection; see
     * {@link WebSocket#accept}. Other requests for the path are answered 426.
     *
     * <pre>{@code
     * class Chat extends WebSocket {
     *     @Override protected void onText(String text) { send("you said: " + text); }
     * }
     * app.websocket("/chat", Chat::new);
     * }</pre>
     *
     * @param rule    the path, with parameters, as for {@link #route(String, Handler)}
     *                (the WebSocket reads them from {@link WebSocket#handshake()})
     * @param factory makes the WebSocket for each handshake
     * @return this application, for the next route
     */
    public Application websocket(String rule, Supplier<? extends WebSocket> factory) {
        Objects.requireNonNull(factory);
        return route(rule, GET_ONLY, request -> {
            WebSocket socket = Objects.requireNonNull(factory.get(), "the WebSocket factory returned null");
            socket.accept(request.http()); // answers the request either way
            return null;
        });
    }

    private static Set<String> checkMethods(Collection<String> methods) {
        if (methods.isEmpty()) throw new IllegalArgumentException("a route answers at least one method");
        for (String m : methods) {
            if (m.isEmpty() || !m.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
                throw new IllegalArgumentException("not an HTTP method: '" + m + "'");
            }
        }
        return Set.copyOf(methods);
    }

    /** The request's path as sent with a slash added, and its query: where a directory's URL redirects. */
    static String withSlash(HttpRequest http) {
        String path = http.rawPath();
        // "//host/x" would be a link to another site: the client asked for "/host/x" on this one
        int slashes = 0;
        while (slashes < path.length() && path.charAt(slashes) == '/') slashes++;
        if (slashes > 1) path = path.substring(slashes - 1);
        return path + "/" + (http.query() == null ? "" : "?" + http.query());
    }

    // ---------------------------------------------------------------- serving

    /**
     * Serves the application over HTTPS from now on ({@code listen} and {@code run}); handlers
     * see {@code request.http().isSecure()}.
     *
     * <pre>{@code
     * app.tls(Tls.serverContext(Path.of("cert.pem"), Path.of("key.pem"))).run(8443);
     * }</pre>
     *
     * @param context the server's certificate and key
     * @return this application
     */
    public Application tls(SSLContext context) {
        return tls(TlsConfig.of(context));
    }

    /**
     * HTTPS with the choices of {@link TlsConfig} (ALPN, SNI, client certificates); null: plain HTTP again.
     *
     * @param config the TLS configuration, or null
     * @return this application
     */
    public Application tls(TlsConfig config) {
        this.tls = config;
        return this;
    }

    /**
     * Serves HTTPS on every interface and runs the default engine on this thread (as {@link #run(int)}).
     *
     * @param context the server's certificate and key
     * @param port the port
     */
    public void runTls(SSLContext context, int port) {
        tls(context).run(port);
    }

    private HttpServer server(HttpServer server) {
        return tls == null ? server : server.tls(tls);
    }

    /**
     * Listens on every interface, without starting the engine: the engine running the current
     * callback, else the default engine ({@link Engine#instance()}); see
     * {@link HttpServer#HttpServer(HttpHandler)}.
     *
     * @param port the port, or 0 for a free one
     * @return the HTTP server serving this application, to set its limits or stop it
     * @throws java.io.UncheckedIOException if the port can't be bound
     */
    public HttpServer listen(int port) {
        return server(new HttpServer(this)).listen(port);
    }

    /**
     * Listens on {@code host}, without starting the engine (which engine: see {@link #listen(int)}).
     *
     * @param host an address or a host name of this machine
     * @param port the port, or 0 for a free one
     * @return the HTTP server serving this application, to set its limits or stop it
     * @throws java.io.UncheckedIOException if the host is unknown or the address can't be bound
     */
    public HttpServer listen(String host, int port) {
        return server(new HttpServer(this)).listen(host, port);
    }

    /**
     * Listens on every interface and runs the default engine on this thread, until it is
     * stopped; with {@code -Dpants.loops=N} (or after {@link Engine#group(int)}), the default
     * group's N loops serve it.
     */
    public void run(int port) {
        runServer().listen(port);
        Engine.instance().start();
    }

    /** Listens on {@code host} and runs the default engine (or group, as {@link #run(int)}) on this thread, until it is stopped. */
    public void run(String host, int port) {
        runServer().listen(host, port);
        Engine.instance().start();
    }

    /** The server run() listens with: on the default engine, or the default group, off any loop. */
    private HttpServer runServer() {
        Engine engine = Engine.instance();
        return server(Engine.current() == null ? new HttpServer(this) : new HttpServer(engine, this));
    }

    // ---------------------------------------------------------------- answering

    /** Routes one request: the application as an {@link HttpHandler}. */
    @Override
    public void handle(HttpRequest http) throws Exception {
        String method = http.method();
        String path = http.path();
        Route found = null, get = null;
        Map<String, Object> params = null, getParams = null;
        Set<String> allowed = null;
        for (Route route : routes) {
            Map<String, Object> p = route.match(path);
            if (p == null) continue;
            if (route.methods.contains(method)) {
                found = route;
                params = p;
                break;
            }
            if (get == null && method.equals("HEAD") && route.methods.contains("GET")) {
                get = route;
                getParams = p;
            }
            if (allowed == null) allowed = new TreeSet<>();
            allowed.addAll(route.methods);
        }
        if (found == null && get != null) {
            found = get;
            params = getParams;
        }
        if (found == null) {
            answerWithoutRoute(http, allowed);
            return;
        }
        Request request = new Request(http, params);
        Object result;
        try {
            result = found.handler.handle(request);
        } catch (Exception e) {
            // part of the response is out: only the HTTP layer's close can tell the client
            if (http.isCommitted() || http.isFinished()) throw e;
            answer(http, failure(http, e));
            return;
        }
        if (request.isAsync()) return;
        if (http.isFinished() || http.isCommitted()) {
            if (result != null) LOG.log(Level.WARNING, "The handler of " + http + " answered through the HTTP request and returned "
                    + describe(result) + " as well; the result is ignored (call request.startAsync() to answer yourself)");
            return;
        }
        answer(http, result);
    }

    /** No route answers: OPTIONS gets the allowed methods, else 405 if some route has the path, else 404. */
    private void answerWithoutRoute(HttpRequest http, Set<String> allowed) {
        if (http.method().equals("OPTIONS") && http.path().equals("*")) {
            http.sendHeader("Allow", String.join(", ", allMethods()));
            answer(http, null);
        } else if (allowed == null) {
            answer(http, error(new HttpException(404)));
        } else if (http.method().equals("OPTIONS")) {
            http.sendHeader("Allow", String.join(", ", completed(allowed)));
            answer(http, null);
        } else {
            answer(http, error(new HttpException(405)).header("Allow", String.join(", ", completed(allowed))));
        }
    }

    /** Every method of the application, for OPTIONS *. */
    private Set<String> allMethods() {
        Set<String> allow = new TreeSet<>();
        for (Route route : routes) allow.addAll(route.methods);
        return completed(allow);
    }

    private static Set<String> completed(Set<String> allow) {
        if (allow.contains("GET")) allow.add("HEAD");
        allow.add("OPTIONS");
        return allow;
    }

    /** Turns a result into the response; a CompletionStage answers once it completes. */
    private void answer(HttpRequest http, Object result) {
        if (http.isAborted()) {
            http.finish(); // the client is gone: nothing to send
            return;
        }
        try {
            if (result == null) {
                http.sendStatus(204);
                http.finish();
            } else if (result instanceof String s) {
                http.sendResponse(s.getBytes(StandardCharsets.UTF_8), 200, Response.HTML);
            } else if (result instanceof byte[] b) {
                http.sendResponse(b, 200, Response.BYTES);
            } else if (result instanceof Response r) {
                List<String> fields = r.headerFields();
                for (int i = 0; i < fields.size(); i += 2) http.sendHeader(fields.get(i), fields.get(i + 1));
                http.sendResponse(r.body(), r.status(), r.contentType());
            } else if (result instanceof Path file) {
                http.sendFile(file);
            } else if (result instanceof CompletionStage<?> stage) {
                stage.whenComplete((value, error) -> onLoop(http, () -> {
                    if (error != null) answer(http, failure(http, unwrap(error)));
                    else answer(http, value);
                }));
            } else {
                throw new IllegalStateException("a handler returned " + describe(result)
                        + "; return a String, byte[], Response, Path, CompletionStage or null");
            }
        } catch (RuntimeException e) {
            if (http.isCommitted() || http.isFinished()) throw e; // the HTTP layer closes the connection
            answer(http, failure(http, e));
        }
    }

    /** The response for a handler's exception: its status for an HttpException, else 500 (logged). */
    private static Response failure(HttpRequest http, Throwable e) {
        if (e instanceof HttpException h) return error(h);
        LOG.log(Level.ERROR, "Uncaught exception in the handler of " + http, e);
        return error(new HttpException(500));
    }

    /** A plain-text error response: "404 Not Found", with the exception's message when it says more. */
    static Response error(HttpException e) {
        String reason = HttpStatus.reasonPhrase(e.status());
        String message = e.getMessage();
        String text = e.status() + " " + reason
                + (message != null && !message.isEmpty() && !message.equals(reason) ? ": " + message : "") + "\n";
        return new Response(e.status(), text).contentType("text/plain; charset=utf-8");
    }

    /** Runs {@code task} on the request's loop thread: a CompletionStage may complete on any thread. */
    private static void onLoop(HttpRequest http, Runnable task) {
        Engine engine = http.engine();
        if (engine.inLoopThread()) task.run();
        else engine.execute(task);
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
        return e;
    }

    private static String describe(Object result) {
        return "a " + result.getClass().getName();
    }
}
