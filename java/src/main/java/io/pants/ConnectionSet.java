// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A server's open connections, read-only to the user and safe to iterate while streams close
 * (the chat pattern: a broadcast that drops a slow client on the way). A {@code HashSet} throws
 * {@code ConcurrentModificationException} there; copying it on every close, or on every
 * iteration, costs O(n) per close or per broadcast at 10k connections. Instead the streams sit in
 * an array in the order they connected, each knowing its slot: leaving empties the slot (O(1)),
 * joining appends. An iteration walks the array it started on and skips emptied slots and
 * streams that have left, so it never throws, never returns a stream that left, and returns each
 * stream that stays connected exactly once. Streams never move inside an array: when slots run
 * out or most are empty, the streams are compacted into a new array, and an iteration under way
 * finishes on the old one (streams that join after that are not seen by it, which is allowed).
 */
final class ConnectionSet extends AbstractSet<Stream> {
    /** Compacting after removals only pays once the array is this long and mostly empty. */
    private static final int MIN_COMPACT = 64;

    private Stream[] slots = new Stream[16];
    /** Slots {@code [0, end)} have been used; the empty ones among them are streams that left. */
    private int end;
    private int size;

    void join(Stream s) {
        if (end == slots.length) compact(size * 2 <= end ? slots.length : slots.length * 2);
        s.connectionSlot = end;
        slots[end++] = s;
        size++;
    }

    void leave(Stream s) {
        int i = s.connectionSlot;
        if (i < 0) return;
        s.connectionSlot = -1;
        slots[i] = null;
        size--;
        if (size == 0) end = 0; // every slot is empty: reusing them moves no stream
        else if (end >= MIN_COMPACT && size < end / 4) compact(Math.max(16, size * 2));
    }

    /** Moves the streams, in order, into a new array (never in place: see the class comment). */
    private void compact(int capacity) {
        Stream[] to = new Stream[capacity];
        int n = 0;
        for (int i = 0; i < end; i++) {
            Stream s = slots[i];
            if (s != null) {
                s.connectionSlot = n;
                to[n++] = s;
            }
        }
        slots = to;
        end = n;
    }

    @Override
    public int size() { return size; }

    @Override
    public boolean contains(Object o) {
        return o instanceof Stream s && s.connectionSlot >= 0 && s.connectionSlot < end && slots[s.connectionSlot] == s;
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("connections() is read-only: close the streams instead");
    }

    @Override
    public Iterator<Stream> iterator() {
        return new Iterator<>() {
            private final Stream[] array = slots;
            private int next;
            private Stream ahead;

            @Override
            public boolean hasNext() {
                if (ahead != null) return true;
                // the array still in use grows up to end; one replaced by a compaction no longer changes
                int bound = array == slots ? end : array.length;
                while (next < bound) {
                    Stream s = array[next++];
                    if (s != null && s.connectionSlot >= 0) {
                        ahead = s;
                        return true;
                    }
                }
                return false;
            }

            @Override
            public Stream next() {
                if (!hasNext()) throw new NoSuchElementException();
                Stream s = ahead;
                ahead = null;
                return s;
            }
        };
    }

    /** The same set seen as streams of the type the server's factory makes. */
    <S extends Stream> Set<S> as(Class<S> type) {
        Objects.requireNonNull(type);
        return new AbstractSet<>() {
            @Override
            public int size() { return ConnectionSet.this.size(); }

            @Override
            public boolean contains(Object o) { return ConnectionSet.this.contains(o); }

            @Override
            public void clear() { ConnectionSet.this.clear(); }

            @Override
            public Iterator<S> iterator() {
                Iterator<Stream> all = ConnectionSet.this.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() { return all.hasNext(); }

                    @Override
                    public S next() {
                        Stream s = all.next();
                        if (!type.isInstance(s)) {
                            throw new ClassCastException("connections(" + type.getName() + ") met " + s + ", a "
                                    + s.getClass().getName() + ": the server's factory makes other streams too; iterate connections()");
                        }
                        return type.cast(s);
                    }
                };
            }
        };
    }
}
