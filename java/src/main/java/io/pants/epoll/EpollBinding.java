// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import io.pants.posix.DatagramConstants;
import io.pants.posix.Iovec;
import io.pants.posix.SocketConstants;
import io.pants.posix.Syscalls;
import io.pants.posix.TurnMemory;

/**
 * How an epoll poller reaches the kernel, picked once when the poller is made: through the
 * shim ({@link EpollShimBinding}: a loop turn in one crossing, layouts from the shim's
 * compiler) or through the C library by JNA ({@link EpollLibcBinding}: the same steps in Java,
 * a crossing per system call, the generic Linux ABI). The poller's own code is the same for
 * both. Each call returns -errno on failure. Loop thread only, except {@link #signal}.
 */
interface EpollBinding extends AutoCloseable {
    SocketConstants sockets();

    EpollConstants epoll();

    DatagramConstants datagrams();

    /** The socket calls of this binding. */
    Syscalls syscalls();

    Iovec iovec();

    /** How this binding reaches epoll, for the poller's description. */
    String description();

    /** A new close-on-exec epoll instance. */
    int create();

    /** One epoll_ctl. */
    int ctl(int epfd, int op, int fd, int events, long data);

    /** A non-blocking, close-on-exec eventfd. */
    int eventfd();

    /** Increments the eventfd's counter: 0, or -errno. Safe from any thread. */
    int signal(int fd);

    /**
     * One loop turn, as native/pants_epoll.c's pants_epoll_turn: applies the {@code nchanges}
     * changes (pants_epoll_change records, each answered with its result), waits up to
     * {@code timeoutMs}, and reads each ready pre-read stream into the arena. Returns the number
     * of events, 0 when interrupted, or -errno.
     */
    int turn(int epfd, TurnMemory memory, int nchanges, int timeoutMs);

    @Override
    void close();
}
