package io.pants.kqueue;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.posix.SocketConstants;

/**
 * {@link Syscalls} through JNA: sockets from the C library ({@link Libc}), kqueue() and kevent()
 * from {@link KqueueLibrary}. Each failure costs a second look at errno, a new descriptor two
 * fcntl calls, and structs the shim would fill in C are filled here in scratch memory. Loop
 * thread only, except {@link #submit} and {@link #write}, which touch no scratch memory.
 */
final class LibcSyscalls implements Syscalls {
    private final KqueuePlatform p;
    private final SocketConstants k;
    private final Memory scratch = new Memory(64);
    private final long scratchAddr = Pointer.nativeValue(scratch);
    /** The turn's timeout, a struct timespec (two 64-bit fields on every 64-bit system). */
    private final Memory timespec = new Memory(16);
    private final long timespecAddr = Pointer.nativeValue(timespec);

    LibcSyscalls(KqueuePlatform p) {
        this.p = p;
        this.k = p.socket;
    }

    private static int check(int r) { return r < 0 ? -Native.getLastError() : r; }
    private static long check(long r) { return r < 0 ? -Native.getLastError() : r; }

    /** Makes a new descriptor non-blocking and close-on-exec, or closes it and says why not. */
    private int configure(int fd) {
        if (fd < 0) return fd;
        if (Libc.fcntl(fd, KqueuePlatform.F_SETFL, p.oNonBlock) < 0 || Libc.fcntl(fd, KqueuePlatform.F_SETFD, KqueuePlatform.FD_CLOEXEC) < 0) {
            int e = Native.getLastError();
            Libc.close(fd);
            return -e;
        }
        return fd;
    }

    @Override public int socket(int domain) { return configure(check(Libc.socket(domain, k.sockStream, 0))); }
    @Override public int datagramSocket(int domain) { return configure(check(Libc.socket(domain, p.datagram.sockDgram, 0))); }
    @Override public int setOption(int fd, int level, int name, long value, int len) { return check(Libc.setsockopt(fd, level, name, value, len)); }

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
    @Override public int accept(int fd, long addr, long lenPtr) { return configure(check(Libc.accept(fd, addr, lenPtr))); }
    @Override public int connect(int fd, long addr, int len) { return check(Libc.connect(fd, addr, len)); }
    @Override public int getsockname(int fd, long addr, long lenPtr) { return check(Libc.getsockname(fd, addr, lenPtr)); }
    @Override public long read(int fd, long buf, long len) { return check(Libc.read(fd, buf, len)); }
    @Override public long write(int fd, long buf, long len) { return check(Libc.write(fd, buf, len)); } // the JVM ignores SIGPIPE

    long writev(int fd, long iov, int count) { return check(Libc.writev(fd, iov, count)); }

    /** recvmsg per datagram, writing each length after its msghdr as recvmmsg would: one crossing each. */
    @Override
    public int recvmmsg(int fd, long msgs, int vlen, int flags) {
        DatagramConstants d = p.datagram;
        for (int i = 0; i < vlen; i++) {
            long entry = msgs + (long) i * d.mmsgSize;
            long r = Libc.recvmsg(fd, entry + d.mmsgHdrOffset, flags);
            if (r < 0) {
                int errno = Native.getLastError();
                if (errno == k.eIntr) {
                    i--;
                    continue;
                }
                return i == 0 ? -errno : i; // EAGAIN after the first, the usual case, loses nothing
            }
            putLength(entry + d.mmsgLenOffset, d.mmsgLenSize, r);
        }
        return vlen;
    }

    /** sendmsg per datagram, as {@link #recvmmsg}. */
    @Override
    public int sendmmsg(int fd, long msgs, int vlen, int flags) {
        DatagramConstants d = p.datagram;
        for (int i = 0; i < vlen; i++) {
            long entry = msgs + (long) i * d.mmsgSize;
            long r = Libc.sendmsg(fd, entry + d.mmsgHdrOffset, flags); // the JVM ignores SIGPIPE
            if (r < 0) {
                int errno = Native.getLastError();
                if (errno == k.eIntr) {
                    i--;
                    continue;
                }
                return i == 0 ? -errno : i;
            }
            putLength(entry + d.mmsgLenOffset, d.mmsgLenSize, r);
        }
        return vlen;
    }

    private static void putLength(long address, int size, long value) {
        Pointer at = new Pointer(address);
        if (size == 8) at.setLong(0, value);
        else at.setInt(0, (int) value);
    }

    @Override public int shutdown(int fd, int how) { return check(Libc.shutdown(fd, how)); }
    @Override public int close(int fd) { return check(Libc.close(fd)); }

    @Override
    public int openReadOnly(String path) {
        int fd = check(Libc.open(path, 0 /* O_RDONLY everywhere */));
        if (fd < 0 || Libc.fcntl(fd, KqueuePlatform.F_SETFD, KqueuePlatform.FD_CLOEXEC) >= 0) return fd;
        int e = Native.getLastError();
        Libc.close(fd);
        return -e;
    }

    @Override
    public long sendfile(int outFd, int inFd, long offset, long count) {
        switch (p.sendfile) {
            case LINUX: {
                scratch.setLong(16, offset);
                return check(Sendfile.Linux.sendfile(outFd, inFd, scratchAddr + 16, count));
            }
            case FREEBSD: {
                scratch.setLong(16, 0);
                int r = Sendfile.FreeBsd.sendfile(inFd, outFd, offset, count, 0, scratchAddr + 16, 0);
                int errno = r < 0 ? Native.getLastError() : 0;
                long sent = scratch.getLong(16);
                // a non-blocking socket may take part of it and still say EAGAIN: that part counts
                return r < 0 && sent == 0 ? -errno : sent;
            }
            case DARWIN: {
                scratch.setLong(16, count); // in: how much to send; out: how much was sent
                int r = Sendfile.Darwin.sendfile(inFd, outFd, offset, scratchAddr + 16, 0, 0);
                int errno = r < 0 ? Native.getLastError() : 0;
                long sent = scratch.getLong(16);
                return r < 0 && sent == 0 ? -errno : sent;
            }
            default:
                throw new UnsupportedOperationException("no sendfile on " + p.os);
        }
    }

    @Override
    public int kqueue() {
        int kq = check(KqueueLibrary.kqueue());
        if (kq >= 0) Libc.fcntl(kq, KqueuePlatform.F_SETFD, KqueuePlatform.FD_CLOEXEC); // not inherited by fork, but by exec
        return kq;
    }

    @Override
    public int submit(int kq, long changes, int n) {
        int r;
        do {
            r = check(KqueueLibrary.kevent(kq, changes, n, 0, 0, 0));
        } while (r == -k.eIntr);
        return Math.min(r, 0);
    }

    /** The turn's kevent: changes, then up to {@code nevents} events, waiting up to timeoutNanos (negative: no limit). */
    int kevent(int kq, long changes, int nchanges, long events, int nevents, long timeoutNanos) {
        long ts = 0;
        if (timeoutNanos >= 0) {
            timespec.setLong(0, timeoutNanos / 1_000_000_000L);
            timespec.setLong(8, timeoutNanos % 1_000_000_000L);
            ts = timespecAddr;
        }
        return check(KqueueLibrary.kevent(kq, changes, nchanges, events, nevents, ts));
    }

    @Override
    public int pipe(long fds) {
        int r = check(Libc.pipe(fds));
        if (r < 0) return r;
        Pointer both = new Pointer(fds);
        int read = both.getInt(0), write = both.getInt(4);
        int e = configure(read);
        if (e < 0) {
            Libc.close(write);
            return e;
        }
        e = configure(write);
        if (e < 0) {
            Libc.close(read);
            return e;
        }
        return 0;
    }

    @Override
    public String strerror(int errno) {
        long s = Libc.strerror(errno);
        return s == 0 ? "errno " + errno : new Pointer(s).getString(0);
    }
}
