// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import io.pants.posix.DatagramConstants;
import io.pants.posix.Iovec;
import io.pants.posix.ReadArena;
import io.pants.posix.Shim;
import io.pants.posix.ShimSyscalls;
import io.pants.posix.SocketConstants;
import io.pants.posix.Syscalls;
import io.pants.posix.TurnMemory;

/** epoll through the shim (native/pants_epoll.c): its constants and layouts come from the shim's compiler. */
final class EpollShimBinding implements EpollBinding {
    private final SocketConstants sockets = SocketConstants.fromShim();
    private final EpollConstants epoll = EpollConstants.fromShim();
    private final DatagramConstants datagrams = DatagramConstants.fromShim();
    private final Syscalls sys = new ShimSyscalls(datagrams.sockDgram);
    private final Iovec iovec = Iovec.fromShim();

    @Override public SocketConstants sockets() { return sockets; }
    @Override public EpollConstants epoll() { return epoll; }
    @Override public DatagramConstants datagrams() { return datagrams; }
    @Override public Syscalls syscalls() { return sys; }
    @Override public Iovec iovec() { return iovec; }

    @Override
    public String description() { return "epoll through the native shim " + Shim.location() + " (layouts from the shim)"; }

    @Override public int create() { return EpollShim.pants_epoll_create(); }
    @Override public int ctl(int epfd, int op, int fd, int events, long data) { return EpollShim.pants_epoll_ctl(epfd, op, fd, events, data); }
    @Override public int eventfd() { return EpollShim.pants_eventfd(); }
    @Override public int signal(int fd) { return EpollShim.pants_eventfd_signal(fd); }

    @Override
    public int turn(int epfd, TurnMemory memory, int nchanges, int timeoutMs) {
        ReadArena arena = memory.arena;
        return EpollShim.pants_epoll_turn(epfd, memory.changesAddr, nchanges, memory.eventsAddr, memory.maxEvents, timeoutMs,
                arena.readsAddress(), arena.arenaAddress(), ReadArena.SIZE, ReadArena.READ_MAX);
    }

    @Override
    public void close() {}
}
