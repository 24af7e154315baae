package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** The layout of {@code struct iovec}: its size and where its base and length are. */
public final class Iovec {
    /** Every 64-bit system's: {void *base; size_t len}. */
    public static final Iovec LP64 = new Iovec(16, 0, 8);

    public final int size, baseOffset, lenOffset;

    private Iovec(int size, int baseOffset, int lenOffset) {
        this.size = size;
        this.baseOffset = baseOffset;
        this.lenOffset = lenOffset;
    }

    /** The values in the order of pants_iovec_layout(): size, base offset, length offset. */
    public static Iovec of(int[] layout) { return new Iovec(layout[0], layout[1], layout[2]); }

    /** Asks the loaded shim. */
    public static Iovec fromShim() {
        try (Memory m = new Memory(4 * 3)) {
            Shim.pants_iovec_layout(Pointer.nativeValue(m), 3);
            return of(m.getIntArray(0, 3));
        }
    }
}
