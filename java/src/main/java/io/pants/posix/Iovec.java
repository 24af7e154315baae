package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The layout of {@code struct iovec}, or of what a system has instead (Winsock's WSABUF): its
 * size, where its base pointer and its length are, and the length's width.
 */
public final class Iovec {
    /** Every 64-bit system's: {void *base; size_t len}. */
    public static final Iovec LP64 = new Iovec(16, 0, 8, 8);

    public final int size, baseOffset, lenOffset, lenSize;

    private Iovec(int size, int baseOffset, int lenOffset, int lenSize) {
        this.size = size;
        this.baseOffset = baseOffset;
        this.lenOffset = lenOffset;
        this.lenSize = lenSize;
    }

    /** A struct iovec as pants_iovec_layout() describes it: size, base offset, length offset (a size_t). */
    public static Iovec of(int[] layout) { return new Iovec(layout[0], layout[1], layout[2], 8); }

    /** Winsock's WSABUF as the Windows shim's pants_iovec_layout() describes it: its length is a 32-bit ULONG. */
    public static Iovec wsabuf(int[] layout) { return new Iovec(layout[0], layout[1], layout[2], 4); }

    /** Asks the loaded shim. */
    public static Iovec fromShim() {
        try (Memory m = new Memory(4 * 3)) {
            Shim.pants_iovec_layout(Pointer.nativeValue(m), 3);
            return of(m.getIntArray(0, 3));
        }
    }
}
