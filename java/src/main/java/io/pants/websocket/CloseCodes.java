// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

/**
 * The status codes of a close frame (RFC 6455 section 7.4): which a peer may send, and which a
 * close frame may carry at all. 1005, 1006 and 1015 only ever describe a closing locally.
 */
final class CloseCodes {
    private CloseCodes() {}

    /**
     * Whether a close frame may carry {@code code}: the defined codes but the three that never go
     * on the wire, and 3000-4999 (registered with IANA, and private use).
     */
    static boolean isSendable(int code) {
        if (code >= 3000 && code <= 4999) return true;
        return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
    }
}
