// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

/**
 * The POSIX socket calls the native backends make, one implementation per binding:
 * {@link ShimSyscalls} (the shim) and {@link LibcSyscalls} (JNA straight to the C library),
 * picked when the poller is made. Every method returns -errno on failure, never throws. The
 * calls of each backend's own mechanism (epoll, kqueue) live in that backend, in the same way.
 */
public interface Syscalls {
    /** A non-blocking, close-on-exec stream socket. */
    int socket(int domain);
    /** A non-blocking, close-on-exec datagram socket. */
    int datagramSocket(int domain);
    int setIntOption(int fd, int level, int name, int value);
    /** setsockopt with a struct of {@code len} bytes at {@code value}. */
    int setOption(int fd, int level, int name, long value, int len);
    /** The option's value (non-negative), or -errno. */
    int getIntOption(int fd, int level, int name);
    /** getsockopt into the int32 at {@code lenPtr} bytes at {@code value} (the size is written back there); 0 or -errno. */
    int getOption(int fd, int level, int name, long value, long lenPtr);
    /** The stream socket options of this system (SO_KEEPALIVE, SO_LINGER, the keep-alive timings), as this binding knows them. */
    TcpOptionConstants tcpOptionConstants();
    int bind(int fd, long addr, int len);
    int listen(int fd, int backlog);
    /** A non-blocking, close-on-exec accepted socket; the peer's address into addr/lenPtr. */
    int accept(int fd, long addr, long lenPtr);
    int connect(int fd, long addr, int len);
    int getsockname(int fd, long addr, long lenPtr);
    long read(int fd, long buf, long len);
    /** A write that never raises SIGPIPE where the platform allows. */
    long write(int fd, long buf, long len);
    /**
     * Datagrams received into the array of {@link DatagramConstants}' entries at {@code msgs}
     * (0 or more), or -errno when the first receive failed (-EAGAIN: none waiting).
     */
    int recvmmsg(int fd, long msgs, int vlen, int flags);
    /** Datagrams sent from such an array, or -errno when the first could not be sent. */
    int sendmmsg(int fd, long msgs, int vlen, int flags);
    int shutdown(int fd, int how);
    int close(int fd);
    int openReadOnly(String path);
    /** Bytes sent from in at offset; -EAGAIN when the socket is full, 0 when the file ended. */
    long sendfile(int outFd, int inFd, long offset, long count);
    /**
     * Writes every entry of the table with one gathering write each, recording each entry's
     * result there (bytes written, 0 when the socket is full, or -errno): pants_flush's job.
     */
    void flush(GatherTable table);
    String strerror(int errno);
}
