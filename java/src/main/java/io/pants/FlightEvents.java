// SPDX-License-Identifier: Apache-2.0
package io.pants;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.net.SocketAddress;

/**
 * The engine's JDK Flight Recorder events, and the calls that commit them. Without a recording
 * that enables an event, {@code isEnabled()} is false and nothing else happens (the JIT drops the
 * event object, which never escapes). Connection and TLS handshake events are off even in a
 * recording unless it enables them ({@code @Enabled(false)}): a busy server opens thousands a
 * second; slow turns and accept pauses are rare and on by default in any recording.
 *
 * <pre>{@code
 * java -XX:StartFlightRecording:filename=pants.jfr,+io.pants.ConnectionOpened#enabled=true ...
 * jfr print --events io.pants.SlowTurn pants.jfr
 * }</pre>
 */
final class FlightEvents {
    private FlightEvents() {}

    @Name("io.pants.SlowTurn")
    @Label("Slow Loop Turn")
    @Category("Pants")
    @Description("A loop turn busier than the engine's slow-turn threshold (Engine.Builder.slowTurnThreshold, -Dpants.slowTurnMillis)")
    @StackTrace(false)
    static final class SlowTurn extends Event {
        @Label("Turn") long turn;
        @Label("Busy") @Timespan(Timespan.NANOSECONDS) @Description("The turn's time outside the wait for I/O") long busy;
        @Label("Ready Events") @Description("Readiness events and reads the poller handed to channels") long readyEvents;
        @Label("Tasks Run") long tasksRun;
        @Label("Timers Run") long timersRun;
        @Label("Bytes Read") @DataAmount long bytesRead;
        @Label("Bytes Flushed") @DataAmount long bytesFlushed;
        @Label("Poller") String poller;
    }

    /** What the two connection events record. */
    abstract static class ConnectionEvent extends Event {
        @Label("Local Address") String localAddress;
        @Label("Remote Address") String remoteAddress;
        @Label("Accepted") @Description("Accepted by a server (else connected as a client)") boolean accepted;
    }

    @Name("io.pants.ConnectionOpened")
    @Label("Connection Opened")
    @Category("Pants")
    @Enabled(false)
    @StackTrace(false)
    static final class ConnectionOpened extends ConnectionEvent {}

    @Name("io.pants.ConnectionClosed")
    @Label("Connection Closed")
    @Category("Pants")
    @Enabled(false)
    @StackTrace(false)
    static final class ConnectionClosed extends ConnectionEvent {}

    @Name("io.pants.AcceptPaused")
    @Label("Accept Paused")
    @Category("Pants")
    @Description("A server stopped accepting for a while: the process ran out of file descriptors")
    @StackTrace(false)
    static final class AcceptPaused extends Event {
        @Label("Server") String server;
        @Label("Reason") String reason;
        @Label("Back-off") @Timespan(Timespan.MILLISECONDS) long backoff;
    }

    @Name("io.pants.TlsHandshake")
    @Label("TLS Handshake")
    @Category("Pants")
    @Description("A TLS handshake, from the connection (or STARTTLS) to its end: done, failed, or cut off by the close")
    @Enabled(false)
    @StackTrace(false)
    static final class TlsHandshake extends Event {
        @Label("Local Address") String localAddress;
        @Label("Remote Address") String remoteAddress;
        @Label("Client") @Description("This end was the TLS client (else the server)") boolean client;
        @Label("Server Name") @Description("As client, the host name checked and sent; as server, the name the client sent (SNI)") String serverName;
        @Label("Protocol") String protocol;
        @Label("Cipher Suite") String cipherSuite;
        @Label("Application Protocol") @Description("What ALPN chose, if anything") String applicationProtocol;
        @Label("Failed") boolean failed;
        @Label("Failure") @Description("Why it failed") String failure;
    }

    static void slowTurn(long turn, long busyNanos, long readyEvents, long tasksRun, long timersRun,
                         long bytesRead, long bytesFlushed, String poller) {
        SlowTurn e = new SlowTurn();
        if (!e.isEnabled()) return;
        e.turn = turn;
        e.busy = busyNanos;
        e.readyEvents = readyEvents;
        e.tasksRun = tasksRun;
        e.timersRun = timersRun;
        e.bytesRead = bytesRead;
        e.bytesFlushed = bytesFlushed;
        e.poller = poller;
        e.commit();
    }

    /** {@code s} has just connected, or been accepted; its addresses are only asked for a recording. */
    static void connectionOpened(Stream s, boolean accepted) {
        ConnectionOpened e = new ConnectionOpened();
        if (e.isEnabled()) commit(e, s.localAddress(), s.remoteAddress(), accepted);
    }

    /** Whether a close would be recorded: the addresses must be taken before the socket closes. */
    static boolean connectionClosedEnabled() {
        return new ConnectionClosed().isEnabled();
    }

    /** After {@link #connectionClosedEnabled()} said yes. */
    static void connectionClosed(SocketAddress local, SocketAddress remote, boolean accepted) {
        commit(new ConnectionClosed(), local, remote, accepted);
    }

    private static void commit(ConnectionEvent e, SocketAddress local, SocketAddress remote, boolean accepted) {
        e.localAddress = String.valueOf(local);
        e.remoteAddress = String.valueOf(remote);
        e.accepted = accepted;
        e.commit();
    }

    /**
     * A handshake begins: its event, begun (its duration counts from now), if a recording wants
     * it; else null, and the handshake costs nothing more.
     */
    static TlsHandshake tlsHandshakeStarted() {
        TlsHandshake e = new TlsHandshake();
        if (!e.isEnabled()) return null;
        e.begin();
        return e;
    }

    /** The handshake of {@code e} ended: done ({@code failure} null) or not; {@code ssl} is null if no engine was made. */
    static void tlsHandshakeEnded(TlsHandshake e, Stream s, boolean client, SSLEngine ssl, SSLException failure) {
        e.end();
        e.localAddress = String.valueOf(s.localAddress());
        e.remoteAddress = String.valueOf(s.remoteAddress());
        e.client = client;
        if (ssl != null) {
            if (client) e.serverName = ssl.getPeerHost();
            else tlsServerNameSeen(e, ssl);
            if (failure == null) {
                SSLSession session = ssl.getSession();
                e.protocol = session.getProtocol();
                e.cipherSuite = session.getCipherSuite();
                String alpn = ssl.getApplicationProtocol();
                e.applicationProtocol = alpn == null || alpn.isEmpty() ? null : alpn;
            }
        }
        e.failed = failure != null;
        if (failure != null) e.failure = failure.getMessage() != null ? failure.getMessage() : failure.toString();
        e.commit();
    }

    /**
     * A server's handshake in progress: the name its client asked for, while the handshake
     * session still has it (the finished TLS 1.3 session no longer does).
     */
    static void tlsServerNameSeen(TlsHandshake e, SSLEngine ssl) {
        if (e.serverName == null && ssl.getHandshakeSession() instanceof ExtendedSSLSession x) e.serverName = requestedName(x);
    }

    private static String requestedName(ExtendedSSLSession session) {
        for (SNIServerName n : session.getRequestedServerNames()) {
            if (n instanceof SNIHostName h) return h.getAsciiName();
        }
        return null;
    }

    static void acceptPaused(String server, String reason, long backoffMillis) {
        AcceptPaused e = new AcceptPaused();
        if (!e.isEnabled()) return;
        e.server = server;
        e.reason = reason;
        e.backoff = backoffMillis;
        e.commit();
    }
}
