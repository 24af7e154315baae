package io.pants.iocp;

/**
 * One socket's AFD poll, as the shim manages it (the {@code sock_record} of
 * native/pants_iocp.c), in pure Java so that its rules are written down and tested on every
 * platform. The shim is the implementation; this class mirrors it transition for transition,
 * and a change to one must be made to the other.
 *
 * <p>The rules: at most one poll in flight per socket. Setting the interest queues the socket;
 * at the start of the next wait a queued socket is brought in line ({@link #update}): an idle
 * one with an interest submits a poll, a polled one whose poll lacks a wanted bit (or that is
 * wanted no more) is cancelled and submitted again once the cancellation completes. A
 * completion reports the bits that are still wanted (plus ABORT and CONNECT_FAIL, always) and
 * queues the socket, so the next wait polls again: level-triggered. The record holding the
 * poll's buffers is freed only when no poll is in flight: deregistering a polled socket cancels
 * it and leaves the freeing to the completion.
 */
final class AfdPollState {
    enum State { IDLE, POLLING, CANCELLING }

    /** What the caller (the shim) must do after a transition. */
    enum Action { NONE, SUBMIT, CANCEL, FREE }

    /** How a poll ended: with bits, cancelled, or failed. */
    enum Ending { SUCCEEDED, CANCELLED, FAILED }

    private final AfdEvents afd;
    private State state = State.IDLE;
    private int interest, polled;
    private boolean deleted, queued;

    AfdPollState(AfdEvents afd) {
        this.afd = afd;
    }

    State state() { return state; }
    boolean queued() { return queued; }
    boolean deleted() { return deleted; }
    /** The bits of the poll in flight, 0 when none. */
    int polled() { return polled; }

    /** ADD or MOD: remember the interest and queue the socket for the next wait. */
    void setInterest(int afdInterest) {
        interest = afdInterest & ~afd.pollFailed;
        queued = true;
    }

    /** Run for a queued socket at the start of a wait. */
    Action update() {
        queued = false;
        if (deleted) return state == State.IDLE ? Action.FREE : Action.NONE;
        switch (state) {
            case CANCELLING:
                return Action.NONE; // its completion queues it again
            case POLLING:
                // a poll asking for more than wanted may stay: the extra bits are masked on completion
                if (interest == 0 || (interest & ~polled) != 0) {
                    state = State.CANCELLING;
                    return Action.CANCEL;
                }
                return Action.NONE;
            default:
                if (interest == 0) return Action.NONE;
                state = State.POLLING;
                polled = interest | afd.abort | afd.connectFail | afd.localClose;
                return Action.SUBMIT;
        }
    }

    /** DEL: the caller is about to close the socket. */
    Action deregister() {
        deleted = true;
        interest = 0;
        if (state == State.POLLING) {
            state = State.CANCELLING;
            return Action.CANCEL;
        }
        return state == State.IDLE && !queued ? Action.FREE : Action.NONE;
    }

    /**
     * A completion of this socket's poll was dequeued. Returns the bits to report (0: nothing),
     * or -1 when the record must now be freed.
     */
    int completed(Ending ending, int bits) {
        boolean wasCancelling = state == State.CANCELLING;
        state = State.IDLE;
        polled = 0;
        if (deleted) return queued ? 0 : -1; // a queued record is freed by update()
        if (ending == Ending.CANCELLED || (wasCancelling && ending == Ending.SUCCEEDED && bits == 0)) {
            queued = true; // submitted again, with the interest of now
            return 0;
        }
        if (ending == Ending.FAILED) return afd.pollFailed; // not re-armed until the interest is set again
        if ((bits & afd.localClose) != 0) {
            // closed without being deregistered: nothing is in flight any more, forget it
            deleted = true;
            return queued ? 0 : -1;
        }
        queued = true; // polled again by the next wait: level-triggered
        return bits & (interest | afd.abort | afd.connectFail);
    }
}
