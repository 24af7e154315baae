// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

/**
 * What an io_uring poller's turns went through, counted on its loop thread: how often each of
 * the ring's faults happened, so that tests can tell that a fault path was taken (and a
 * benchmark can tell why a run was slow). Plain fields: read them on the loop thread.
 */
final class UringStats {
    /** Turns, each one io_uring_enter (more only after an overflow). */
    long turns;
    /** Receive completions carrying bytes. */
    long receives;
    /** Datagrams the multishot recvmsg received. */
    long datagrams;
    /** Receives ended because every provided buffer was out (-ENOBUFS); re-armed next turn. */
    long noBuffers;
    /** Operations that ended cancelled (-ECANCELED): a pause, a close. */
    long cancelled;
    /** Completions of closed sockets' operations, dropped. */
    long stale;
    /** Send completions that wrote bytes. */
    long sends;
    /** Reads of a file region's bytes by the ring (each then sent by it). */
    long fileReads;
    /** File chunks that went out as a linked read and send, the send started by the kernel when the read had filled the buffer. */
    long fileChains;
    /** Linked reads and sends in flight now (a gauge, not a count): a send that waits for room in its socket keeps its chain here. */
    int fileChainsInFlight;
    /** Stream closes put off until the file send linked to a read had completed (the descriptor stays theirs until then). */
    long closesDeferred;
    /** Chains of linked datagram sends submitted. */
    long datagramChains;
    /** The most datagrams one chain held. */
    int datagramChainLongest;
    /** Datagrams the chains sent. */
    long datagramsSent;
    /** Chains that found the socket full (-EAGAIN), after which the socket waits for WRITE readiness. */
    long datagramSendsRefused;
    /** Sends that found the socket full (-EAGAIN) and wait for WRITE readiness. */
    long sendsRefused;
    /** Multishot accepts submitted: a listener's first, and each one re-armed after the last ended (an exhaustion, a pause). */
    long acceptsArmed;
    /** Multishot accepts ended by EMFILE, ENFILE or ENOMEM. */
    long acceptExhausted;
    /** Turns that found the completion queue had overflowed into the kernel's list. */
    long overflows;
    /** Registered-file slots that could not be filled or emptied (the kernel's ENOMEM). */
    long slotFailures;
    /** Completions the kernel dropped: 0 with IORING_FEAT_NODROP, which the probe requires. */
    int dropped;
}
