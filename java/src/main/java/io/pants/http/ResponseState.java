// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of one response, as {@link ResponseWriter} moves it on:
 *
 * <pre>
 *   OPEN ──commit──▶ STREAMING ──finish──▶ FINISHED
 *    │ └───────────finish─────────────────▲   │
 *    └──close──▶ ABORTED ──finish──▶ ABORTED_FINISHED ◀──close──┘
 *   (STREAMING ──close──▶ ABORTED too)
 *   OPEN ──upgrade──▶ UPGRADED ──close──▶ ABORTED_FINISHED
 * </pre>
 *
 * Only the moves listed are made; any other is a bug in the server, not the handler's misuse
 * (that is refused earlier, with a message that says what to do).
 */
enum ResponseState {
    /** Nothing is out: status and header fields may change, body bytes are held to learn the length. */
    OPEN,
    /** The head is out (or queued behind earlier responses); the body streams. */
    STREAMING,
    /** {@code finish()} was called: the connection has the whole response. */
    FINISHED,
    /** The connection closed before {@code finish()}: what is sent is dropped. */
    ABORTED,
    /**
     * A {@code 101 Switching Protocols} head went out (or waits behind earlier responses): once it
     * heads the line, the connection speaks the {@link ConnectionProtocol} it was upgraded to.
     * Neither finished nor live: nothing more is sent as HTTP.
     */
    UPGRADED,
    /** Finished and aborted both, in either order: nothing more happens. */
    ABORTED_FINISHED;

    private Set<ResponseState> next;

    static {
        OPEN.next = EnumSet.of(STREAMING, FINISHED, ABORTED, UPGRADED);
        STREAMING.next = EnumSet.of(FINISHED, ABORTED);
        FINISHED.next = EnumSet.of(ABORTED_FINISHED);
        ABORTED.next = EnumSet.of(ABORTED_FINISHED);
        UPGRADED.next = EnumSet.of(ABORTED_FINISHED);
        ABORTED_FINISHED.next = EnumSet.noneOf(ResponseState.class);
    }

    /** {@code to}, if this state may move there; else an IllegalStateException. */
    ResponseState moveTo(ResponseState to) {
        if (!next.contains(to)) throw new IllegalStateException("a response cannot go from " + this + " to " + to);
        return to;
    }

    /** Whether the head may still change. */
    boolean isOpen() { return this == OPEN; }

    boolean isFinished() { return this == FINISHED || this == ABORTED_FINISHED; }

    boolean isUpgraded() { return this == UPGRADED; }

    boolean isAborted() { return this == ABORTED || this == ABORTED_FINISHED; }

    /** Whether sent bytes still go anywhere: open or streaming. */
    boolean isLive() { return this == OPEN || this == STREAMING; }
}
