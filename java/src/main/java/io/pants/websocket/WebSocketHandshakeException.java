// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import java.io.IOException;

/**
 * The server's answer to a client's opening handshake was not a valid {@code 101}: another
 * status (a 403 for a refused origin, a 404), or a 101 without the right fields (RFC 6455
 * section 4.1). Given to {@link WebSocket#onConnectError}.
 *
 * @since 0.1
 */
public class WebSocketHandshakeException extends IOException {
    private final int status;

    public WebSocketHandshakeException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The status of the server's answer; 0 when it was no HTTP response at all. */
    public int status() { return status; }
}
