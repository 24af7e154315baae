// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

/** The peer broke the protocol: the connection fails with this close code (RFC 6455 section 7.1.7). */
final class FrameException extends Exception {
    final int code;

    FrameException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }
}
