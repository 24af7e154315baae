// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.nio.ByteBuffer;

/**
 * A fixed-size block of direct (native) memory holding queued output. Output is copied once,
 * from the user's bytes into chunks; native backends then hand the chunks' addresses straight
 * to {@code writev}, and NIO hands the buffers to a gathering write, so no further copy is made.
 */
public final class Chunk {
    final ByteBuffer buffer;
    private long nativeAddress;
    /** Queued bytes are [readIndex, writeIndex). */
    int readIndex, writeIndex;

    Chunk(int size) {
        buffer = ByteBuffer.allocateDirect(size);
    }

    public int readIndex() { return readIndex; }
    public int writeIndex() { return writeIndex; }
    public int readable() { return writeIndex - readIndex; }

    /** The chunk's buffer with position and limit set to its queued bytes. */
    public ByteBuffer readableBuffer() {
        buffer.limit(writeIndex).position(readIndex);
        return buffer;
    }

    /** The chunk's buffer, for backends that address it natively. Don't change its contents. */
    public ByteBuffer buffer() { return buffer; }

    /** The native address of the buffer, or 0 if no backend has recorded it yet. */
    public long nativeAddress() { return nativeAddress; }

    /** Records the native address; a backend computes it once per chunk, the pool keeps it. */
    public void nativeAddress(long address) { this.nativeAddress = address; }
}
