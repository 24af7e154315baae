// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A path prefix of a {@link PantsHttpServer} with its handler, filters and authenticator. The
 * application may change them while the server runs (from any thread): each exchange sees them as
 * they were when its handling began.
 */
final class PantsHttpContext extends HttpContext {
    private final PantsHttpServer server;
    private final String path;
    private volatile HttpHandler handler;
    private volatile Authenticator authenticator;
    // read on handler threads while the application may still add to it
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private final Map<String, Object> attributes = Collections.synchronizedMap(new HashMap<>());

    PantsHttpContext(PantsHttpServer server, String path, HttpHandler handler) {
        this.server = server;
        this.path = path;
        this.handler = handler;
    }

    @Override
    public HttpHandler getHandler() { return handler; }

    @Override
    public void setHandler(HttpHandler handler) {
        Objects.requireNonNull(handler, "handler");
        synchronized (this) {
            if (this.handler != null) throw new IllegalArgumentException("the context " + path + " has a handler already");
            this.handler = handler;
        }
    }

    @Override
    public String getPath() { return path; }

    @Override
    public HttpServer getServer() { return server.facade(); }

    @Override
    public Map<String, Object> getAttributes() { return attributes; }

    @Override
    public List<Filter> getFilters() { return filters; }

    @Override
    public Authenticator setAuthenticator(Authenticator auth) {
        Authenticator old = authenticator;
        authenticator = auth;
        return old;
    }

    @Override
    public Authenticator getAuthenticator() { return authenticator; }

    @Override
    public String toString() {
        return "HttpContext[" + path + "]";
    }
}
