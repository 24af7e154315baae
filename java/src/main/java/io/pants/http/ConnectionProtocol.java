// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Stream;

/**
 * What a connection speaks after an HTTP/1.1 upgrade ({@code 101 Switching Protocols}, RFC 9110
 * section 7.8): from the switch on, the connection's input and events come here instead of to the
 * HTTP parser, and the protocol writes to the connection itself. WebSocket
 * ({@code io.pants.websocket}) is one; any protocol that starts with an HTTP handshake can be.
 *
 * <pre>{@code
 * new HttpServer(request -> {
 *     if (!"shout".equals(request.header("Upgrade"))) throw new HttpException(426);
 *     request.upgrade("shout", new ConnectionProtocol() {
 *         Stream connection;
 *         public void onUpgrade(Stream c) { connection = c; }
 *         public void onRead(byte[] data) { connection.write(new String(data).toUpperCase()); }
 *         public void onEndOfInput() { connection.close(); }
 *         public void onTimeout() { connection.close(); }
 *         public void onClose() { }
 *     });
 * });
 * }</pre>
 *
 * Every method runs on the connection's loop thread. Bytes the client sent right behind the
 * upgrade request are not lost: they are the first {@link #onRead}, right after
 * {@link #onUpgrade}.
 *
 * @since 0.1
 */
public interface ConnectionProtocol {
    /**
     * The {@code 101} response is queued: the connection is this protocol's from now on. Keep
     * {@code connection} to write to it, close it, pause its reading or set its idle timeout and
     * water marks; its callbacks come to the methods here.
     */
    void onUpgrade(Stream connection);

    /** The next bytes from the peer, as they arrived; the array is yours. */
    void onRead(byte[] data);

    /** The connection's send queue went above its high water mark and is down to the low one again. */
    default void onDrain() {}

    /** The peer ended its output; what it sent has been delivered. Closing is up to the protocol. */
    void onEndOfInput();

    /** Nothing was read or written for the connection's idle timeout. Closing is up to the protocol. */
    void onTimeout();

    /**
     * The server is shutting down gracefully ({@link io.pants.Server#shutdown(java.time.Duration)}):
     * end the protocol's session the way it ends one (a closing message, a close handshake) and
     * close the connection. The shutdown counts the connection as finished once it is closed;
     * whatever is still open at the shutdown's deadline is aborted. Called at most once, after
     * {@link #onUpgrade}: at the start of the shutdown, or right after the upgrade if it came
     * while the server was shutting down already. By default nothing: the connection stays
     * open until it closes by itself or the deadline.
     *
     * <pre>{@code
     * public void onShutdown() {
     *     connection.write("BYE server restarting\n");
     *     connection.close(); // after what is queued
     * }
     * }</pre>
     *
     * {@code io.pants.websocket} sends a close frame with 1001 (Going Away) here and closes once
     * the peer answers it.
     */
    default void onShutdown() {}

    /** The connection closed, whatever closed it. Called once, after {@link #onUpgrade}. */
    void onClose();
}
