// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The client's connections, kept per {@link Route}: idle ones to reuse (the most recently used
 * first: the likeliest to be still open), limits per route and in all, and the requests waiting
 * for a connection, in order. Every connection is counted from its making to its
 * {@link #removed removal} in its {@code onClose}. Loop thread only.
 */
final class ConnectionPool {
    private static final class RoutePool {
        final Route route;
        final ArrayDeque<ClientConnection> idle = new ArrayDeque<>();
        final ArrayDeque<Exchange> waiting = new ArrayDeque<>();
        int open;

        RoutePool(Route route) { this.route = route; }
    }

    private final HttpClient client;
    int maxPerRoute = HttpClient.DEFAULT_MAX_CONNECTIONS_PER_ORIGIN;
    int maxTotal = HttpClient.DEFAULT_MAX_CONNECTIONS;
    long made;
    private final Map<Route, RoutePool> routes = new HashMap<>();
    private final Set<ClientConnection> all = new LinkedHashSet<>();
    private int idleCount;

    ConnectionPool(HttpClient client) {
        this.client = client;
    }

    int total() { return all.size(); }

    int idle() { return idleCount; }

    int waiting() {
        int n = 0;
        for (RoutePool rp : routes.values()) n += rp.waiting.size();
        return n;
    }

    /** A connection for {@code x}: an idle one of its route unless {@code fresh}, a new one, or its turn in the queue. */
    void acquire(Exchange x, boolean fresh) {
        RoutePool rp = routes.computeIfAbsent(x.route, RoutePool::new);
        if (!fresh) {
            ClientConnection c;
            while ((c = rp.idle.pollLast()) != null) {
                idleCount--;
                if (c.isConnected()) {
                    c.send(x);
                    return;
                }
            }
        }
        if (rp.open < maxPerRoute && (all.size() < maxTotal || closeIdleElsewhere(rp))) {
            open(rp, x);
            return;
        }
        x.waiting = true;
        rp.waiting.addLast(x);
    }

    private void open(RoutePool rp, Exchange x) {
        ClientConnection c = new ClientConnection(client, rp.route);
        rp.open++;
        all.add(c);
        made++;
        try {
            c.start(x);
        } catch (RuntimeException e) { // refused at once (the engine is closing, say): it never opened
            all.remove(c);
            rp.open--;
            x.fail(new HttpClientException("could not start a connection to " + rp.route + ": " + e.getMessage(), e));
        }
    }

    /** Makes room under the total limit by closing the longest idle connection of another route. */
    private boolean closeIdleElsewhere(RoutePool except) {
        for (RoutePool rp : routes.values()) {
            if (rp != except && !rp.idle.isEmpty()) {
                ClientConnection c = rp.idle.pollFirst();
                idleCount--;
                c.abort(); // removed() runs in its onClose, now
                return all.size() < maxTotal;
            }
        }
        return false;
    }

    /** {@code c} served its response completely; {@code reusable}: both sides are fine with another. */
    void release(ClientConnection c, boolean reusable) {
        RoutePool rp = routes.get(c.route);
        if (!reusable || client.isClosed() || client.keepAliveTimeout.isZero() || !c.isConnected()) {
            c.close();
            return;
        }
        Exchange next = rp.waiting.pollFirst();
        if (next != null) {
            next.waiting = false;
            c.send(next);
            return;
        }
        if (othersWaitForRoom(rp)) {
            c.close(); // a request of another route waits for the total limit: make room instead of idling
            return;
        }
        rp.idle.addLast(c);
        idleCount++;
        c.becameIdle(client.keepAliveTimeout);
    }

    private boolean othersWaitForRoom(RoutePool self) {
        for (RoutePool rp : routes.values()) {
            if (rp != self && !rp.waiting.isEmpty() && rp.open < maxPerRoute) return true;
        }
        return false;
    }

    /** {@code c} closed (from its onClose): it no longer counts, and a waiting request may take its place. */
    void removed(ClientConnection c) {
        if (!all.remove(c)) return;
        RoutePool rp = routes.get(c.route);
        if (rp.idle.remove(c)) idleCount--;
        rp.open--;
        if (!dispatchWaiting(rp)) {
            for (RoutePool other : List.copyOf(routes.values())) {
                if (other != rp && dispatchWaiting(other)) break;
            }
        }
        if (rp.open == 0 && rp.waiting.isEmpty()) routes.remove(rp.route);
    }

    private boolean dispatchWaiting(RoutePool rp) {
        if (rp.waiting.isEmpty() || rp.open >= maxPerRoute || all.size() >= maxTotal) return false;
        Exchange x = rp.waiting.pollFirst();
        x.waiting = false;
        open(rp, x);
        return true;
    }

    void cancelWaiting(Exchange x) {
        x.waiting = false;
        RoutePool rp = routes.get(x.route);
        if (rp != null) rp.waiting.remove(x);
    }

    /** The client closes: waiting requests fail, and every connection closes (failing its request). */
    void closeAll() {
        List<Exchange> waiting = new ArrayList<>();
        for (RoutePool rp : routes.values()) waiting.addAll(rp.waiting);
        for (Exchange x : waiting) x.fail(new HttpClientException("the HttpClient was closed; " + x + " waited for a connection"));
        for (ClientConnection c : List.copyOf(all)) c.clientClosed();
    }
}
