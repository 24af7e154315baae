// SPDX-License-Identifier: Apache-2.0
package io.pants;

/**
 * What a {@link Server} has done: a snapshot, from {@link Server#stats()}, as consistent as
 * {@link EngineStats} (safe to take from any thread; fields may be read at slightly different moments).
 *
 * @param connectionsOpen streams accepted by this server and not closing or closed yet
 * @param accepted        connections accepted and handed to a stream the factory made
 * @param refused         connections the server lost instead of serving: accepted and closed at once
 *                        because the factory threw, returned null or returned a stream that could not be
 *                        attached, or whose accept failed with an error other than running out of
 *                        descriptors (the connection was aborted by the peer, say)
 * @param acceptPauses    times it stopped accepting because the process ran out of descriptors (EMFILE,
 *                        ENFILE): every accept that failed so, the one that began a pause and each
 *                        retry that found none free yet; not refusals: the connection waits in the
 *                        listen backlog, and is accepted when the pause ends
 * @since 0.1
 */
public record ServerStats(long connectionsOpen, long accepted, long refused, long acceptPauses) {}
