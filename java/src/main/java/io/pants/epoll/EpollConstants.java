// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import com.sun.jna.Platform;
import io.pants.posix.ShimAbi;
import io.pants.posix.ShimAbi.Table;

import java.nio.ByteBuffer;

import static io.pants.posix.ShimAbi.EpollEventSlot.DATA_OFFSET;
import static io.pants.posix.ShimAbi.EpollEventSlot.EVENTS_OFFSET;
import static io.pants.posix.ShimAbi.EpollEventSlot.SIZE;
import static io.pants.posix.ShimAbi.EpollSlot.*;
import static io.pants.posix.ShimAbi.at;

/**
 * The constants and struct layout of epoll itself (the socket API's are in
 * {@link io.pants.posix.SocketConstants}). With the shim they are read from it at load time (the
 * compiler knows them); through plain libc they come from the generic Linux ABI (x86-64,
 * aarch64, riscv64 and most others), the one thing the libc binding must assume.
 */
final class EpollConstants {
    final int epollIn, epollOut, epollErr, epollHup, epollRdHup, ctlAdd, ctlMod;
    /** struct epoll_event: size and field offsets (12/0/4 packed on x86-64, 16/0/8 elsewhere). */
    final int eventSize, eventEventsOffset, eventDataOffset;
    final String source;

    /** The generic Linux values, in {@link ShimAbi.EpollSlot} order. */
    static final int[] LINUX_EPOLL = {1, 4, 8, 16, 0x2000, 1, 3};

    private EpollConstants(int[] values, int[] eventLayout, String source) {
        epollIn = at(values, EPOLLIN); epollOut = at(values, EPOLLOUT); epollErr = at(values, EPOLLERR);
        epollHup = at(values, EPOLLHUP); epollRdHup = at(values, EPOLLRDHUP);
        ctlAdd = at(values, EPOLL_CTL_ADD); ctlMod = at(values, EPOLL_CTL_MOD);
        eventSize = at(eventLayout, SIZE); eventEventsOffset = at(eventLayout, EVENTS_OFFSET); eventDataOffset = at(eventLayout, DATA_OFFSET);
        this.source = source;
    }

    /** Event {@code i}'s events in an epoll_event array. */
    int flags(ByteBuffer events, int i) { return events.getInt(i * eventSize + eventEventsOffset); }

    /** Event {@code i}'s user word in an epoll_event array. */
    long word(ByteBuffer events, int i) { return events.getLong(i * eventSize + eventDataOffset); }

    /** Asks the loaded shim. */
    static EpollConstants fromShim() {
        return new EpollConstants(ShimAbi.read(Table.EPOLL, EpollShim::pants_epoll_constants),
                ShimAbi.read(Table.EPOLL_EVENT, EpollShim::pants_epoll_layout), "the shim");
    }

    /** The generic Linux ABI, for the libc binding. */
    static EpollConstants linuxGeneric() {
        int[] event = Platform.ARCH.equals("x86-64") ? new int[] {12, 0, 4} : new int[] {16, 0, 8};
        return new EpollConstants(LINUX_EPOLL, event, "the generic Linux ABI");
    }
}
