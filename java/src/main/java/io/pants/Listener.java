// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.DescriptorsExhaustedException;
import io.pants.spi.ListenerSocket;
import io.pants.spi.Poller;
import io.pants.spi.StreamSocket;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/** One listening socket of a {@link Server}, on one of its loops ({@link ServerLoop}). */
final class Listener extends Channel<ListenerSocket> {
    /** Accepts per readiness event, so that a connection flood can't starve established streams. */
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final long FIRST_BACKOFF_MS = 10, MAX_BACKOFF_MS = 1000;

    private final ServerLoop server;
    private final Path unixPath;
    /** The first loop accepts here for all of a server's loops (see {@link Server}), instead of listening on each. */
    boolean handsOff;
    private boolean paused;
    private long backoffMs;
    private Timer resumeTimer;

    Listener(ServerLoop server, ListenerSocket socket, SocketAddress address) throws IOException {
        this.server = server;
        this.engine = server.engine;
        this.socket = socket;
        this.unixPath = address instanceof UnixDomainSocketAddress u ? u.getPath() : null;
        this.token = engine.register(this);
        this.state = ChannelState.OPEN;
        engine.poller().register(socket, token, Poller.READ, false);
        registeredWith(Poller.READ);
    }

    @Override
    void handleReady(int events) {
        if (state == ChannelState.CLOSED || paused) return;
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            StreamSocket s;
            try {
                s = socket.accept();
            } catch (DescriptorsExhaustedException e) {
                pause(e); // not refused: the connection waits in the backlog for the pause to end
                return;
            } catch (IOException e) {
                server.refused();
                Engine.LOG.log(Level.WARNING, "accept failed on " + server + ": " + e);
                return;
            }
            if (s == null) return;
            backoffMs = 0;
            server.accepted(s, handsOff);
            if (state == ChannelState.CLOSED) return;
        }
    }

    private void pause(DescriptorsExhaustedException e) {
        server.acceptPaused();
        if (backoffMs == 0) {
            Engine.LOG.log(Level.WARNING, server + " cannot accept: " + e.getMessage()
                    + "; pausing accepts (open connections are still served) until descriptors are freed");
        }
        backoffMs = backoffMs == 0 ? FIRST_BACKOFF_MS : Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        FlightEvents.acceptPaused(server.toString(), e.getMessage(), backoffMs);
        paused = true;
        setInterest(0);
        engine.pausedListeners.add(this);
        resumeTimer = engine.defer(Duration.ofMillis(backoffMs), this::resumeAccepting);
    }

    void resumeAccepting() {
        if (!paused || state == ChannelState.CLOSED) return;
        paused = false;
        if (resumeTimer != null) {
            resumeTimer.cancel();
            resumeTimer = null;
        }
        engine.pausedListeners.remove(this);
        setInterest(Poller.READ);
    }

    ServerLoop server() { return server; }

    @Override
    void closeNow() {
        if (state == ChannelState.CLOSED) return;
        state = ChannelState.CLOSED;
        if (resumeTimer != null) resumeTimer.cancel();
        engine.pausedListeners.remove(this);
        closeSocket(); // as every channel's close: a descriptor freed lets paused listeners try again
        if (unixPath != null) deleteSocketFile(unixPath);
    }

    @Override
    void handleReceived(ByteBuffer data) {
        throw new IllegalStateException("a listener is registered without readOnReady");
    }

    @Override
    void handleReceiveEnded(IOException error) {
        // only reached when the poller failed to register the listening socket: it can't accept
        Engine.LOG.log(Level.ERROR, server + " stops listening on " + socket.localAddress() + ": " + error);
        closeNow();
    }
}
