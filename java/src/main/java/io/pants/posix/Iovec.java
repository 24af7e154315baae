// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.posix.ShimAbi.Table;

import static io.pants.posix.ShimAbi.IovecSlot.*;
import static io.pants.posix.ShimAbi.at;

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

    /** A struct iovec as pants_iovec_layout() describes it (its length is a size_t). */
    public static Iovec of(int[] layout) { return new Iovec(at(layout, SIZE), at(layout, BASE_OFFSET), at(layout, LEN_OFFSET), 8); }

    /** Winsock's WSABUF as the Windows shim's pants_iovec_layout() describes it: its length is a 32-bit ULONG. */
    public static Iovec wsabuf(int[] layout) { return new Iovec(at(layout, SIZE), at(layout, BASE_OFFSET), at(layout, LEN_OFFSET), 4); }

    /** Asks the loaded shim. */
    public static Iovec fromShim() { return of(ShimAbi.read(Table.IOVEC, Shim::pants_iovec_layout)); }
}
