// SPDX-License-Identifier: Apache-2.0
package io.pants;

/**
 * The engine's {@link Deadline}s: a hashed timing wheel of {@value #SLOTS} slots of 2^23 ns
 * (about 8.4 ms) each, one turn of the wheel about 34 s, with lazy re-arming.
 *
 * <h2>Why a wheel, and why lazy</h2>
 * Idle timeouts are pushed back on every read and write of every connection. In the
 * {@link TimerHeap} that is a removal and an insertion, O(log n) each, for every connection
 * every turn it is busy. Here pushing a deadline back stores one long: the deadline stays in the
 * slot it is linked in, which now comes due early; when it does, the wheel finds the deadline
 * moved and links it into the slot of its new time. So a connection costs one O(1) relink per
 * timeout period, whatever its traffic, and arming, moving forward and cancelling are O(1)
 * and allocate nothing ({@code DeadlineBenchmark} measures it against a heap entry per
 * connection). One heap entry per deadline bucket would batch the same way but needs a map
 * from bucket to entry; the wheel's slots are that map, indexed by time.
 *
 * <h2>On time</h2>
 * A deadline is linked in the first slot whose time is at or after it, and runs when the loop
 * has reached that slot's time: never early, at most a tick late (plus what keeps the loop
 * busy). The engine waits no longer than until the nearest slot with entries, found in a bitmap
 * of occupied slots: an engine with no deadlines, or with far ones, doesn't wake every tick.
 * A deadline beyond one turn of the wheel sits in its slot and is looked at once a turn (every
 * 34 s) until it is near.
 *
 * <h2>Ticks</h2>
 * Ticks count from the engine's start ({@code base}): differences from it never overflow, even
 * when the nanosecond clock wraps around.
 */
final class DeadlineWheel {
    static final int SHIFT = 23;
    static final long TICK_NANOS = 1L << SHIFT;
    static final int SLOTS = 4096;
    /** Longer delays are cut to this (146 years), so that deadline arithmetic never overflows. */
    static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 4;
    static final int NOT_LINKED = -1, EXPIRING = -2;

    private final long base;
    private final Deadline[] heads = new Deadline[SLOTS];
    /** Bit s set: slot s has entries. */
    private final long[] occupied = new long[SLOTS / 64];
    /** Ticks before this one have been processed. */
    private long cursor;
    /** Entries in the slots and in {@link #expiring}. */
    private int size;
    /** The entries of the slot being processed, taken off it so that relinks can't loop. */
    private Deadline expiring;

    DeadlineWheel(long now) {
        this.base = now;
    }

    int size() { return size; }

    /** Arms {@code d} for {@code deadline}; O(1). */
    void arm(Deadline d, long deadline) {
        d.deadline = deadline;
        d.armed = true;
        if (d.slot == NOT_LINKED) {
            link(d);
        } else if (d.slot != EXPIRING && tickOf(deadline) < d.tick) {
            // earlier than its slot: move it (later needs nothing, see the class comment)
            unlink(d);
            link(d);
        }
    }

    void disarm(Deadline d) {
        d.armed = false;
        if (d.slot != NOT_LINKED) unlink(d);
    }

    /** Runs the deadlines that are due at {@code now}; those armed by their tasks wait for a later turn. */
    void runDue(long now, Engine engine) {
        long last = (now - base) >> SHIFT; // the ticks up to this one are due
        long from = cursor;
        if (last < from) return;
        // before the tasks run: what they arm goes into slots after this turn's
        cursor = last + 1;
        if (size == 0) return;
        long to = Math.min(last, from + SLOTS - 1); // a whole turn of the wheel visits every slot
        for (long t = nextOccupied(from, to); t >= 0; t = t == to ? -1 : nextOccupied(t + 1, to)) {
            expireSlot((int) (t & (SLOTS - 1)), now, engine);
        }
    }

    private void expireSlot(int s, long now, Engine engine) {
        expiring = heads[s];
        heads[s] = null;
        clearOccupied(s);
        for (Deadline d = expiring; d != null; d = d.next) d.slot = EXPIRING;
        Deadline d;
        while ((d = expiring) != null) {
            unlink(d);
            if (d.deadline - now > 0) {
                link(d); // moved on since it was linked here, or due in a later turn of the wheel
            } else {
                d.armed = false;
                engine.runDeadline(d);
            }
        }
    }

    /** Nanoseconds from {@code now} until the nearest slot with entries is due; -1 if there are none. */
    long untilNext(long now) {
        if (size == 0) return -1;
        long t = nextOccupied(cursor, cursor + SLOTS - 1);
        if (t < 0) return -1;
        return Math.max(0, base + (t << SHIFT) - now);
    }

    void clear() {
        for (int s = 0; s < SLOTS; s++) {
            Deadline d;
            while ((d = heads[s]) != null) disarm(d);
        }
    }

    /** The first slot tick at or after {@code deadline}. */
    private long tickOf(long deadline) {
        return (deadline - base + TICK_NANOS - 1) >> SHIFT;
    }

    private void link(Deadline d) {
        long t = Math.max(tickOf(d.deadline), cursor); // a past deadline goes into the next slot due
        int s = (int) (t & (SLOTS - 1));
        d.tick = t;
        d.slot = s;
        d.prev = null;
        d.next = heads[s];
        if (d.next != null) d.next.prev = d;
        heads[s] = d;
        occupied[s >>> 6] |= 1L << s;
        size++;
    }

    private void unlink(Deadline d) {
        Deadline p = d.prev, n = d.next;
        if (n != null) n.prev = p;
        if (p != null) {
            p.next = n;
        } else if (d.slot == EXPIRING) {
            expiring = n;
        } else {
            heads[d.slot] = n;
            if (n == null) clearOccupied(d.slot);
        }
        d.prev = d.next = null;
        d.slot = NOT_LINKED;
        size--;
    }

    private void clearOccupied(int s) {
        occupied[s >>> 6] &= ~(1L << s);
    }

    /** The first tick in [from, to] whose slot has entries, or -1; {@code to - from} is under a turn. */
    private long nextOccupied(long from, long to) {
        long t = from;
        while (t <= to) {
            int s = (int) (t & (SLOTS - 1));
            long bits = occupied[s >>> 6] >>> (s & 63); // this slot and the ones after it in its word
            if (bits != 0) {
                long found = t + Long.numberOfTrailingZeros(bits);
                return found <= to ? found : -1;
            }
            t += 64 - (s & 63);
        }
        return -1;
    }
}
