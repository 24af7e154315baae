// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import java.util.Arrays;

/**
 * A first-in first-out queue of ints that grows as needed, without boxing: what a registration
 * holds for the engine between turns (accepted descriptors, buffer ids, results). Loop thread only.
 */
final class IntQueue {
    private int[] values = new int[0];
    private int head, size;

    void push(int value) {
        if (head + size == values.length) {
            // shifted to the front as it grows: a queue that empties now and then stays small
            values = Arrays.copyOfRange(values, head, head + Math.max(16, size * 2));
            head = 0;
        }
        values[head + size++] = value;
    }

    /** The oldest value, which stays queued. */
    int peek() {
        if (size == 0) throw new IllegalStateException("the queue is empty");
        return values[head];
    }

    /** Removes and returns the oldest value. */
    int pop() {
        int v = peek();
        head++;
        if (--size == 0) head = 0;
        return v;
    }

    int size() { return size; }

    boolean isEmpty() { return size == 0; }
}
