// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by deadline, then by scheduling order. Each timer knows
 * its index, so cancelling removes it in O(log n) instead of leaving a tombstone behind.
 */
final class TimerHeap {
    private Timer[] heap = new Timer[16];
    private int size;
    private long nextSequence;

    int size() { return size; }

    /** The sequence number the next added timer will get. */
    long nextSequence() { return nextSequence; }

    Timer peek() { return size == 0 ? null : heap[0]; }

    void add(Timer t) {
        if (size == heap.length) heap = Arrays.copyOf(heap, size * 2);
        t.sequence = nextSequence++;
        heap[size] = t;
        t.heapIndex = size;
        siftUp(size++);
    }

    Timer poll() {
        if (size == 0) return null;
        Timer top = heap[0];
        removeAt(0);
        return top;
    }

    void remove(Timer t) {
        int i = t.heapIndex;
        if (i >= 0 && i < size && heap[i] == t) removeAt(i);
    }

    private void removeAt(int i) {
        Timer removed = heap[i];
        removed.heapIndex = -1;
        Timer last = heap[--size];
        heap[size] = null;
        if (i == size) return;
        heap[i] = last;
        last.heapIndex = i;
        siftDown(i);
        if (heap[i] == last) siftUp(i);
    }

    private static boolean before(Timer a, Timer b) {
        long d = a.deadline - b.deadline; // overflow-safe comparison of nanoTime-style values
        return d < 0 || (d == 0 && a.sequence < b.sequence);
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!before(t, p)) break;
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && before(heap[right], heap[child])) child = right;
            if (!before(heap[child], t)) break;
            heap[i] = heap[child];
            heap[i].heapIndex = i;
            i = child;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    void clear() {
        for (int i = 0; i < size; i++) heap[i].heapIndex = -1;
        Arrays.fill(heap, 0, size, null);
        size = 0;
    }
}
