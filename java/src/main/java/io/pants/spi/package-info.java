// SPDX-License-Identifier: Apache-2.0
/**
 * The poller SPI: what the engine needs from an operating system's readiness mechanism.
 *
 * <p>Layering: {@code io.pants} (engine, streams, servers) sits on this package only; each
 * backend is one package implementing it ({@code io.pants.epoll}, {@code io.pants.kqueue},
 * {@code io.pants.nio}, {@code io.pants.iocp}, {@code io.pants.uring}). The engine never names a backend.
 *
 * <p>The contract is readiness, level-triggered, keyed by an integer token the engine chooses
 * (never an object reference in the kernel). Two liberties let a backend cut native crossings:
 * <ul>
 *   <li>{@link io.pants.spi.Poller#poll} may perform the reads of sockets registered with
 *       {@code readOnReady} itself and hand the bytes over ({@link io.pants.spi.ReadyHandler#received});
 *   <li>interest changes may be collected and submitted with the next wait (as kqueue does with
 *       its changelist), and {@link io.pants.spi.Poller#flush} writes a whole turn's queued output
 *       at once.
 * </ul>
 * A completion-based backend emulates readiness behind the same contract: IOCP with AFD polls;
 * io_uring ({@code io.pants.uring}) hands over what its multishot receives completed as
 * {@link io.pants.spi.ReadyHandler#received} data, and what its accepts completed through
 * {@code accept()}. Its writes are the one addition: {@link io.pants.spi.Poller#flush} may submit
 * them instead of making them, and {@link io.pants.spi.ReadyHandler#sent} reports them done
 * ({@link io.pants.spi.Poller#flushNow} still writes at once, for {@code Stream.flush()}).
 * Readiness backends implement neither.
 *
 * <p>Sockets come in three kinds, each its own type: {@link io.pants.spi.Poller#listen} makes a
 * {@link io.pants.spi.ListenerSocket}, whose {@code accept()} gives a
 * {@link io.pants.spi.StreamSocket}, as {@link io.pants.spi.Poller#connect} does, and
 * {@link io.pants.spi.Poller#openDatagram} a {@link io.pants.spi.DatagramSocket}. All are
 * {@link io.pants.spi.PollerSocket}s, registered, given interest and closed the same way; a backend
 * implements only the kinds it has (one class may be a listener and a stream both). Datagram
 * sockets are registered without {@code readOnReady}: READ readiness means datagrams to
 * {@link io.pants.spi.DatagramSocket#receive receive}, and queued ones go out with
 * {@link io.pants.spi.DatagramSocket#send send}, each a batch of datagrams in one call. A backend
 * without datagram sockets leaves {@code openDatagram} as it is, which says so.
 */
package io.pants.spi;
