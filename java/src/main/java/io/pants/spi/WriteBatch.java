// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.util.Arrays;

/** The sockets with queued output that the engine hands to {@link Poller#flush} in one go. */
public final class WriteBatch {
    private PollerSocket[] sockets = new PollerSocket[64];
    private OutboundQueue[] queues = new OutboundQueue[64];
    private IOException[] errors = new IOException[64];
    private int size;

    public void add(PollerSocket socket, OutboundQueue queue) {
        if (size == sockets.length) {
            sockets = Arrays.copyOf(sockets, size * 2);
            queues = Arrays.copyOf(queues, size * 2);
            errors = Arrays.copyOf(errors, size * 2);
        }
        sockets[size] = socket;
        queues[size] = queue;
        errors[size] = null;
        size++;
    }

    public int size() { return size; }
    public PollerSocket socket(int i) { return sockets[i]; }
    public OutboundQueue queue(int i) { return queues[i]; }

    /** The write failure of entry {@code i}, or null. */
    public IOException error(int i) { return errors[i]; }

    /** Records that writing entry {@code i} failed; the engine closes that stream. */
    public void fail(int i, IOException e) { errors[i] = e; }

    public void clear() {
        Arrays.fill(sockets, 0, size, null);
        Arrays.fill(queues, 0, size, null);
        Arrays.fill(errors, 0, size, null);
        size = 0;
    }
}
