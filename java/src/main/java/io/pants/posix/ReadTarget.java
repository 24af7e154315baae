// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;

/**
 * Where a native read into a {@link ByteBuffer} lands: in the buffer itself when it is direct
 * (its address asked once per buffer, as the engine reads into the same one again and again),
 * else in a copy area of native memory, copied into the buffer afterwards. The copy area also
 * serves to copy files the system can't send directly. Per poller, loop thread only:
 * <pre>
 *   long n = read(fd, target.address(dst), target.room(dst));
 *   if (n &gt; 0) target.received(dst, n);
 * </pre>
 */
public final class ReadTarget implements AutoCloseable {
    private static final int COPY_SIZE = 64 * 1024;
    private Memory copy;
    private ByteBuffer lastBuffer;
    private long lastAddress;

    /** Where to read into {@code dst}: its position, or the copy area. */
    public long address(ByteBuffer dst) {
        if (!dst.isDirect()) return Pointer.nativeValue(copyArea());
        if (dst != lastBuffer) {
            lastBuffer = dst;
            lastAddress = Pointer.nativeValue(Native.getDirectBufferPointer(dst));
        }
        return lastAddress + dst.position();
    }

    /** How much to read into {@code dst} at most. */
    public long room(ByteBuffer dst) {
        return dst.isDirect() ? dst.remaining() : Math.min(dst.remaining(), COPY_SIZE);
    }

    /** Accounts for {@code n} bytes read at {@link #address}: moves the position, copying first if needed. */
    public void received(ByteBuffer dst, long n) {
        if (dst.isDirect()) dst.position(dst.position() + (int) n);
        else dst.put(copy.getByteBuffer(0, n));
    }

    /** The copy area, 64 KiB, allocated when first needed. */
    public Memory copyArea() {
        if (copy == null) copy = new Memory(COPY_SIZE);
        return copy;
    }

    @Override
    public void close() {
        if (copy != null) copy.close();
    }
}
