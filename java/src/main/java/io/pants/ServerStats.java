// SPDX-License-Identifier: Apache-2.0
package io.pants;

/**
 * What a {@link Server} has done: a snapshot, from {@link Server#stats()}, as consistent as
 * {@link EngineStats} (safe to take from any thread; fields may be read at slightly different moments).
 *
 * @param connectionsOpen streams accepted by this server and not closing or closed yet
 * @param accepted        connections accepted and handed to a stream the factory made
 * @param refused         connections the server could not take: an accept that failed (descriptors
 *                        ran out, or another error), or a connection accepted and closed at once because
 *                        the factory threw, returned null, or returned a stream that could not be attached
 * @param acceptPauses    times it stopped accepting because the process ran out of descriptors
 */
public record ServerStats(long connectionsOpen, long accepted, long refused, long acceptPauses) {}
