// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Iovec;
import io.pants.posix.PosixSocket;
import io.pants.posix.SocketIo;
import io.pants.posix.TurnMemory;
import io.pants.spi.DatagramQueue;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * One chain of linked sendmsg operations for a datagram socket, and the native memory its
 * datagrams go out of: a msghdr, an iovec and a sockaddr per datagram, and a copy of the
 * payloads. The kernel may read any of them until the operation's completion has come (the
 * operations after the first are prepared when the one before them has completed), so the
 * chain owns them until its last completion, even past its socket's close. The payloads' area
 * grows to what a chain holds (up to {@link #MAX_BYTES}): a chain of a few small datagrams
 * keeps a few KiB, not the most a chain can hold. Loop thread only.
 */
final class DatagramChain implements AutoCloseable {
    /** Datagrams per chain, at most, and payload bytes: what the synchronous path sends per sendmmsg. */
    static final int MAX_DATAGRAMS = 64, MAX_BYTES = 256 * 1024;
    private static final int NAME_SIZE = 128;
    /** The payloads' area to begin with, grown in powers of two. */
    private static final int FIRST_PAYLOAD_AREA = 16 * 1024;

    private final DatagramConstants layout;
    private final Iovec iov;
    private final int msghdrSize, iovecsAt, namesAt;
    private final Memory records;
    private final long base;
    private final ByteBuffer view;
    private final ByteBuffer[] names = new ByteBuffer[MAX_DATAGRAMS];
    private Memory payloads;
    private long payloadsBase;
    private ByteBuffer payloadsView;

    /** Datagrams in the chain, and how their completions came out so far. */
    int length, completed, sent, cancelled;
    /** The first failure (-errno) other than a cancellation; 0 when none. */
    int error;
    /** For a chain whose socket closed: the descriptor, closed when the last completion has come, and its token. */
    int socketFd = -1, token;

    DatagramChain(DatagramConstants layout, Iovec iov) {
        this.layout = layout;
        this.iov = iov;
        // struct mmsghdr is a msghdr followed by msg_len
        this.msghdrSize = (layout.mmsgLenOffset - layout.mmsgHdrOffset + 7) & ~7;
        this.iovecsAt = MAX_DATAGRAMS * msghdrSize;
        this.namesAt = iovecsAt + MAX_DATAGRAMS * iov.size;
        this.records = new Memory(namesAt + (long) MAX_DATAGRAMS * NAME_SIZE);
        this.base = Pointer.nativeValue(records);
        this.view = TurnMemory.view(records);
        for (int i = 0; i < MAX_DATAGRAMS; i++) {
            names[i] = records.getByteBuffer(namesAt + (long) i * NAME_SIZE, NAME_SIZE).order(java.nio.ByteOrder.nativeOrder());
        }
    }

    /** Makes the payloads' area hold {@code bytes}; only between chains, when the kernel reads none of it. */
    private void reserve(int bytes) {
        if (payloads != null && payloads.size() >= bytes) return;
        int size = Math.max(FIRST_PAYLOAD_AREA, Integer.highestOneBit(Math.max(1, bytes - 1)) << 1);
        if (payloads != null) payloads.close();
        payloads = new Memory(Math.min(size, MAX_BYTES));
        payloadsBase = Pointer.nativeValue(payloads);
        payloadsView = TurnMemory.view(payloads);
    }

    /**
     * Lays out the datagrams at the head of {@code q}, up to {@code max}, {@link #MAX_DATAGRAMS}
     * and {@link #MAX_BYTES}: as many as fit, stopping before one whose target the socket can't
     * send to. Returns that one's error when it stopped the chain at the head (nothing laid out),
     * else null; {@link #length} says how many were laid out.
     */
    IOException fill(PosixSocket s, DatagramQueue q, SocketIo io, int max) {
        length = completed = sent = cancelled = error = 0;
        int limit = Math.min(Math.min(max, MAX_DATAGRAMS), q.size()), fits = 0, bytes = 0;
        while (fits < limit && bytes + q.data(fits).length <= MAX_BYTES) bytes += q.data(fits++).length;
        reserve(bytes);
        int used = 0;
        for (; length < fits; length++) {
            byte[] payload = q.data(length);
            int msg = length * msghdrSize;
            for (int i = 0; i < msghdrSize; i += 4) view.putInt(msg + i, 0);
            SocketAddress target = q.target(length);
            if (target != null) {
                int nameLength;
                try {
                    nameLength = io.encodeDatagramTarget(s, target, names[length]);
                } catch (IOException e) {
                    return length == 0 ? e : null;
                }
                putPointer(msg + layout.nameOffset, base + namesAt + (long) length * NAME_SIZE);
                view.putInt(msg + layout.nameLenOffset, nameLength);
            }
            payloadsView.put(used, payload);
            int vec = iovecsAt + length * iov.size;
            putPointer(vec + iov.baseOffset, payloadsBase + used);
            view.putLong(vec + iov.lenOffset, payload.length);
            putPointer(msg + layout.iovOffset, base + vec);
            if (layout.iovLenSize == 8) view.putLong(msg + layout.iovLenOffset, 1);
            else view.putInt(msg + layout.iovLenOffset, 1);
            used += payload.length;
        }
        return null;
    }

    private void putPointer(int offset, long address) {
        if (Native.POINTER_SIZE == 8) view.putLong(offset, address);
        else view.putInt(offset, (int) address);
    }

    /** The msghdr of the {@code i}-th datagram. */
    long message(int i) { return base + (long) i * msghdrSize; }

    /**
     * One operation of the chain completed with {@code res}; true when it was the last. The
     * kernel runs them one after the other, so the ones that went are the first {@link #sent},
     * then the one that failed, if any, then those cancelled because it did.
     */
    boolean completed(int res, int eCanceled) {
        if (res >= 0) sent++;
        else if (res == -eCanceled) cancelled++;
        else if (error == 0) error = res;
        return ++completed == length;
    }

    @Override
    public void close() {
        records.close();
        if (payloads != null) payloads.close();
    }
}
