// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.util.Arrays;

/**
 * The channels with output waiting for the engine's next flush, in the order they asked. The
 * flush {@link #take takes} the list and leaves an empty one behind, which collects the channels
 * that the flush's own callbacks (onDrain, onWrite) give more output. Two arrays are swapped
 * turn after turn, so that flushing allocates nothing once they are large enough.
 */
final class FlushList {
    private Channel<?>[] listed, spare;
    private int size;

    FlushList(int capacity) {
        listed = new Channel<?>[capacity];
        spare = new Channel<?>[capacity];
    }

    void add(Channel<?> ch) {
        if (size == listed.length) listed = Arrays.copyOf(listed, size * 2);
        listed[size++] = ch;
    }

    int size() { return size; }

    /**
     * The channels listed so far, the first {@link #size()} (as it was before this call) of the
     * array returned; the list starts again empty. The caller nulls the array's entries out
     * when done with them.
     */
    Channel<?>[] take() {
        Channel<?>[] taken = listed;
        listed = spare.length >= size ? spare : new Channel<?>[taken.length];
        spare = taken;
        size = 0;
        return taken;
    }
}
