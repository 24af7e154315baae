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

    /** Whether this is Pants (drawn in Pants' colour). */
    boolean isPants();
}
