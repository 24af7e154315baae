// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.ListenerSocket;
import io.pants.spi.StreamSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server's share of one loop: its listening sockets there, the connections that live there,
 * and what it counted there. Touched by that loop's thread only (the counters are read by
 * others through {@link Server#stats()}, as engine counters are), so a server on many loops
 * needs no lock: a server on one engine has one of these.
 */
final class ServerLoop {
    final Server server;
    final Engine engine;
    /** Changed by this loop only, rarely; read by any thread ({@link Server#localAddresses()}, {@link Server#isListening()}). */
    final List<Listener> listeners = new CopyOnWriteArrayList<>();
    final ConnectionSet connections = new ConnectionSet();
    /** Streams that left {@link #connections} while still sending their last output: a shutdown waits for them too. */
    final Set<Stream> closing = Collections.newSetFromMap(new IdentityHashMap<>());
    long accepted, refused, acceptPauses;
    /** Set by a graceful shutdown on this loop. */
    ServerDrain drain;
    /** The drain's deadline on this loop, while it is armed; whether this loop's part of the drain is over. */
    Timer drainDeadline;
    boolean drainFinished;

    ServerLoop(Server server, Engine engine) {
        this.server = server;
        this.engine = engine;
    }

    /** Opens a listening socket on this loop's poller. */
    Listener listen(SocketAddress address, int backlog, Map<SocketOption<?>, Object> options) {
        ListenerSocket socket;
        try {
            socket = engine.poller().listen(address, backlog, options);
        } catch (IOException e) {
            String hint = address instanceof java.net.UnixDomainSocketAddress
                    ? " (if no server uses it any more, delete the stale socket file)" : "";
            throw new UncheckedIOException("could not listen on " + address + ": " + e.getMessage() + hint, e);
        }
        try {
            Listener l = new Listener(this, socket, address);
            listeners.add(l);
            return l;
        } catch (IOException e) {
            socket.close();
            throw new UncheckedIOException("could not register the listener on " + address + ": " + e.getMessage(), e);
        }
    }

    void unlisten(Listener l) {
        l.closeNow();
        listeners.remove(l);
    }

    void stopListening() {
        for (Listener l : listeners) l.closeNow();
        listeners.clear();
    }

    boolean isListening() {
        for (Listener l : listeners) {
            if (!l.isClosedForEvents()) return true;
        }
        return false;
    }

    void close() {
        stopListening();
        for (Stream s : connections) s.close();
    }

    /** A listener of this loop accepted {@code socket}: kept here, or handed to another loop. */
    void accepted(StreamSocket socket, boolean handsOff) {
        server.distribute(this, socket, handsOff);
    }

    /** Makes the stream for {@code socket}, which this loop's poller owns, and opens it here. */
    void attach(StreamSocket socket) {
        if (drain != null || server.isClosed()) { // accepted just before the listeners closed
            socket.close();
            refused();
            return;
        }
        Stream stream;
        try {
            stream = Objects.requireNonNull(server.newStream(), "the stream factory returned null");
        } catch (Throwable e) {
            engine.reportError(server, "the stream factory", e);
            socket.close();
            refused();
            return;
        }
        try {
            stream.attach(engine, socket, server);
        } catch (IOException | RuntimeException e) {
            Engine.LOG.log(Level.WARNING, "Dropping a connection accepted by " + server + ": " + e);
            socket.close();
            refused();
            return;
        }
        accepted++;
        engine.counters.accepts++;
        connections.join(stream);
        stream.opened();
    }

    /** {@code s} starts closing (CLOSING: behind its queued output) or has closed. */
    void removed(Stream s) {
        connections.leave(s);
        if (s.state == ChannelState.CLOSING) closing.add(s);
        else if (!closing.isEmpty()) closing.remove(s);
        if (drain != null && isEmpty()) drain.loopDrained(this);
    }

    /** No connection left here, not even one still sending its last output. */
    boolean isEmpty() {
        return connections.isEmpty() && closing.isEmpty();
    }

    /** An accept failed, or a connection was dropped at once: see {@link ServerStats#refused()}. */
    void refused() {
        refused++;
        engine.counters.refused++;
    }

    /** Accepting stopped because descriptors ran out: see {@link ServerStats#acceptPauses()}. */
    void acceptPaused() {
        acceptPauses++;
        engine.counters.acceptPauses++;
    }

    @Override
    public String toString() {
        return server.toString();
    }
}
