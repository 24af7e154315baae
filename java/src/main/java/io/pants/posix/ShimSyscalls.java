// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** {@link Syscalls} through the shim: one native crossing each, -errno returned by C. */
public final class ShimSyscalls implements Syscalls {
    private final Memory message = new Memory(256);
    private final int sockDgram;

    /** {@code sockDgram}: SOCK_DGRAM as the shim was compiled ({@link DatagramConstants#fromShim()}). */
    public ShimSyscalls(int sockDgram) {
        this.sockDgram = sockDgram;
    }

    @Override public int socket(int domain) { return Shim.pants_socket(domain, 1 /* SOCK_STREAM on every OS we build for */, 0); }
    @Override public int datagramSocket(int domain) { return Shim.pants_socket(domain, sockDgram, 0); }
    @Override public int setIntOption(int fd, int level, int name, int value) { return Shim.pants_setsockopt_int(fd, level, name, value); }
    @Override public int setOption(int fd, int level, int name, long value, int len) { return Shim.pants_setsockopt(fd, level, name, value, len); }
    @Override public int getIntOption(int fd, int level, int name) { return Shim.pants_getsockopt_int(fd, level, name); }
    @Override public int getOption(int fd, int level, int name, long value, long lenPtr) { return Shim.pants_getsockopt(fd, level, name, value, lenPtr); }
    @Override public TcpOptionConstants tcpOptionConstants() { return TcpOptionConstants.fromShim(); }
    @Override public int bind(int fd, long addr, int len) { return Shim.pants_bind(fd, addr, len); }
    @Override public int listen(int fd, int backlog) { return Shim.pants_listen(fd, backlog); }
    @Override public int accept(int fd, long addr, long lenPtr) { return Shim.pants_accept(fd, addr, lenPtr); }
    @Override public int connect(int fd, long addr, int len) { return Shim.pants_connect(fd, addr, len); }
    @Override public int getsockname(int fd, long addr, long lenPtr) { return Shim.pants_getsockname(fd, addr, lenPtr); }
    @Override public long read(int fd, long buf, long len) { return Shim.pants_read(fd, buf, len); }
    @Override public long write(int fd, long buf, long len) { return Shim.pants_write(fd, buf, len); }
    @Override public int recvmmsg(int fd, long msgs, int vlen, int flags) { return Shim.pants_recvmmsg(fd, msgs, vlen, flags); }
    @Override public int sendmmsg(int fd, long msgs, int vlen, int flags) { return Shim.pants_sendmmsg(fd, msgs, vlen, flags); }
    @Override public int shutdown(int fd, int how) { return Shim.pants_shutdown(fd, how); }
    @Override public int close(int fd) { return Shim.pants_close(fd); }
    @Override public int openReadOnly(String path) { return Shim.pants_open_readonly(path); }
    @Override public long sendfile(int outFd, int inFd, long offset, long count) { return Shim.pants_sendfile(outFd, inFd, offset, count); }

    /** The whole table in one crossing. */
    @Override
    public void flush(GatherTable table) { Shim.pants_flush(table.entriesAddress(), table.size(), table.iovecsAddress()); }

    @Override
    public String strerror(int errno) {
        Shim.pants_strerror(errno, Pointer.nativeValue(message), (int) message.size());
        return message.getString(0);
    }
}
