// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import io.pants.posix.Shim;

/**
 * The shim's epoll part (native/pants_epoll.c), bound by JNA direct mapping from the library
 * {@link Shim} loaded: static natives with primitive arguments only, each returning -errno on
 * failure. See native/pants.h for the contracts.
 */
final class EpollShim {
    private static final String LOAD_FAILURE = Shim.bind(EpollShim.class);

    private EpollShim() {}

    /** Null when the shim is loaded with its epoll part, otherwise why not. */
    static String loadFailure() { return LOAD_FAILURE; }

    static native int pants_epoll_layout(long out, int n);
    static native int pants_epoll_constants(long out, int n);
    static native int pants_epoll_create();
    static native int pants_epoll_ctl(int epfd, int op, int fd, int events, long data);
    static native int pants_eventfd();
    static native int pants_eventfd_signal(int fd);
    static native int pants_epoll_turn(int epfd, long changes, int nchanges, long events, int maxevents,
                                       int timeoutMs, long reads, long arena, long arenaLen, int readMax);
}
