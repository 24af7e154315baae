// SPDX-License-Identifier: Apache-2.0
/**
 * What the native POSIX backends ({@code io.pants.epoll}, {@code io.pants.kqueue}) share, so
 * that each of them holds only its own mechanism (registration, the wait, wake-ups):
 * <ul>
 *   <li>the contract with the C shim, on the Java side: {@link io.pants.posix.ShimAbi} (the
 *       user word, the records laid out for the shim, every exported table's slots), which
 *       {@link io.pants.posix.Shim} checks when it loads the shim;</li>
 *   <li>the socket calls, one interface ({@link io.pants.posix.Syscalls}) with one
 *       implementation per binding, picked when a poller is made: the shim
 *       ({@link io.pants.posix.ShimSyscalls}, over {@link io.pants.posix.Shim}, which also loads
 *       the shim for the backends' own parts) and the C library
 *       ({@link io.pants.posix.LibcSyscalls}, Linux's calls or the portable ones); -errno to
 *       exceptions in {@link io.pants.posix.Errors};</li>
 *   <li>the sockets ({@link io.pants.posix.PosixSocket}) and what they do
 *       ({@link io.pants.posix.SocketIo}, with {@code DatagramIo} for datagram sockets and
 *       {@link io.pants.posix.ReadTarget} for reads into Java buffers);</li>
 *   <li>the parts of a loop turn that don't depend on the mechanism: the queue of interest
 *       changes ({@link io.pants.posix.ChangeQueue}), the turn's native memory
 *       ({@link io.pants.posix.TurnMemory}) with the arena ready streams are read into
 *       ({@link io.pants.posix.ReadArena}), and the batched writev of the turn's output
 *       ({@link io.pants.posix.BatchWriter} over a {@link io.pants.posix.GatherTable}, which
 *       the iocp backend uses too, with WSABUFs);</li>
 *   <li>each system's constants and layouts: {@link io.pants.posix.SocketConstants},
 *       {@link io.pants.posix.DatagramConstants}, {@link io.pants.posix.Iovec}, and the socket
 *       address codec ({@link io.pants.posix.Sockaddr}, with and without the BSD length byte;
 *       Winsock's addresses are Linux's layout).</li>
 * </ul>
 *
 * <p>Internal to Pants: public only so that the backend packages can share it. Not part of the
 * API; it may change in any release.
 */
package io.pants.posix;
