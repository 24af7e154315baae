package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * {@link Syscalls} straight through libc: each failure costs a second look at errno, and
 * structs the shim would fill in C are filled here in scratch memory. Loop thread only,
 * except {@link #eventfdSignal}, which reads memory nobody writes after construction.
 */
final class LibcSyscalls implements Syscalls {
    private final NativeConstants k;
    private final Memory scratch = new Memory(64);
    private final long scratchAddr = Pointer.nativeValue(scratch);
    /** The 8-byte counter increment written to wake an eventfd; never changed. */
    private final Memory one = new Memory(8);
    private final long oneAddr = Pointer.nativeValue(one);

    LibcSyscalls(NativeConstants k) {
        this.k = k;
        one.setLong(0, 1);
    }

    private static int check(int r) { return r < 0 ? -Native.getLastError() : r; }
    private static long check(long r) { return r < 0 ? -Native.getLastError() : r; }

    @Override public int socket(int domain) { return check(Libc.socket(domain, k.sockStream | NativeConstants.SOCK_NONBLOCK | NativeConstants.SOCK_CLOEXEC, 0)); }

    @Override public int datagramSocket(int domain) { return check(Libc.socket(domain, DatagramConstants.LINUX_SOCK_DGRAM | NativeConstants.SOCK_NONBLOCK | NativeConstants.SOCK_CLOEXEC, 0)); }

    @Override public int setOption(int fd, int level, int name, long value, int len) { return check(Libc.setsockopt(fd, level, name, value, len)); }

    @Override
    public int recvmmsg(int fd, long msgs, int vlen, int flags) {
        int r;
        do { r = check(Libc.recvmmsg(fd, msgs, vlen, flags, 0)); } while (r == -k.eIntr);
        return r;
    }

    @Override
    public int sendmmsg(int fd, long msgs, int vlen, int flags) {
        int r;
        do { r = check(Libc.sendmmsg(fd, msgs, vlen, flags | NativeConstants.MSG_NOSIGNAL)); } while (r == -k.eIntr);
        return r;
    }

    @Override
    public int setIntOption(int fd, int level, int name, int value) {
        scratch.setInt(0, value);
        return check(Libc.setsockopt(fd, level, name, scratchAddr, 4));
    }

    @Override
    public int getIntOption(int fd, int level, int name) {
        scratch.setInt(0, 0);
        scratch.setInt(8, 4);
        int r = check(Libc.getsockopt(fd, level, name, scratchAddr, scratchAddr + 8));
        return r < 0 ? r : scratch.getInt(0);
    }

    @Override public int bind(int fd, long addr, int len) { return check(Libc.bind(fd, addr, len)); }
    @Override public int listen(int fd, int backlog) { return check(Libc.listen(fd, backlog)); }
    @Override public int accept(int fd, long addr, long lenPtr) { return check(Libc.accept4(fd, addr, lenPtr, NativeConstants.SOCK_NONBLOCK | NativeConstants.SOCK_CLOEXEC)); }
    @Override public int connect(int fd, long addr, int len) { return check(Libc.connect(fd, addr, len)); }
    @Override public int getsockname(int fd, long addr, long lenPtr) { return check(Libc.getsockname(fd, addr, lenPtr)); }
    @Override public int getpeername(int fd, long addr, long lenPtr) { return check(Libc.getpeername(fd, addr, lenPtr)); }
    @Override public long read(int fd, long buf, long len) { return check(Libc.read(fd, buf, len)); }
    @Override public long write(int fd, long buf, long len) { return check(Libc.write(fd, buf, len)); } // the JVM ignores SIGPIPE

    long writev(int fd, long iov, int count) { return check(Libc.writev(fd, iov, count)); }

    int epollWait(int epfd, long events, int max, int timeoutMs) { return check(Libc.epoll_wait(epfd, events, max, timeoutMs)); }

    @Override public int shutdown(int fd, int how) { return check(Libc.shutdown(fd, how)); }
    @Override public int close(int fd) { return check(Libc.close(fd)); }
    @Override public int openReadOnly(String path) { return check(Libc.open(path, NativeConstants.O_RDONLY_CLOEXEC)); }

    @Override
    public long sendfile(int outFd, int inFd, long offset, long count) {
        scratch.setLong(16, offset);
        return check(Libc.sendfile(outFd, inFd, scratchAddr + 16, count));
    }

    @Override public int epollCreate() { return check(Libc.epoll_create1(NativeConstants.EPOLL_CLOEXEC)); }

    @Override
    public int epollCtl(int epfd, int op, int fd, int events, long data) {
        scratch.setInt(32 + k.eventEventsOffset, events);
        scratch.setLong(32 + k.eventDataOffset, data);
        return check(Libc.epoll_ctl(epfd, op, fd, scratchAddr + 32));
    }

    @Override public int eventfd() { return check(Libc.eventfd(0, NativeConstants.EFD_NONBLOCK | NativeConstants.EFD_CLOEXEC)); }

    @Override
    public int eventfdSignal(int fd) {
        long r = check(Libc.write(fd, oneAddr, 8));
        return r == -k.eAgain ? 0 : (int) Math.min(r, 0);
    }

    @Override
    public String strerror(int errno) {
        long p = Libc.strerror(errno);
        return p == 0 ? "errno " + errno : new Pointer(p).getString(0);
    }
}
