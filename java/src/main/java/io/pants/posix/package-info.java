/**
 * What the native backends share about the POSIX socket API: the socket address codec
 * ({@link io.pants.posix.Sockaddr}, with and without the BSD length byte) and the socket and
 * errno constants of each operating system ({@link io.pants.posix.SocketConstants}).
 *
 * <p>Internal to Pants: public only so that the backend packages ({@code io.pants.epoll},
 * {@code io.pants.kqueue}) can share it. Not part of the API; it may change in any release.
 */
package io.pants.posix;
