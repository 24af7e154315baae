// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A native poller's memory for its loop turns, allocated once: the change list it writes, the
 * event array the kernel fills and the arena ready streams are read into. The same memory goes
 * to whichever binding runs the turn: addresses for the shim's turn in C, views for the C
 * library's turn in Java. Loop thread only.
 */
public final class TurnMemory implements AutoCloseable {
    public final int maxEvents;
    private final Memory changes, events;
    public final long changesAddr, eventsAddr;
    /** Native-order views of the change list and of the event array. */
    public final ByteBuffer changesView, eventsView;
    public final ReadArena arena;

    /** {@code changeSlots} changes of {@code changeSize} bytes, {@code maxEvents} events of {@code eventSize}. */
    public TurnMemory(int changeSlots, int changeSize, int maxEvents, int eventSize) {
        this.maxEvents = maxEvents;
        changes = new Memory((long) changeSlots * changeSize);
        events = new Memory((long) maxEvents * eventSize);
        changesAddr = Pointer.nativeValue(changes);
        eventsAddr = Pointer.nativeValue(events);
        changesView = view(changes);
        eventsView = view(events);
        arena = new ReadArena(maxEvents);
    }

    /** A native-order view of all of {@code m}. */
    public static ByteBuffer view(Memory m) {
        return m.getByteBuffer(0, m.size()).order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        changes.close();
        events.close();
        arena.close();
    }
}
