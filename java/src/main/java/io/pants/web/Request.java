// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.Engine;
import io.pants.http.FormData;
import io.pants.http.HttpException;
import io.pants.http.HttpHeaders;
import io.pants.http.HttpRequest;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * A request as a route's handler sees it: the HTTP request's fields, and the route's parameters.
 *
 * <pre>{@code
 * app.route("/post/<int:id>", request -> "post " + request.intParam("id")
 *         + ", page " + request.queryParameter("page"));
 * }</pre>
 *
 * {@link #http()} gives the underlying {@link HttpRequest} for everything else.
 *
 * @since 0.1
 */
public final class Request {
    private final HttpRequest http;
    private final Map<String, Object> params;
    private boolean async;

    Request(HttpRequest http, Map<String, Object> params) {
        this.http = http;
        this.params = params;
    }

    /** The route's parameters by name, converted: {@code String}, {@code Integer} ({@code int}) or {@code Double} ({@code float}). */
    public Map<String, Object> params() { return params; }

    /** Parameter {@code name} as text: {@code String.valueOf} its converted value ({@code 7} for {@code <int:id>} matched as {@code 007}). */
    public String param(String name) {
        return String.valueOf(value(name));
    }

    /** An {@code <int:name>} parameter. */
    public int intParam(String name) {
        if (value(name) instanceof Integer i) return i;
        throw new IllegalArgumentException("route parameter '" + name + "' is not an int parameter");
    }

    /** A {@code <float:name>} parameter. */
    public double floatParam(String name) {
        if (value(name) instanceof Double d) return d;
        throw new IllegalArgumentException("route parameter '" + name + "' is not a float parameter");
    }

    private Object value(String name) {
        Object v = params.get(name);
        if (v == null) throw new IllegalArgumentException("the route has no parameter '" + name + "' (it has " + params.keySet() + ")");
        return v;
    }

    /**
     * Says that the handler answers through {@link #http()} itself, now or later (a streamed
     * response, say), and must {@link HttpRequest#finish() finish} it; the handler's result is
     * ignored then.
     *
     * <pre>{@code
     * app.route("/slow", request -> {
     *     HttpRequest http = request.startAsync();
     *     http.engine().defer(Duration.ofSeconds(1), () -> http.sendResponse("done"));
     *     return null;
     * });
     * }</pre>
     */
    public HttpRequest startAsync() {
        async = true;
        return http;
    }

    boolean isAsync() { return async; }

    /** The underlying HTTP request, with the whole response API. */
    public HttpRequest http() { return http; }

    /** The method, such as {@code GET}. */
    public String method() { return http.method(); }

    /** The decoded path, such as {@code /hello/world}. */
    public String path() { return http.path(); }

    /** The query's parameters, decoded. */
    public Map<String, List<String>> queryParameters() { return http.queryParameters(); }

    /** The first value of query parameter {@code name}, or null. */
    public String queryParameter(String name) { return http.queryParameter(name); }

    /** The header fields. */
    public HttpHeaders headers() { return http.headers(); }

    /** The first value of header {@code name}, or null. */
    public String header(String name) { return http.header(name); }

    /** The value of cookie {@code name}, or null. */
    public String cookie(String name) { return http.cookie(name); }

    /** The body (don't change the array). */
    public byte[] body() { return http.body(); }

    /** The body as UTF-8 text. */
    public String bodyText() { return http.bodyText(); }

    /**
     * The fields of a form body (urlencoded or multipart).
     *
     * @throws HttpException 400 for a malformed multipart body
     */
    public FormData form() { return http.form(); }

    /** The first value of form field {@code name}, or null. */
    public String formField(String name) { return http.formField(name); }

    /** The client's address. */
    public SocketAddress remoteAddress() { return http.remoteAddress(); }

    /** The engine, for timers. */
    public Engine engine() { return http.engine(); }

    @Override
    public String toString() {
        return http + " " + params;
    }
}
