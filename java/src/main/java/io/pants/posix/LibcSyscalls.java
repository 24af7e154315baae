// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * {@link Syscalls} straight through the C library by JNA: each failure costs a second look at
 * errno, and structs the shim would fill in C are filled here in scratch memory. Two flavours:
 * <ul>
 *   <li>{@link #linux}: Linux's own calls (SOCK_NONBLOCK, accept4, recvmmsg, sendmmsg), for
 *       the epoll backend;</li>
 *   <li>{@link #portable}: only calls every kqueue system has (fcntl for the descriptor flags,
 *       recvmsg and sendmsg per datagram, the system's sendfile), used on Linux too under a
 *       userspace kqueue, so that the code exercised there is the code BSD and macOS run.</li>
 * </ul>
 * Loop thread only, except {@link #write}, which touches no scratch memory.
 */
public final class LibcSyscalls implements Syscalls {
    /** Linux flag values used by the Linux flavour only (the shim applies them in C). */
    private static final int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000, O_RDONLY_CLOEXEC = 0x80000, MSG_NOSIGNAL = 0x4000;
    /** fcntl's commands and flag: the same numbers on Linux and on the BSDs. */
    private static final int F_SETFD = 2, F_SETFL = 4, FD_CLOEXEC = 1;

    private final SocketConstants sockets;
    private final DatagramConstants datagrams;
    private final boolean linux;
    /** O_NONBLOCK, for the portable flavour's fcntl. */
    private final int oNonBlock;
    private final Sendfile.Kind sendfile;
    private final Memory scratch = new Memory(64);
    private final long scratchAddr = Pointer.nativeValue(scratch);

    private LibcSyscalls(SocketConstants sockets, DatagramConstants datagrams, boolean linux, int oNonBlock, Sendfile.Kind sendfile) {
        this.sockets = sockets;
        this.datagrams = datagrams;
        this.linux = linux;
        this.oNonBlock = oNonBlock;
        this.sendfile = sendfile;
    }

    /** Linux's calls with Linux's constants. */
    public static LibcSyscalls linux(SocketConstants sockets, DatagramConstants datagrams) {
        return new LibcSyscalls(sockets, datagrams, true, 0, Sendfile.Kind.LINUX);
    }

    /** The calls every kqueue system has: descriptor flags by fcntl with this O_NONBLOCK, and this sendfile. */
    public static LibcSyscalls portable(SocketConstants sockets, DatagramConstants datagrams, int oNonBlock, Sendfile.Kind sendfile) {
        return new LibcSyscalls(sockets, datagrams, false, oNonBlock, sendfile);
    }

    /** Null when the C library is bound, otherwise why not. */
    public static String loadFailure() { return Libc.loadFailure(); }

    private static int check(int r) { return r < 0 ? -Native.getLastError() : r; }
    private static long check(long r) { return r < 0 ? -Native.getLastError() : r; }

    /** Makes a new descriptor non-blocking and close-on-exec, or closes it and says why not. */
    public int configure(int fd) {
        if (fd < 0) return fd;
        if (Libc.fcntl(fd, F_SETFL, oNonBlock) < 0 || Libc.fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
            int e = Native.getLastError();
            Libc.close(fd);
            return -e;
        }
        return fd;
    }

    /** Makes a descriptor close-on-exec (not inherited by exec); errors ignored, as for a descriptor that works without. */
    public void closeOnExec(int fd) {
        if (fd >= 0) Libc.fcntl(fd, F_SETFD, FD_CLOEXEC);
    }

    @Override
    public int socket(int domain) {
        return linux ? check(Libc.socket(domain, sockets.sockStream | SOCK_NONBLOCK | SOCK_CLOEXEC, 0))
                : configure(check(Libc.socket(domain, sockets.sockStream, 0)));
    }

    @Override
    public int datagramSocket(int domain) {
        return linux ? check(Libc.socket(domain, datagrams.sockDgram | SOCK_NONBLOCK | SOCK_CLOEXEC, 0))
                : configure(check(Libc.socket(domain, datagrams.sockDgram, 0)));
    }

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

    @Override public int getOption(int fd, int level, int name, long value, long lenPtr) { return check(Libc.getsockopt(fd, level, name, value, lenPtr)); }

    @Override public TcpOptionConstants tcpOptionConstants() { return TcpOptionConstants.forThisSystem(); }

    @Override public int bind(int fd, long addr, int len) { return check(Libc.bind(fd, addr, len)); }
    @Override public int listen(int fd, int backlog) { return check(Libc.listen(fd, backlog)); }

    @Override
    public int accept(int fd, long addr, long lenPtr) {
        return linux ? check(Libc.Linux.accept4(fd, addr, lenPtr, SOCK_NONBLOCK | SOCK_CLOEXEC))
                : configure(check(Libc.accept(fd, addr, lenPtr)));
    }

    @Override public int connect(int fd, long addr, int len) { return check(Libc.connect(fd, addr, len)); }
    @Override public int getsockname(int fd, long addr, long lenPtr) { return check(Libc.getsockname(fd, addr, lenPtr)); }
    @Override public long read(int fd, long buf, long len) { return check(Libc.read(fd, buf, len)); }
    @Override public long write(int fd, long buf, long len) { return check(Libc.write(fd, buf, len)); } // the JVM ignores SIGPIPE

    /** A writev per entry, a crossing each, as pants_flush does in C (the JVM ignores SIGPIPE). */
    @Override
    public void flush(GatherTable table) {
        for (int e = 0, count = table.size(); e < count; e++) {
            long r = check(Libc.writev((int) table.descriptor(e), table.iovecsOf(e), table.iovecCount(e)));
            table.result(e, r == -sockets.eAgain ? 0 : r);
        }
    }

    /** Linux: recvmmsg. Elsewhere recvmsg per datagram, writing each length after its msghdr as recvmmsg would: one crossing each. */
    @Override
    public int recvmmsg(int fd, long msgs, int vlen, int flags) {
        if (linux) {
            int r;
            do { r = check(Libc.Linux.recvmmsg(fd, msgs, vlen, flags, 0)); } while (r == -sockets.eIntr);
            return r;
        }
        for (int i = 0; i < vlen; i++) {
            long entry = msgs + (long) i * datagrams.mmsgSize;
            long r = Libc.recvmsg(fd, entry + datagrams.mmsgHdrOffset, flags);
            if (r < 0) {
                int errno = Native.getLastError();
                if (errno == sockets.eIntr) {
                    i--;
                    continue;
                }
                return i == 0 ? -errno : i; // EAGAIN after the first, the usual case, loses nothing
            }
            putLength(entry + datagrams.mmsgLenOffset, datagrams.mmsgLenSize, r);
        }
        return vlen;
    }

    /** Linux: sendmmsg. Elsewhere sendmsg per datagram, as {@link #recvmmsg}. */
    @Override
    public int sendmmsg(int fd, long msgs, int vlen, int flags) {
        if (linux) {
            int r;
            do { r = check(Libc.Linux.sendmmsg(fd, msgs, vlen, flags | MSG_NOSIGNAL)); } while (r == -sockets.eIntr);
            return r;
        }
        for (int i = 0; i < vlen; i++) {
            long entry = msgs + (long) i * datagrams.mmsgSize;
            long r = Libc.sendmsg(fd, entry + datagrams.mmsgHdrOffset, flags); // the JVM ignores SIGPIPE
            if (r < 0) {
                int errno = Native.getLastError();
                if (errno == sockets.eIntr) {
                    i--;
                    continue;
                }
                return i == 0 ? -errno : i;
            }
            putLength(entry + datagrams.mmsgLenOffset, datagrams.mmsgLenSize, r);
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
        if (linux) return check(Libc.open(path, O_RDONLY_CLOEXEC));
        int fd = check(Libc.open(path, 0 /* O_RDONLY everywhere */));
        if (fd < 0 || Libc.fcntl(fd, F_SETFD, FD_CLOEXEC) >= 0) return fd;
        int e = Native.getLastError();
        Libc.close(fd);
        return -e;
    }

    @Override
    public long sendfile(int outFd, int inFd, long offset, long count) {
        switch (sendfile) {
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
                throw new UnsupportedOperationException("no sendfile on this system");
        }
    }

    /** A non-blocking, close-on-exec pipe: read end and write end as two int32 at {@code fds}. */
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
