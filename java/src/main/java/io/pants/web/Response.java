// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.http.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A response for a handler to return when a bare body is not enough: a status, header fields,
 * and a body with its content type.
 *
 * <pre>{@code
 * app.route("/post/<int:id>", request -> posts.containsKey(request.intParam("id"))
 *         ? new Response(posts.get(request.intParam("id")))
 *         : new Response(404, "no such post").contentType("text/plain; charset=utf-8"));
 * app.route("/old", request -> Response.redirect("/new"));
 * }</pre>
 *
 * A text body defaults to {@code text/html; charset=utf-8}, a byte body to
 * {@code application/octet-stream}, as when a handler returns a bare {@code String} or
 * {@code byte[]}. {@code new Response(204)} has no body and no content type.
 *
 * @since 0.1
 */
public final class Response {
    static final String HTML = "text/html; charset=utf-8";
    static final String BYTES = "application/octet-stream";
    private static final byte[] EMPTY = new byte[0];

    private final int status;
    private final byte[] body;
    private String contentType;
    /** name, value, name, value, ... */
    private final List<String> headers = new ArrayList<>(4);

    /** 200 with a text body. */
    public Response(String body) {
        this(200, body);
    }

    /** A status with a text body (UTF-8, {@code text/html; charset=utf-8} unless {@link #contentType} says otherwise). */
    public Response(int status, String body) {
        this(status, body.getBytes(StandardCharsets.UTF_8), HTML);
    }

    /** A status with a byte body ({@code application/octet-stream} unless {@link #contentType} says otherwise). */
    public Response(int status, byte[] body) {
        this(status, body, BYTES);
    }

    /** A status without a body, such as 204 or 304. */
    public Response(int status) {
        this(status, EMPTY, null);
    }

    private Response(int status, byte[] body, String contentType) {
        if (status < 200 || status > 599) throw new IllegalArgumentException("a response status is 200 to 599, got " + status);
        this.status = status;
        this.body = body;
        this.contentType = contentType;
    }

    /** A 302 Found to {@code location}. */
    public static Response redirect(String location) {
        return redirect(302, location);
    }

    /** A redirect with the given status (301, 302, 303, 307 or 308) to {@code location}. */
    public static Response redirect(int status, String location) {
        if (status < 300 || status > 399) throw new IllegalArgumentException("a redirect status is 3xx, got " + status);
        return new Response(status, HttpStatus.reasonPhrase(status) + "\n")
                .contentType("text/plain; charset=utf-8").header("Location", location);
    }

    /** Sets the body's content type (null for none). */
    public Response contentType(String type) {
        this.contentType = type;
        return this;
    }

    /** Adds a header field; add the same name again for a repeated field ({@code Set-Cookie}). */
    public Response header(String name, String value) {
        headers.add(name);
        headers.add(value);
        return this;
    }

    /** Adds header fields. */
    public Response headers(Map<String, String> fields) {
        fields.forEach(this::header);
        return this;
    }

    public int status() { return status; }

    /** The body (don't change the array). */
    public byte[] body() { return body; }

    public String contentType() { return contentType; }

    /** The header fields added: name, value, name, value, ... */
    public List<String> headerFields() { return Collections.unmodifiableList(headers); }

    @Override
    public String toString() {
        return "Response[" + status + ", " + body.length + " bytes, " + contentType + ", " + headers + "]";
    }
}
