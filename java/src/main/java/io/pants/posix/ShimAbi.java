// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.spi.Poller;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The contract between Java and the C shim, on the Java side: the mirror of the section "the
 * contract with Java" in native/pants.h, and the one place a backend takes it from.
 * <ul>
 *   <li>the 64-bit user word {@code fd|mode|token} registered with each descriptor, and its
 *       modes ({@link #word}, {@link #fd}, {@link #mode}, {@link #token});</li>
 *   <li>the records Java lays out in native memory for the shim (a flush entry, an epoll
 *       change, a read slot, an iocp event): their sizes and field offsets;</li>
 *   <li>the slots of every table of constants and layouts the shim exports, as one enum per
 *       table ({@link SocketSlot}, {@link KeventSlot}, ...), in pants.h's order, read with
 *       {@link #read} and looked up with {@link #at}.</li>
 * </ul>
 * The records' layouts are fixed-width (int64 and int32 fields only), so Java holds them as
 * constants for its hot paths; {@link #disagreement} compares all of this with what a shim
 * says ({@code pants_abi}, {@code pants_abi_names}), and a shim that disagrees is not loaded.
 *
 * <p>Internal to Pants, like the rest of this package.
 */
public final class ShimAbi {
    private ShimAbi() {}

    /** PANTS_SHIM_VERSION: the shim this jar was built with. */
    public static final int VERSION = 2;

    // ---------------------------------------------------------------- the user word

    /** PANTS_MODE_*: report readiness only; read a ready stream into the turn's arena; the wake-up, drained and not reported. */
    public static final int MODE_PLAIN = 0, MODE_PREREAD = 1, MODE_WAKEUP = 2;
    private static final int FD_SHIFT = 32, MODE_SHIFT = 28, MODE_MASK = 0xf;
    /** The token's bits in the word: every token the SPI allows fits. */
    private static final int TOKEN_MASK = Poller.MAX_TOKEN;

    /** The user word registered with a descriptor: fd, mode and token. */
    public static long word(int fd, int mode, int token) {
        return ((long) fd << FD_SHIFT) | ((long) mode << MODE_SHIFT) | token;
    }

    public static int fd(long word) { return (int) (word >>> FD_SHIFT); }

    public static int mode(long word) { return (int) (word >>> MODE_SHIFT) & MODE_MASK; }

    public static int token(long word) { return (int) word & TOKEN_MASK; }

    /** PANTS_NOT_READ: a read slot the shim did not attempt. */
    public static final int NOT_READ = Integer.MIN_VALUE;

    // ---------------------------------------------------------------- the records

    /** pants_flush_entry: one socket's queued output (descriptor; first iovec &lt;&lt; 32 | count; result). */
    public static final int FLUSH_ENTRY_SIZE = 24, FLUSH_ENTRY_FD = 0, FLUSH_ENTRY_IOVECS = 8, FLUSH_ENTRY_RESULT = 16;
    /** pants_epoll_change: one interest change of an epoll turn (op in, result out; fd; events; the user word). */
    public static final int EPOLL_CHANGE_SIZE = 32, EPOLL_CHANGE_OP = 0, EPOLL_CHANGE_FD = 8, EPOLL_CHANGE_EVENTS = 16,
            EPOLL_CHANGE_DATA = 24;
    /** pants_read_slot: what a turn read for one event (offset in the arena; bytes, 0, -errno or NOT_READ). */
    public static final int READ_SLOT_SIZE = 8, READ_SLOT_OFFSET = 0, READ_SLOT_RESULT = 4;
    /** pants_iocp_event: one event of an iocp wait (the registered data; AFD bits). */
    public static final int IOCP_EVENT_SIZE = 16, IOCP_EVENT_DATA = 0, IOCP_EVENT_BITS = 8;
    /** pants_uring_op: one operation of an io_uring turn (user data; the shim's op; descriptor; address; argument). */
    public static final int URING_OP_SIZE = 32, URING_OP_USER_DATA = 0, URING_OP_OP = 8, URING_OP_FD = 12, URING_OP_ADDR = 16,
            URING_OP_ARG = 24;
    /** pants_uring_completion: one completion of an io_uring turn (user data; result; flags). */
    public static final int URING_COMPLETION_SIZE = 16, URING_COMPLETION_USER_DATA = 0, URING_COMPLETION_RES = 8,
            URING_COMPLETION_FLAGS = 12;

    /** A flush entry's iovecs field: where its iovecs start in the table, and how many. */
    public static long iovecSpan(int first, int count) { return ((long) first << 32) | count; }

    public static int spanFirst(long span) { return (int) (span >>> 32); }

    public static int spanCount(long span) { return (int) span; }

    // ---------------------------------------------------------------- the tables' slots

    /** PANTS_ABI_SLOTS: the values above, as {@code pants_abi} exports them. */
    public enum AbiSlot {
        VERSION, WORD_FD_SHIFT, WORD_MODE_SHIFT, WORD_MODE_MASK, WORD_TOKEN_MASK,
        MODE_PLAIN, MODE_PREREAD, MODE_WAKEUP, NOT_READ,
        FLUSH_ENTRY_SIZE, FLUSH_ENTRY_FD, FLUSH_ENTRY_IOVECS, FLUSH_ENTRY_RESULT,
        EPOLL_CHANGE_SIZE, EPOLL_CHANGE_OP, EPOLL_CHANGE_FD, EPOLL_CHANGE_EVENTS, EPOLL_CHANGE_DATA,
        READ_SLOT_SIZE, READ_SLOT_OFFSET, READ_SLOT_RESULT,
        IOCP_EVENT_SIZE, IOCP_EVENT_DATA, IOCP_EVENT_BITS,
        URING_OP_SIZE, URING_OP_USER_DATA, URING_OP_OP, URING_OP_FD, URING_OP_ADDR, URING_OP_ARG,
        URING_COMPLETION_SIZE, URING_COMPLETION_USER_DATA, URING_COMPLETION_RES, URING_COMPLETION_FLAGS
    }

    /** PANTS_SOCKET_SLOTS: pants_socket_constants ({@link SocketConstants}; on Windows, WinsockConstants). */
    public enum SocketSlot {
        AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM,
        SOL_SOCKET, SO_REUSEADDR, SO_ERROR, IPPROTO_TCP, TCP_NODELAY,
        IPPROTO_IPV6, IPV6_V6ONLY, SHUT_WR,
        EAGAIN, EINPROGRESS, EINTR, EMFILE, ENFILE, ENOBUFS, ENOMEM,
        ECONNABORTED, EPROTO, EPERM, ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
        EADDRINUSE, EADDRNOTAVAIL, EPIPE, ECONNRESET, ENOTCONN, EBADF,
        SOCKADDR_STORAGE_SIZE
    }

    /** PANTS_IOVEC_SLOTS: pants_iovec_layout ({@link Iovec}). */
    public enum IovecSlot { SIZE, BASE_OFFSET, LEN_OFFSET }

    /** PANTS_DATAGRAM_SLOTS: pants_datagram_constants ({@link DatagramConstants}). */
    public enum DatagramSlot {
        SOCK_DGRAM, SO_BROADCAST, SO_RCVBUF, SO_SNDBUF, SO_REUSEPORT,
        IPPROTO_IP, IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP,
        IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP,
        MSG_TRUNC, MSG_DONTWAIT,
        EMSGSIZE, EACCES, EDESTADDRREQ, EISCONN, ENOENT
    }

    /** PANTS_MSGHDR_SLOTS: pants_msghdr_layout ({@link DatagramConstants}). */
    public enum MsghdrSlot {
        MMSG_SIZE, MMSG_HDR_OFFSET, MMSG_LEN_OFFSET, MMSG_LEN_SIZE,
        NAME_OFFSET, NAMELEN_OFFSET, IOV_OFFSET, IOVLEN_OFFSET, IOVLEN_SIZE,
        CONTROL_OFFSET, CONTROLLEN_OFFSET, CONTROLLEN_SIZE, FLAGS_OFFSET
    }

    /** PANTS_EPOLL_SLOTS: pants_epoll_constants (io.pants.epoll.EpollConstants). */
    public enum EpollSlot { EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, EPOLL_CTL_ADD, EPOLL_CTL_MOD }

    /** PANTS_EPOLL_EVENT_SLOTS: pants_epoll_layout, struct epoll_event. */
    public enum EpollEventSlot { SIZE, EVENTS_OFFSET, DATA_OFFSET }

    /** PANTS_KQUEUE_SLOTS: pants_kqueue_constants (io.pants.kqueue.KeventLayout). */
    public enum KqueueSlot {
        EVFILT_READ, EVFILT_WRITE, HAS_EVFILT_USER, EVFILT_USER, NOTE_TRIGGER,
        EV_ADD, EV_DELETE, EV_CLEAR, EV_EOF, EV_ERROR
    }

    /** PANTS_KEVENT_SLOTS: pants_kqueue_layout, struct kevent. */
    public enum KeventSlot {
        SIZE, IDENT_OFFSET, FILTER_OFFSET, FILTER_SIZE, FLAGS_OFFSET, FLAGS_SIZE, FFLAGS_OFFSET, DATA_OFFSET, UDATA_OFFSET
    }

    /** PANTS_IOCP_SLOTS: pants_iocp_constants (io.pants.iocp.AfdEvents, WinsockConstants). */
    public enum IocpSlot {
        AFD_POLL_RECEIVE, AFD_POLL_RECEIVE_EXPEDITED, AFD_POLL_SEND, AFD_POLL_DISCONNECT, AFD_POLL_ABORT,
        AFD_POLL_LOCAL_CLOSE, AFD_POLL_CONNECT, AFD_POLL_ACCEPT, AFD_POLL_CONNECT_FAIL,
        FAILED_POLL, CTL_ADD, CTL_MOD, CTL_DEL
    }

    /** PANTS_URING_SLOTS: pants_uring_constants (io.pants.uring.UringConstants). */
    public enum UringSlot {
        OP_POLL, OP_POLL_MULTI, OP_POLL_UPDATE, OP_POLL_UPDATE_MULTI, OP_CANCEL, OP_ACCEPT, OP_RECV, OP_SEND, OP_SENDMSG, OP_RECVMSG,
        OP_CONNECT, OP_SHUTDOWN, OP_CANCEL_CLOSE, OP_READ, OP_READ_AT, OP_READ_AT_LINK, OP_SENDMSG_LINK,
        OP_INSTALL, OP_CLOSE_SLOT, OP_FIXED_FILE,
        POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP,
        CQE_F_BUFFER, CQE_F_MORE, CQE_BUFFER_SHIFT, SQ_CQ_OVERFLOW,
        FEAT_NODROP, FEAT_EXT_ARG, FEAT_SINGLE_MMAP, FEAT_FAST_POLL, FEAT_SUBMIT_STABLE,
        ECANCELED, ENOBUFS, ENOENT, EALREADY, EMFILE, ENFILE
    }

    /** PANTS_URING_PROBE_SLOTS: pants_uring_probe, what a ring made here can do (io.pants.uring.UringProvider). */
    public enum UringProbeSlot {
        SETUP, FEATURES,
        OP_POLL_ADD, OP_POLL_REMOVE, OP_ASYNC_CANCEL, OP_ACCEPT, OP_RECV, OP_SEND, OP_SENDMSG,
        OP_RECVMSG, OP_CONNECT, OP_SHUTDOWN, OP_CLOSE, OP_READ,
        PBUF_RING, RECV_MULTISHOT, LINK_SHORT_READ
    }

    /** PANTS_TCP_OPTION_SLOTS: pants_tcp_option_constants ({@link TcpOptionConstants}). */
    public enum TcpOptionSlot {
        SO_KEEPALIVE, SO_LINGER, LINGER_SIZE, LINGER_ONOFF_OFFSET, LINGER_LINGER_OFFSET,
        TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, SO_REUSEPORT_LB
    }

    /** The tables, numbered as pants.h numbers them for pants_abi_names (PANTS_TABLE_*). */
    public enum Table {
        ABI(AbiSlot.class), SOCKET(SocketSlot.class), IOVEC(IovecSlot.class), DATAGRAM(DatagramSlot.class),
        MSGHDR(MsghdrSlot.class), EPOLL(EpollSlot.class), EPOLL_EVENT(EpollEventSlot.class),
        KQUEUE(KqueueSlot.class), KEVENT(KeventSlot.class), IOCP(IocpSlot.class),
        URING(UringSlot.class), URING_PROBE(UringProbeSlot.class), TCP_OPTION(TcpOptionSlot.class);

        private final Class<? extends Enum<?>> slots;

        Table(Class<? extends Enum<?>> slots) { this.slots = slots; }

        /** The slots' names, in order. */
        public List<String> slotNames() {
            List<String> names = new ArrayList<>();
            for (Enum<?> e : slots.getEnumConstants()) names.add(e.name());
            return names;
        }

        public int size() { return slots.getEnumConstants().length; }
    }

    /** The values of pants_abi() this jar expects, in {@link AbiSlot} order. */
    static int[] expectedAbi() {
        return new int[] {VERSION, FD_SHIFT, MODE_SHIFT, MODE_MASK, TOKEN_MASK, MODE_PLAIN, MODE_PREREAD, MODE_WAKEUP, NOT_READ,
            FLUSH_ENTRY_SIZE, FLUSH_ENTRY_FD, FLUSH_ENTRY_IOVECS, FLUSH_ENTRY_RESULT,
            EPOLL_CHANGE_SIZE, EPOLL_CHANGE_OP, EPOLL_CHANGE_FD, EPOLL_CHANGE_EVENTS, EPOLL_CHANGE_DATA,
            READ_SLOT_SIZE, READ_SLOT_OFFSET, READ_SLOT_RESULT, IOCP_EVENT_SIZE, IOCP_EVENT_DATA, IOCP_EVENT_BITS,
            URING_OP_SIZE, URING_OP_USER_DATA, URING_OP_OP, URING_OP_FD, URING_OP_ADDR, URING_OP_ARG,
            URING_COMPLETION_SIZE, URING_COMPLETION_USER_DATA, URING_COMPLETION_RES, URING_COMPLETION_FLAGS};
    }

    /** A table's value in slot {@code slot}. */
    public static int at(int[] values, Enum<?> slot) { return values[slot.ordinal()]; }

    /** A shim function that exports a table: {@code pants_socket_constants(out, n)} and the like. */
    @FunctionalInterface
    public interface Export {
        int export(long out, int n);
    }

    /** A shim's pants_abi_names. */
    @FunctionalInterface
    public interface Names {
        int names(int table, long buf, int len);
    }

    /**
     * A table as the shim exports it, in its slots' order.
     * @throws IllegalStateException when the shim's table is not the size of this jar's
     */
    public static int[] read(Table table, Export export) {
        try (Memory m = new Memory(4L * 64)) {
            int n = export.export(Pointer.nativeValue(m), 64);
            if (n < 0) throw new IllegalStateException("the shim could not export the " + table + " table: error " + -n);
            if (n != table.size()) {
                throw new IllegalStateException("the shim exports " + n + " values of the " + table + " table, this jar expects "
                        + table.size());
            }
            return m.getIntArray(0, n);
        }
    }

    /**
     * Why a loaded shim (libpants or pants.dll, named by {@code shim}) can't be used with this
     * jar, or null: another version, or a different idea of the contract ({@link #disagreement}).
     */
    public static String refusal(String shim, int version, Export abi, Names names) {
        if (version != VERSION) return shim + " is version " + version + ", this jar needs " + VERSION;
        String disagreement = disagreement(abi, names);
        return disagreement == null ? null : shim + " disagrees with this jar: " + disagreement
                + ". Use the shim of this jar's version";
    }

    /**
     * Where a shim and this jar disagree on the contract (a table's slots, the word, a record),
     * or null when they agree. {@code abi} is the shim's pants_abi, {@code names} its pants_abi_names.
     */
    public static String disagreement(Export abi, Names names) {
        try (Memory m = new Memory(4096)) {
            long a = Pointer.nativeValue(m);
            for (Table t : Table.values()) {
                int n = names.names(t.ordinal(), a, (int) m.size());
                List<String> theirs = n < 0 ? List.of() : Arrays.asList(m.getString(0).split(",", -1));
                List<String> ours = t.slotNames();
                if (!theirs.equals(ours)) {
                    int i = 0;
                    while (i < theirs.size() && i < ours.size() && theirs.get(i).equals(ours.get(i))) i++;
                    return "the " + t + " table's slot " + i + " is " + (i < theirs.size() ? theirs.get(i) : "missing") + " in the shim and "
                            + (i < ours.size() ? ours.get(i) : "missing") + " in this jar";
                }
            }
            int[] theirs = read(Table.ABI, abi);
            int[] ours = expectedAbi();
            for (AbiSlot s : AbiSlot.values()) {
                if (at(theirs, s) != at(ours, s)) {
                    return s + " is " + at(theirs, s) + " in the shim and " + at(ours, s) + " in this jar";
                }
            }
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }
}
