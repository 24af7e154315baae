// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

/**
 * What one row of the report measures: a server ({@link ServerKind}), or, for the HTTP client
 * workload, a client ({@link ClientKind}) against a fixed server.
 */
interface Contender {
    String id();

    /** The name in the report's tables and charts. */
    String label();

    /** The Pants poller it runs on, or null when it is not Pants. */
    String pantsPoller();

    /** Whether it runs on Netty's native epoll transport (which may be unavailable). */
    boolean onNettyEpoll();

    /** Whether it runs on Netty's io_uring transport (which may be unavailable). */
    default boolean onNettyIoUring() { return false; }

    /** Whether this is Pants (drawn in Pants' colour). */
    default boolean isPants() { return pantsPoller() != null; }
}
