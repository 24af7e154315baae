// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.pants.posix.ShimAbi.NOT_READ;
import static io.pants.posix.ShimAbi.READ_SLOT_OFFSET;
import static io.pants.posix.ShimAbi.READ_SLOT_RESULT;
import static io.pants.posix.ShimAbi.READ_SLOT_SIZE;

/**
 * Where a loop turn reads the ready streams for the engine: one arena of native memory, and per
 * event a read slot ({@code pants_read_slot}): the read's offset in the arena and its result
 * (bytes read, 0 at end of stream, -errno, or {@link ShimAbi#NOT_READ}). The layout the shim's turns
 * ({@code pants_epoll_turn}, {@code pants_kqueue_turn}) fill; through the C library the poller
 * fills it here with {@link #read}, the same way. Allocated once per poller.
 */
public final class ReadArena implements AutoCloseable {
    public static final int SIZE = 1 << 20;
    /** Per socket and turn: the rest waits for the next turn, so one busy peer can't starve the others. */
    public static final int READ_MAX = 64 * 1024;
    /** A read gets at least this much room, or waits for the next turn (as in the shim). */
    private static final long MIN_READ = Math.min(READ_MAX, 4096);

    private final Memory arena, reads;
    private final long arenaAddr, readsAddr;
    private final ByteBuffer arenaView, readsView;
    private long used;

    public ReadArena(int maxEvents) {
        arena = new Memory(SIZE);
        reads = new Memory((long) maxEvents * READ_SLOT_SIZE);
        arenaAddr = Pointer.nativeValue(arena);
        readsAddr = Pointer.nativeValue(reads);
        arenaView = arena.getByteBuffer(0, arena.size()).order(ByteOrder.nativeOrder());
        readsView = reads.getByteBuffer(0, reads.size()).order(ByteOrder.nativeOrder());
    }

    public long arenaAddress() { return arenaAddr; }

    /** The per-event results, for the shim's turn. */
    public long readsAddress() { return readsAddr; }

    /** Through the C library: a turn's reads start at the arena's beginning. */
    public void startTurn() { used = 0; }

    /** Through the C library: event {@code i} was not read. */
    public void notRead(int i) {
        readsView.putInt(i * READ_SLOT_SIZE + READ_SLOT_OFFSET, 0);
        readsView.putInt(i * READ_SLOT_SIZE + READ_SLOT_RESULT, NOT_READ);
    }

    /** Through the C library: reads event {@code i}'s stream into the arena, where there is room left. */
    public void read(int i, int fd, Syscalls sys) {
        long room = SIZE - used;
        if (room < MIN_READ) {
            notRead(i);
            return;
        }
        long r = sys.read(fd, arenaAddr + used, Math.min(room, READ_MAX));
        readsView.putInt(i * READ_SLOT_SIZE + READ_SLOT_OFFSET, (int) used);
        readsView.putInt(i * READ_SLOT_SIZE + READ_SLOT_RESULT, (int) r);
        if (r > 0) used += r;
    }

    /** Event {@code i}'s result: bytes read, 0 at end of stream, -errno, or {@link ShimAbi#NOT_READ}. */
    public int result(int i) { return readsView.getInt(i * READ_SLOT_SIZE + READ_SLOT_RESULT); }

    /** The {@code length} bytes read for event {@code i}, as the arena's view (valid until the next turn). */
    public ByteBuffer bytes(int i, int length) {
        int offset = readsView.getInt(i * READ_SLOT_SIZE + READ_SLOT_OFFSET);
        arenaView.clear();
        arenaView.position(offset).limit(offset + length);
        return arenaView;
    }

    @Override
    public void close() {
        arena.close();
        reads.close();
    }
}
