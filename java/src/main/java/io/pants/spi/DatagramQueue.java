// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A datagram socket's queued output: whole datagrams, each with its destination, in the order
 * they were written. Backends send from the head ({@link #data}, {@link #target}) and report
 * what happened: {@link #consume} for datagrams sent, {@link #fail} for one the system refused
 * (it is dropped; the engine reports the error), {@link #report} for an error that belongs to
 * an earlier datagram (the head stays queued).
 *
 * <p>A completion-based poller (io_uring) submits sends and learns later what became of them:
 * it marks the datagrams at the head it submitted ({@link #submit}), which stay queued, in
 * flight, until their completions {@link #consume} or {@link #fail} them, or put them back
 * ({@link #putBack}) to be sent again. While some are in flight, nobody else sends from the
 * queue: the order is the poller's to keep.
 *
 * <p>Unlike a stream's queue, this one holds heap arrays: a datagram must stay whole, so it is
 * copied once more into native memory at send time by native backends, a bounded amount per
 * turn, instead of being split over fixed-size native chunks.
 */
public final class DatagramQueue {
    private byte[][] data = new byte[16][];
    private SocketAddress[] targets = new SocketAddress[16];
    private int head, size;
    /** Datagrams at the head that a completion-based poller submitted and has not heard of yet. */
    private int inFlight;
    private long bytes;
    private long sentCount, sentBytes;
    private final ArrayDeque<IOException> errors = new ArrayDeque<>(2);

    /** Queues {@code datagram}, which the queue now owns, for {@code target} (null: the connected peer). */
    public void add(byte[] datagram, SocketAddress target) {
        if (size == data.length) grow();
        int i = (head + size) & (data.length - 1);
        data[i] = datagram;
        targets[i] = target;
        size++;
        bytes += datagram.length;
    }

    private void grow() {
        int n = data.length;
        byte[][] d = new byte[n * 2][];
        SocketAddress[] t = new SocketAddress[n * 2];
        for (int i = 0; i < size; i++) {
            d[i] = data[(head + i) & (n - 1)];
            t[i] = targets[(head + i) & (n - 1)];
        }
        data = d;
        targets = t;
        head = 0;
    }

    /** Datagrams queued. */
    public int size() { return size; }

    public boolean isEmpty() { return size == 0; }

    /** Payload bytes queued. */
    public long bytes() { return bytes; }

    /** The payload of the {@code i}-th datagram from the head. Don't change it. */
    public byte[] data(int i) { return data[index(i)]; }

    /** The destination of the {@code i}-th datagram from the head; null for the connected peer. */
    public SocketAddress target(int i) { return targets[index(i)]; }

    private int index(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("datagram " + i + " of " + size);
        return (head + i) & (data.length - 1);
    }

    /** Datagrams sent since the queue was made (for the engine's statistics). */
    public long sentCount() { return sentCount; }

    /** Bytes in the datagrams sent since the queue was made. */
    public long sentBytes() { return sentBytes; }

    /**
     * Datagrams at the head submitted by a completion-based poller and not completed yet; 0 on
     * readiness pollers, whose sends are done when {@code send} returns.
     */
    public int inFlight() { return inFlight; }

    /** Marks the {@code n} datagrams at the head as submitted (in flight) until they complete or are put back. */
    public void submit(int n) {
        if (n < 0 || n > size) throw new IllegalArgumentException("submit " + n + " of " + size);
        inFlight = n;
    }

    /** The datagrams still in flight did not go (cancelled after one before them failed): they are the head again, to be sent next. */
    public void putBack() { inFlight = 0; }

    /** Removes {@code n} datagrams that were sent from the head. */
    public void consume(int n) {
        long before = bytes;
        drop(n);
        sentCount += n;
        sentBytes += before - bytes;
    }

    private void drop(int n) {
        if (n < 0 || n > size) throw new IllegalArgumentException("consume " + n + " of " + size);
        for (int k = 0; k < n; k++) {
            bytes -= data[head].length;
            data[head] = null;
            targets[head] = null;
            head = (head + 1) & (data.length - 1);
        }
        size -= n;
        inFlight = Math.max(0, inFlight - n);
    }

    /** Drops the head datagram, which the system refused to send, and records why. */
    public void fail(IOException error) {
        drop(1);
        errors.addLast(error);
    }

    /** Records an error that is not the head datagram's own (an earlier one was refused). */
    public void report(IOException error) {
        errors.addLast(error);
    }

    /** The oldest recorded error, removing it; null when there is none. */
    public IOException takeError() { return errors.pollFirst(); }

    /** Drops everything queued, and the recorded errors. */
    public void clear() {
        Arrays.fill(data, null);
        Arrays.fill(targets, null);
        head = size = inFlight = 0;
        bytes = 0;
        errors.clear();
    }
}
