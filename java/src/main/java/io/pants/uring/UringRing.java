// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.TurnMemory;

import java.nio.ByteBuffer;

import static io.pants.posix.ShimAbi.URING_COMPLETION_FLAGS;
import static io.pants.posix.ShimAbi.URING_COMPLETION_RES;
import static io.pants.posix.ShimAbi.URING_COMPLETION_SIZE;
import static io.pants.posix.ShimAbi.URING_COMPLETION_USER_DATA;
import static io.pants.posix.ShimAbi.URING_OP_ADDR;
import static io.pants.posix.ShimAbi.URING_OP_ARG;
import static io.pants.posix.ShimAbi.URING_OP_FD;
import static io.pants.posix.ShimAbi.URING_OP_OP;
import static io.pants.posix.ShimAbi.URING_OP_SIZE;
import static io.pants.posix.ShimAbi.URING_OP_USER_DATA;

/**
 * One io_uring and the native memory of its turns, allocated once: the list of operations
 * the next turn submits ({@code pants_uring_op} records), the completions it copies out
 * ({@code pants_uring_completion}), the ids of provided buffers to give back, and the
 * provided buffers themselves, which the kernel fills and the engine reads by offset. The ring's
 * bookkeeping (its shared memory, the entries' layout) stays in the shim; this class only
 * lays out records. Loop thread only.
 */
final class UringRing implements AutoCloseable {
    /** Operations per turn before the list is submitted early (a burst of registrations, say). */
    static final int MAX_OPS = 2048;

    /** The provided-buffer groups: streams' receives, datagrams' (pants.h). */
    static final int STREAM_GROUP = 0, DATAGRAM_GROUP = 1;

    private final long ring;
    final int bufferCount, bufferSize, datagramBufferSize;
    final int maxCompletions;
    /** Submission entries: the longest chain of linked operations one submission can hold. */
    final int sqEntries;
    private final Memory ops, completions, returned;
    private final long opsAddr, completionsAddr, returnedAddr;
    private final ByteBuffer opsView, completionsView, returnedView, buffersView, datagramBuffersView;
    private int opCount, returnedCount;

    /** A ring and its provided buffers; a negative result is the shim's -errno. */
    static long create(int sqEntries, int cqEntries, int bufferCount, int bufferSize, int datagramBufferCount, int datagramBufferSize) {
        return UringShim.pants_uring_create(sqEntries, cqEntries, bufferCount, bufferSize, datagramBufferCount, datagramBufferSize);
    }

    UringRing(long ring, int sqEntries, int cqEntries, int bufferCount, int bufferSize, int datagramBufferCount, int datagramBufferSize) {
        this.ring = ring;
        this.sqEntries = sqEntries;
        this.bufferCount = bufferCount;
        this.bufferSize = bufferSize;
        this.datagramBufferSize = datagramBufferSize;
        this.maxCompletions = cqEntries;
        ops = new Memory((long) MAX_OPS * URING_OP_SIZE);
        completions = new Memory((long) cqEntries * URING_COMPLETION_SIZE);
        returned = new Memory(4L * (bufferCount + datagramBufferCount));
        opsAddr = Pointer.nativeValue(ops);
        completionsAddr = Pointer.nativeValue(completions);
        returnedAddr = Pointer.nativeValue(returned);
        opsView = TurnMemory.view(ops);
        completionsView = TurnMemory.view(completions);
        returnedView = TurnMemory.view(returned);
        buffersView = new Pointer(UringShim.pants_uring_buffers(ring, STREAM_GROUP)).getByteBuffer(0, (long) bufferCount * bufferSize);
        datagramBuffersView = new Pointer(UringShim.pants_uring_buffers(ring, DATAGRAM_GROUP))
                .getByteBuffer(0, (long) datagramBufferCount * datagramBufferSize).order(java.nio.ByteOrder.nativeOrder());
    }

    /** Adds an operation to the next turn; a full list is submitted at once (-errno, or 0). */
    int add(long userData, int op, int fd, long addr, long arg) {
        int r = 0;
        if (opCount == MAX_OPS) r = submitQueued();
        write(opsView, opCount++, userData, op, fd, addr, arg);
        return r;
    }

    /**
     * Adds two operations to the next turn side by side, never split by an early submission:
     * the first is linked to the second (an {@code OP_READ_AT_LINK}), and a chain ends where a
     * submission does (-errno, or 0).
     */
    int addLinked(long userData, int op, int fd, long addr, long arg, long userData2, int op2, int fd2, long addr2, long arg2) {
        int r = 0;
        if (opCount + 2 > MAX_OPS) r = submitQueued();
        write(opsView, opCount++, userData, op, fd, addr, arg);
        write(opsView, opCount++, userData2, op2, fd2, addr2, arg2);
        return r;
    }

    /**
     * Makes room for {@code count} operations in this turn's list, submitting what is queued
     * first if it would fill up: a chain of linked operations is added whole, never split by an
     * early submission (-errno, or 0).
     */
    int reserve(int count) {
        return opCount + count > MAX_OPS ? submitQueued() : 0;
    }

    private static void write(ByteBuffer view, int i, long userData, int op, int fd, long addr, long arg) {
        int base = i * URING_OP_SIZE;
        view.putLong(base + URING_OP_USER_DATA, userData);
        view.putInt(base + URING_OP_OP, op);
        view.putInt(base + URING_OP_FD, fd);
        view.putLong(base + URING_OP_ADDR, addr);
        view.putLong(base + URING_OP_ARG, arg);
    }

    /** Submits the operations queued so far now, without waiting (0 or -errno). */
    int submitQueued() {
        int r = UringShim.pants_uring_submit(ring, opsAddr, opCount);
        opCount = 0;
        return r;
    }

    /**
     * Submits what is queued and then {@code op} now, in one system call, without waiting for
     * the next turn: for operations that must be done when the call returns (a close). 0 or -errno.
     */
    int submitNow(long userData, int op, int fd, long addr, long arg) {
        int r = add(userData, op, fd, addr, arg);
        int s = submitQueued();
        return r < 0 ? r : s;
    }

    /**
     * Registers {@code count} empty slots of files (fewer where RLIMIT_NOFILE is lower), which
     * operations may name instead of a descriptor: how many, or -errno (a kernel before 5.19).
     */
    int registerFiles(int count) { return UringShim.pants_uring_register_files(ring, count); }

    /** Operations queued for the next turn. */
    int queued() { return opCount; }

    /** Gives provided buffer {@code id} of the streams' group back to the kernel with the next turn. */
    void giveBack(int id) {
        returnedView.putInt(4 * returnedCount++, id);
    }

    /** Gives buffer {@code id} of the datagrams' group back with the next turn. */
    void giveBackDatagram(int id) {
        returnedView.putInt(4 * returnedCount++, (DATAGRAM_GROUP << 16) | id);
    }

    /** The datagrams' buffer {@code id}, all of it, native order, from its start (absolute gets). */
    ByteBuffer datagramBuffer(int id) {
        int offset = id * datagramBufferSize;
        datagramBuffersView.clear();
        datagramBuffersView.position(offset).limit(offset + datagramBufferSize);
        return datagramBuffersView;
    }

    /** One turn: gives buffers back, submits, waits, copies completions out. Their count, or -errno. */
    int turn(long timeoutNanos) {
        int n = UringShim.pants_uring_turn(ring, opsAddr, opCount, returnedAddr, returnedCount, completionsAddr,
                maxCompletions, timeoutNanos);
        opCount = 0;
        returnedCount = 0;
        return n;
    }

    long userData(int i) { return completionsView.getLong(i * URING_COMPLETION_SIZE + URING_COMPLETION_USER_DATA); }

    int result(int i) { return completionsView.getInt(i * URING_COMPLETION_SIZE + URING_COMPLETION_RES); }

    int flags(int i) { return completionsView.getInt(i * URING_COMPLETION_SIZE + URING_COMPLETION_FLAGS); }

    /** The first {@code length} bytes of provided buffer {@code id}, valid until it is given back. */
    ByteBuffer buffer(int id, int length) {
        int offset = id * bufferSize;
        buffersView.clear();
        buffersView.position(offset).limit(offset + length);
        return buffersView;
    }

    /** The sq ring's flags (low 32 bits) and the completions the kernel dropped (high 32 bits). */
    long state() { return UringShim.pants_uring_state(ring); }

    /** The io_uring_enter calls this ring made (submissions outside turns included). */
    long enters() { return UringShim.pants_uring_enters(ring); }

    @Override
    public void close() {
        UringShim.pants_uring_destroy(ring);
        ops.close();
        completions.close();
        returned.close();
    }
}
