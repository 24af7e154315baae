package io.pants.kqueue;

import java.nio.ByteBuffer;

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

    /** How many layout values and constants the shim exports (pants_kqueue_layout/_constants). */
    static final int LAYOUT_COUNT = 9, CONSTANT_COUNT = 10;

    private KeventLayout(int[] layout, int[] k) {
        int i = 0;
        size = layout[i++]; identOffset = layout[i++]; filterOffset = layout[i++]; filterSize = layout[i++];
        flagsOffset = layout[i++]; flagsSize = layout[i++]; fflagsOffset = layout[i++]; dataOffset = layout[i++];
        udataOffset = layout[i];
        i = 0;
        evfiltRead = k[i++]; evfiltWrite = k[i++];
        hasUserFilter = k[i++] != 0; evfiltUser = k[i++]; noteTrigger = k[i++];
        evAdd = k[i++]; evDelete = k[i++]; evClear = k[i++]; evEof = k[i++]; evError = k[i];
        // 64-bit systems only (ident, data and udata are 8 bytes), so whole 8-byte words
        if (size % 8 != 0 || (filterSize != 2 && filterSize != 4) || (flagsSize != 2 && flagsSize != 4)) {
            throw new IllegalArgumentException("unexpected struct kevent: " + size + " bytes, filter " + filterSize
                    + " bytes, flags " + flagsSize);
        }
    }

    /** What the shim's compiler says, in the order of pants_kqueue_layout() and pants_kqueue_constants(). */
    static KeventLayout fromShim(int[] layout, int[] constants) {
        if (layout.length < LAYOUT_COUNT || constants.length < CONSTANT_COUNT) {
            throw new IllegalArgumentException("libpants exports " + layout.length + " kevent layout values and "
                    + constants.length + " kqueue constants, expected " + LAYOUT_COUNT + " and " + CONSTANT_COUNT);
        }
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
