// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.Poller;

import java.util.Arrays;

/**
 * An engine's channels by token: the integer the poller is given in place of the channel (the
 * kernel holds no object), and hands back with each event. A token is an index into an array,
 * reused once free, so the table stays as small as the most channels open at once.
 *
 * <p>A token given back is not reused before the turn ends ({@link #endTurn()}): the poller may
 * still hold events for it from the same wait, and they must find the closed channel (and be
 * dropped), not a new one that took its token. That is libuv's invalidation of events for an
 * fd closed mid-batch.
 */
final class ChannelTable {
    private static final int MAX_TOKEN = Poller.MAX_TOKEN;

    private Channel<?>[] channels = new Channel<?>[64];
    private int[] freeTokens = new int[64];
    private int freeCount;
    private int nextToken;
    /** Tokens given back this turn: not reused before the turn ends, so stale events can't reach a new owner. */
    private int[] releasedTokens = new int[64];
    private int releasedCount;

    /** Files {@code ch} under a free token, and returns it. */
    int add(Channel<?> ch) {
        int t;
        if (freeCount > 0) {
            t = freeTokens[--freeCount];
        } else {
            if (nextToken > MAX_TOKEN) throw new IllegalStateException("more than " + MAX_TOKEN + " open channels");
            t = nextToken++;
        }
        if (t >= channels.length) channels = Arrays.copyOf(channels, Math.max(t + 1, channels.length * 2));
        channels[t] = ch;
        return t;
    }

    /** The channel under {@code token} closed: the token is free once the turn ends. */
    void release(int token) {
        if (releasedCount == releasedTokens.length) releasedTokens = Arrays.copyOf(releasedTokens, releasedCount * 2);
        releasedTokens[releasedCount++] = token;
    }

    /** The turn is over: the tokens released in it can be reused. */
    void endTurn() {
        for (int i = 0; i < releasedCount; i++) {
            int t = releasedTokens[i];
            channels[t] = null;
            if (freeCount == freeTokens.length) freeTokens = Arrays.copyOf(freeTokens, freeCount * 2);
            freeTokens[freeCount++] = t;
        }
        releasedCount = 0;
    }

    /** The channel an event for {@code token} is for, or null when it closed earlier in the turn (the event is stale). */
    Channel<?> live(int token) {
        Channel<?> ch = channels[token];
        return ch != null && !ch.isClosedForEvents() ? ch : null;
    }

    /** Closes every channel still open, at once (the engine is closing). */
    void closeAll() {
        for (int i = 0; i < channels.length; i++) {
            Channel<?> ch = channels[i];
            if (ch != null && !ch.isClosedForEvents()) ch.closeNow();
        }
    }
}
