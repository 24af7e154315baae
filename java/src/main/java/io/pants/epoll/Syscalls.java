package io.pants.epoll;

/**
 * The system calls the epoll backend makes outside its batched hot path, one implementation
 * per binding (the shim, or libc). Every method returns -errno on failure, never throws.
 */
interface Syscalls {
    /** A non-blocking, close-on-exec stream socket. */
    int socket(int domain);
    /** A non-blocking, close-on-exec datagram socket. */
    int datagramSocket(int domain);
    int setIntOption(int fd, int level, int name, int value);
    /** setsockopt with a struct of {@code len} bytes at {@code value}. */
    int setOption(int fd, int level, int name, long value, int len);
    /** The option's value (non-negative), or -errno. */
    int getIntOption(int fd, int level, int name);
    int bind(int fd, long addr, int len);
    int listen(int fd, int backlog);
    /** A non-blocking, close-on-exec accepted socket; the peer's address into addr/lenPtr. */
    int accept(int fd, long addr, long lenPtr);
    int connect(int fd, long addr, int len);
    int getsockname(int fd, long addr, long lenPtr);
    int getpeername(int fd, long addr, long lenPtr);
    long read(int fd, long buf, long len);
    /** A write that never raises SIGPIPE where the platform allows. */
    long write(int fd, long buf, long len);
    int shutdown(int fd, int how);
    int close(int fd);
    int openReadOnly(String path);
    /** Bytes sent from in at offset; -EAGAIN when the socket is full, 0 when the file ended. */
    long sendfile(int outFd, int inFd, long offset, long count);
    /** Datagrams received into the mmsghdr array at {@code msgs} (0 or more), or -errno (-EAGAIN: none waiting). */
    int recvmmsg(int fd, long msgs, int vlen, int flags);
    /** Datagrams sent from the mmsghdr array at {@code msgs}, or -errno when the first could not be sent. */
    int sendmmsg(int fd, long msgs, int vlen, int flags);
    int epollCreate();
    int epollCtl(int epfd, int op, int fd, int events, long data);
    int eventfd();
    /** Safe from any thread. */
    int eventfdSignal(int fd);
    String strerror(int errno);
}
