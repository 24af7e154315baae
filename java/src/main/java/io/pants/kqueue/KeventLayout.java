// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import io.pants.posix.ShimAbi;
import io.pants.posix.ShimAbi.KqueueSlot;
import io.pants.posix.ShimAbi.Table;

import java.nio.ByteBuffer;

import static io.pants.posix.ShimAbi.KeventSlot.*;
import static io.pants.posix.ShimAbi.at;

/**
 * {@code struct kevent} as one system lays it out, with the filter and flag values the backend
 * uses. The struct is the same idea everywhere and a different size almost everywhere:
 * <pre>
 *   macOS, OpenBSD, DragonFly, FreeBSD &lt; 12, libkqueue (64-bit):
 *     uintptr_t ident @0; int16 filter @8; uint16 flags @10; uint32 fflags @12;
 *     intptr_t data @16; void *udata @24                                        = 32 bytes
 *   FreeBSD 12 and later: the same, then uint64_t ext[4] @32                    = 64 bytes
 *   NetBSD (the kevent of __kevent50):
 *     uintptr_t ident @0; uint32 filter @8; uint32 flags @12; uint32 fflags @16;
 *     int64 data @24; void *udata @32                                           = 40 bytes
 * </pre>
 * and EVFILT_USER is -10 on macOS and OpenBSD, -11 on FreeBSD and libkqueue, -9 on DragonFly
 * and 8 on NetBSD, whose filters count up from EVFILT_READ = 0. So the layout comes from the
 * shim's compiler where the shim is built ({@link #fromShim}), and otherwise from
 * {@link KqueuePlatform}'s table, never from an assumption.
 */
final class KeventLayout {
    /** Size of one struct kevent and the offsets (and, for filter and flags, widths) of its fields. */
    final int size, identOffset, filterOffset, filterSize, flagsOffset, flagsSize, fflagsOffset, dataOffset, udataOffset;
    final int evfiltRead, evfiltWrite;
    /** Whether the system has EVFILT_USER; without it the wake-up is a pipe. */
    final boolean hasUserFilter;
    final int evfiltUser, noteTrigger;
    final int evAdd, evDelete, evClear, evEof, evError;

    /** {@code layout} in {@link ShimAbi.KeventSlot} order, {@code constants} in KqueueSlot order. */
    private KeventLayout(int[] layout, int[] constants) {
        size = at(layout, SIZE); identOffset = at(layout, IDENT_OFFSET);
        filterOffset = at(layout, FILTER_OFFSET); filterSize = at(layout, FILTER_SIZE);
        flagsOffset = at(layout, FLAGS_OFFSET); flagsSize = at(layout, FLAGS_SIZE);
        fflagsOffset = at(layout, FFLAGS_OFFSET); dataOffset = at(layout, DATA_OFFSET); udataOffset = at(layout, UDATA_OFFSET);
        evfiltRead = at(constants, KqueueSlot.EVFILT_READ); evfiltWrite = at(constants, KqueueSlot.EVFILT_WRITE);
        hasUserFilter = at(constants, KqueueSlot.HAS_EVFILT_USER) != 0; evfiltUser = at(constants, KqueueSlot.EVFILT_USER);
        noteTrigger = at(constants, KqueueSlot.NOTE_TRIGGER);
        evAdd = at(constants, KqueueSlot.EV_ADD); evDelete = at(constants, KqueueSlot.EV_DELETE); evClear = at(constants, KqueueSlot.EV_CLEAR);
        evEof = at(constants, KqueueSlot.EV_EOF); evError = at(constants, KqueueSlot.EV_ERROR);
        // 64-bit systems only (ident, data and udata are 8 bytes), so whole 8-byte words
        if (size % 8 != 0 || (filterSize != 2 && filterSize != 4) || (flagsSize != 2 && flagsSize != 4)) {
            throw new IllegalArgumentException("unexpected struct kevent: " + size + " bytes, filter " + filterSize
                    + " bytes, flags " + flagsSize);
        }
    }

    /** What the shim's compiler says (pants_kqueue_layout() and pants_kqueue_constants()). */
    static KeventLayout fromShim() {
        return of(ShimAbi.read(Table.KEVENT, KqueueShim::pants_kqueue_layout), ShimAbi.read(Table.KQUEUE, KqueueShim::pants_kqueue_constants));
    }

    /** A layout and constants in the slots of pants_kqueue_layout() and pants_kqueue_constants(). */
    static KeventLayout of(int[] layout, int[] constants) {
        return new KeventLayout(layout, constants);
    }

    private static final int EV_ADD = 0x1, EV_DELETE = 0x2, EV_CLEAR = 0x20, EV_EOF = 0x8000, EV_ERROR = 0x4000;
    private static final int NOTE_TRIGGER = 0x01000000;

    /** The 32-byte layout shared by macOS, OpenBSD, DragonFly, FreeBSD before 12 and libkqueue on 64-bit Linux. */
    private static final int[] SMALL = {32, 0, 8, 2, 10, 2, 12, 16, 24};

    /** macOS (xnu's bsd/sys/event.h). */
    static KeventLayout macOs() {
        return new KeventLayout(SMALL, new int[] {-1, -2, 1, -10, NOTE_TRIGGER, EV_ADD, EV_DELETE, EV_CLEAR, EV_EOF, EV_ERROR});
    }

    /** FreeBSD: ext[4] was added in 12.0, whose libc's default kevent symbol takes the new struct. */
    static KeventLayout freeBsd(int majorVersion) {
        int[] layout = majorVersion >= 12 ? new int[] {64, 0, 8, 2, 10, 2, 12, 16, 24} : SMALL;
        return new KeventLayout(layout, new int[] {-1, -2, 1, -11, NOTE_TRIGGER, EV_ADD, EV_DELETE, EV_CLEAR, EV_EOF, EV_ERROR});
    }

    /** NetBSD, as its compatibility entry point __kevent50 takes it (NetBSD 5 and later). */
    static KeventLayout netBsd() {
        return new KeventLayout(new int[] {40, 0, 8, 4, 12, 4, 16, 24, 32},
                new int[] {0, 1, 1, 8, NOTE_TRIGGER, EV_ADD, EV_DELETE, EV_CLEAR, EV_EOF, EV_ERROR});
    }

    /** OpenBSD 5.5 and later (64-bit data). EVFILT_USER arrived later; where it is missing the poller uses a pipe. */
    static KeventLayout openBsd() {
        return new KeventLayout(SMALL, new int[] {-1, -2, 1, -10, NOTE_TRIGGER, EV_ADD, EV_DELETE, EV_CLEAR, EV_EOF, EV_ERROR});
    }

    /** DragonFly BSD. */
    static KeventLayout dragonFly() {
        return new KeventLayout(SMALL, new int[] {-1, -2, 1, -9, NOTE_TRIGGER, EV_ADD, EV_DELETE, EV_CLEAR, EV_EOF, EV_ERROR});
    }

    /** libkqueue's include/sys/event.h on Linux: the 32-byte struct, FreeBSD's filter numbers. */
    static KeventLayout libkqueue() {
        return new KeventLayout(SMALL, new int[] {-1, -2, 1, -11, NOTE_TRIGGER, EV_ADD, EV_DELETE, EV_CLEAR, EV_EOF, EV_ERROR});
    }

    // ---------------------------------------------------------------- reading and writing entries

    /** Writes one change (or trigger) at {@code base} of {@code m}, every other byte of the entry zeroed. */
    void put(ByteBuffer m, int base, int ident, int filter, int flags, int fflags, long udata) {
        for (int i = 0; i < size; i += 8) m.putLong(base + i, 0);
        m.putLong(base + identOffset, ident);
        if (filterSize == 2) m.putShort(base + filterOffset, (short) filter);
        else m.putInt(base + filterOffset, filter);
        if (flagsSize == 2) m.putShort(base + flagsOffset, (short) flags);
        else m.putInt(base + flagsOffset, flags);
        m.putInt(base + fflagsOffset, fflags);
        m.putLong(base + udataOffset, udata);
    }

    int ident(ByteBuffer m, int base) { return (int) m.getLong(base + identOffset); }

    int filter(ByteBuffer m, int base) {
        return filterSize == 2 ? m.getShort(base + filterOffset) : m.getInt(base + filterOffset);
    }

    int flags(ByteBuffer m, int base) {
        return flagsSize == 2 ? m.getShort(base + flagsOffset) & 0xffff : m.getInt(base + flagsOffset);
    }

    int fflags(ByteBuffer m, int base) { return m.getInt(base + fflagsOffset); }

    long data(ByteBuffer m, int base) { return m.getLong(base + dataOffset); }

    long udata(ByteBuffer m, int base) { return m.getLong(base + udataOffset); }

    @Override
    public String toString() {
        return "struct kevent of " + size + " bytes (ident@" + identOffset + ", filter@" + filterOffset + "/" + filterSize
                + ", flags@" + flagsOffset + "/" + flagsSize + ", fflags@" + fflagsOffset + ", data@" + dataOffset
                + ", udata@" + udataOffset + "), EVFILT_READ=" + evfiltRead + ", EVFILT_WRITE=" + evfiltWrite
                + (hasUserFilter ? ", EVFILT_USER=" + evfiltUser : ", no EVFILT_USER");
    }
}
