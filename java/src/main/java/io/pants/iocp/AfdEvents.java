// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import io.pants.spi.Poller;

import static io.pants.posix.ShimAbi.IocpSlot.*;
import static io.pants.posix.ShimAbi.at;

/**
 * The AFD poll bits (what {@code IOCTL_AFD_POLL} waits for and reports) and their translation
 * to and from the engine's {@link Poller#READ}/{@link Poller#WRITE}/{@link Poller#HANGUP}/
 * {@link Poller#ERROR}. Pure Java, so the mapping is tested on every platform; the values come
 * from the shim ({@code pants_iocp_constants}) when it is loaded, and equal {@link #DOCUMENTED}.
 */
final class AfdEvents {
    /** The driver's bit values, in the first slots of {@link io.pants.posix.ShimAbi.IocpSlot} (native/pants_iocp.c). */
    static final AfdEvents DOCUMENTED = new AfdEvents(new int[] {
        0x0001, 0x0002, 0x0004, 0x0008, 0x0010, // RECEIVE, RECEIVE_EXPEDITED, SEND, DISCONNECT, ABORT
        0x0020, 0x0040, 0x0080, 0x0100, // LOCAL_CLOSE, CONNECT, ACCEPT, CONNECT_FAIL
        0x40000000, // PANTS_IOCP_POLL_FAILED: the shim's own, for a poll that failed
    });

    final int receive, receiveExpedited, send, disconnect, abort, localClose, connect, accept, connectFail, pollFailed;

    /** {@code v}: pants_iocp_constants' values, or at least its AFD bits and FAILED_POLL. */
    AfdEvents(int[] v) {
        receive = at(v, AFD_POLL_RECEIVE); receiveExpedited = at(v, AFD_POLL_RECEIVE_EXPEDITED); send = at(v, AFD_POLL_SEND);
        disconnect = at(v, AFD_POLL_DISCONNECT); abort = at(v, AFD_POLL_ABORT); localClose = at(v, AFD_POLL_LOCAL_CLOSE);
        connect = at(v, AFD_POLL_CONNECT); accept = at(v, AFD_POLL_ACCEPT); connectFail = at(v, AFD_POLL_CONNECT_FAIL);
        pollFailed = at(v, FAILED_POLL);
    }

    /**
     * The AFD bits to poll for an engine interest. READ covers data, a pending connection and the
     * peer's FIN (a read then returns end of stream); WRITE covers room to send and the outcome
     * of a connect. The shim adds ABORT, CONNECT_FAIL and LOCAL_CLOSE itself, whatever the interest.
     */
    int interestMask(int interest) {
        int mask = 0;
        if ((interest & Poller.READ) != 0) mask |= receive | accept | disconnect;
        if ((interest & Poller.WRITE) != 0) mask |= send | connect | connectFail;
        return mask;
    }

    /**
     * The engine events for the AFD bits a poll reported. CONNECT means the connect finished and
     * the socket can send: it is WRITE, never READ (a connected socket is not readable because it
     * connected). CONNECT_FAIL is WRITE and ERROR, as a failed connect is on epoll, so the engine
     * looks at SO_ERROR; ABORT (reset) is HANGUP and ERROR; DISCONNECT (the peer's FIN) is READ,
     * for the read that returns end of stream, and HANGUP. LOCAL_CLOSE is no event: we closed it.
     */
    int toPollerEvents(int bits) {
        if ((bits & pollFailed) != 0) return Poller.HANGUP | Poller.ERROR;
        int events = 0;
        if ((bits & (receive | receiveExpedited | accept)) != 0) events |= Poller.READ;
        if ((bits & disconnect) != 0) events |= Poller.READ | Poller.HANGUP;
        if ((bits & (send | connect)) != 0) events |= Poller.WRITE;
        if ((bits & connectFail) != 0) events |= Poller.WRITE | Poller.ERROR;
        if ((bits & abort) != 0) events |= Poller.HANGUP | Poller.ERROR;
        return events;
    }
}
