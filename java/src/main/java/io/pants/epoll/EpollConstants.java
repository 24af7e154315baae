package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The constants and struct layout of epoll itself (the socket API's are in
 * {@link io.pants.posix.SocketConstants}). With the shim they are read from it at load time (the
 * compiler knows them); through plain libc they come from the generic Linux ABI (x86-64,
 * aarch64, riscv64 and most others), the one thing the libc binding must assume.
 */
final class EpollConstants {
    final int epollIn, epollOut, epollErr, epollHup, epollRdHup, ctlAdd, ctlMod, ctlDel;
    /** struct epoll_event: size and field offsets (12/0/4 packed on x86-64, 16/0/8 elsewhere). */
    final int eventSize, eventEventsOffset, eventDataOffset;
    final String source;

    /** The generic Linux values, in the order the shim exports them. */
    static final int[] LINUX_EPOLL = {1, 4, 8, 16, 0x2000, 1, 3, 2};

    private EpollConstants(int[] e, int[] eventLayout, String source) {
        epollIn = e[0]; epollOut = e[1]; epollErr = e[2]; epollHup = e[3]; epollRdHup = e[4];
        ctlAdd = e[5]; ctlMod = e[6]; ctlDel = e[7];
        eventSize = eventLayout[0]; eventEventsOffset = eventLayout[1]; eventDataOffset = eventLayout[2];
        this.source = source;
    }

    /** Asks the loaded shim. */
    static EpollConstants fromShim() {
        try (Memory m = new Memory(4 * 64)) {
            long a = Pointer.nativeValue(m);
            int n = EpollShim.pants_epoll_constants(a, 64);
            if (n < LINUX_EPOLL.length) throw new IllegalStateException("libpants exports " + n + " epoll constants, expected " + LINUX_EPOLL.length);
            int[] e = m.getIntArray(0, n);
            EpollShim.pants_epoll_layout(a, 3);
            return new EpollConstants(e, m.getIntArray(0, 3), "the shim");
        }
    }

    /** The generic Linux ABI, for the libc binding. */
    static EpollConstants linuxGeneric() {
        int[] event = Platform.ARCH.equals("x86-64") ? new int[] {12, 0, 4} : new int[] {16, 0, 8};
        return new EpollConstants(LINUX_EPOLL, event, "the generic Linux ABI");
    }
}
