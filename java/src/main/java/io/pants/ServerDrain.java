// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A graceful {@link Server#shutdown(Duration)}: each loop stops listening, asks its connections
 * to finish ({@link Server#drain(Stream)}), and aborts those still open at the deadline; once
 * every loop has no connection left, the server is closed and {@link #done} completes. Each
 * loop's part runs on that loop's thread; only the count of loops still draining is shared.
 */
final class ServerDrain {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Server server;
    private final long graceNanos;
    private final AtomicInteger loopsLeft;

    ServerDrain(Server server, int loops, Duration grace) {
        this.server = server;
        this.graceNanos = Math.max(0, Engine.saturatedNanos(grace));
        this.loopsLeft = new AtomicInteger(loops);
    }

    /** On {@code part}'s loop: the shutdown begins there. */
    void begin(ServerLoop part) {
        part.drain = this;
        part.stopListening();
        if (part.isEmpty()) {
            loopDrained(part);
            return;
        }
        part.drainDeadline = part.engine.defer(Duration.ofNanos(graceNanos), () -> deadlinePassed(part));
        List<Stream> open = new ArrayList<>(part.connections);
        for (Stream s : open) {
            if (!s.isClosed()) s.safely("Server.drain", () -> server.drain(s));
        }
    }

    private void deadlinePassed(ServerLoop part) {
        part.drainDeadline = null;
        for (Stream s : new ArrayList<>(part.connections)) s.abort();
        for (Stream s : new ArrayList<>(part.closing)) s.abort();
        loopDrained(part); // aborting empties the set, which may have said so already
    }

    /** {@code part} has no connection left (or its loop is gone). */
    void loopDrained(ServerLoop part) {
        if (part.drainFinished) return;
        part.drainFinished = true;
        if (part.drainDeadline != null) {
            part.drainDeadline.cancel();
            part.drainDeadline = null;
        }
        if (loopsLeft.decrementAndGet() == 0) {
            server.drained();
            done.complete(null);
        }
    }
}
