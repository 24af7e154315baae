// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import io.pants.posix.PosixSocket;
import io.pants.spi.DatagramQueue;
import io.pants.spi.OutboundQueue;

/**
 * What an io_uring poller keeps for a registered socket: what the engine wants of it, the
 * operations it has in flight, and what their completions brought that the engine has not
 * taken yet. Written by {@link UringPoller} and, for their parts, by {@link UringFileSends} and
 * {@link UringDatagrams}. Loop thread only.
 */
final class Registration {
    /** How a socket's readiness is served: by multishot accept, by multishot receive (and a poll for the rest), or by polls alone. */
    enum Role { LISTENER, STREAM, DATAGRAM, PLAIN }

    final PosixSocket socket;
    final int token, generation;
    final Role role;
    /** The slot of the ring's registered files the socket is in, which its operations name; -1 when none. */
    int slot = -1;
    int wanted;
    boolean queued;
    /** The mask of the poll in flight, 0 when none; cancelling: its cancel is in flight. */
    int pollMask;
    boolean pollCancelling;
    /** The poll in flight is multishot; the next POLLOUT poll must be (see {@link UringPoller}'s syncPoll). */
    boolean pollMulti, pollEdge;
    /** A multishot receive or accept in flight (until its last completion), and whether it is being cancelled. */
    boolean recvArmed, recvCancelling, acceptArmed, acceptCancelling;
    /** The connect in flight: its address, until the completion. */
    boolean connectPending;
    boolean shutdownQueued;
    /** A sendmsg in flight, and the queue it sends from (consumed when it completes). */
    boolean sending;
    OutboundQueue sendQueue;
    /** A file's bytes on their way: read into fileBuffer (fileBuffered of them), fileSent of those sent. */
    Memory fileBuffer;
    int fileBuffered, fileSent;
    /** File reads and sends in flight (the kernel may be using fileBuffer). */
    int fileOps;
    /** A linked read and send in flight (fileChain): the read's length, and each one's result once it came. */
    boolean fileChain;
    int fileChainLength, fileChainRead, fileChainSend;
    /** Receive completions kept for a later turn (buffer id, result), in order. */
    final IntQueue deferredBuffers = new IntQueue(), deferredResults = new IntQueue();
    /** A hang-up or error the poll reported while receive completions were kept: told once they are delivered. */
    int heldReadiness;
    long budgetTurn;
    int budgetUsed;
    /** Datagrams received and not yet taken by the engine (buffer ids), and an error to report after them. */
    final IntQueue datagrams = new IntQueue();
    int datagramError;
    /** On the list of datagram sockets told after this turn's completions. */
    boolean announced;
    /** The chain of datagram sends in flight (null when none), the queue it sends from, and whether a refusal was reported since a datagram last went. */
    DatagramChain datagramChain;
    DatagramQueue datagramQueue;
    boolean refusalReported;
    /** Descriptors the kernel accepted and the engine has not taken, and an accept error to report after them. */
    final IntQueue accepted = new IntQueue();
    int acceptError;

    Registration(PosixSocket socket, int token, int generation, Role role) {
        this.socket = socket;
        this.token = token;
        this.generation = generation;
        this.role = role;
    }

    void defer(int buffer, int res) {
        deferredBuffers.push(buffer);
        deferredResults.push(res);
    }

    int deferredCount() { return deferredBuffers.size(); }

    int deferredBuffer() { return deferredBuffers.peek(); }

    int deferredResult() { return deferredResults.peek(); }

    void undefer() {
        deferredBuffers.pop();
        deferredResults.pop();
    }

    boolean hasBacklog() { return !accepted.isEmpty() || acceptError != 0 || !datagrams.isEmpty() || datagramError != 0; }
}
