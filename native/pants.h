// SPDX-License-Identifier: Apache-2.0
/*
 * Pants for Java: the native shim, bound from Java through JNA direct mapping.
 *
 * Conventions, which every function here follows:
 *  - failures return -errno; nothing here touches errno for the caller to read afterwards,
 *    so EAGAIN on a non-blocking socket costs a return value, not an exception in Java;
 *  - arguments are primitives and raw addresses only (int32, int64, pointers passed as
 *    Java longs): no structs by value, no strings on hot paths;
 *  - struct layouts and constants that differ between platforms are exported to Java at
 *    load time (the *_layout and *_constants functions) instead of being assumed there, and
 *    what Java and C must agree on is declared once, below ("the contract with Java").
 *
 * One .c file per OS mechanism: pants_socket.c (POSIX sockets, batched writev),
 * pants_datagram.c (datagram sockets, batched receive and send), pants_epoll.c (Linux epoll,
 * eventfd, sendfile), pants_uring.c (Linux io_uring: a ring, its provided buffers, a loop
 * turn's submissions and completions), pants_kqueue.c (BSD and macOS kqueue, their sendfile; a
 * userspace kqueue on Linux where its header was found); on Windows, pants_winsock.c (Winsock sockets)
 * and pants_iocp.c (readiness over an I/O completion port and AFD polls).
 *
 * On Windows "-errno" means the negated Windows system error code: Winsock reports WSAE*
 * codes (WSAEWOULDBLOCK, WSAECONNREFUSED, ...), which are themselves system error codes,
 * Win32 calls report GetLastError(), and NTSTATUS results are converted with
 * RtlNtStatusToDosError. One namespace, so Java compares against the values that
 * pants_socket_constants exports in the POSIX slots (EAGAIN's slot holds WSAEWOULDBLOCK).
 */
#ifndef PANTS_H
#define PANTS_H

#include <stdint.h>

#if defined(_WIN32)
#  define PANTS_API __declspec(dllexport)
#else
#  define PANTS_API __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature below changes; Java refuses a shim of another version. */
#define PANTS_SHIM_VERSION 2

/*
 * ---------------------------------------------------------------- the contract with Java
 * Everything the shim and Java must agree on is declared here once, and mirrored once in
 * Java by io.pants.posix.ShimAbi: the user word and its modes, the records Java lays out for
 * the shim, and the slots of every table of constants and layouts the shim exports. At load
 * time Java compares its mirror with pants_abi() and pants_abi_names() and refuses a shim
 * that disagrees; ShimAbiTest does the same in the build. A table's order is this header's:
 * a slot may go anywhere in its list, with its Java enum constant at the same place.
 */

/* A read slot the shim did not attempt (not a pre-read socket, or the arena was full). */
#define PANTS_NOT_READ INT32_MIN

/*
 * The 64-bit user word registered with each descriptor (epoll_data.u64, kevent.udata):
 *   bits 63..32  file descriptor
 *   bits 31..28  mode: what the shim does for the engine when the descriptor is ready
 *   bits 27..0   the engine's token
 */
#define PANTS_WORD_FD_SHIFT   32
#define PANTS_WORD_MODE_SHIFT 28
#define PANTS_WORD_MODE_MASK  0xf
#define PANTS_WORD_TOKEN_MASK 0x0fffffff
#define PANTS_MODE_PLAIN    0  /* report readiness only */
#define PANTS_MODE_PREREAD  1  /* a stream: read what is ready into the turn's arena */
#define PANTS_MODE_WAKEUP   2  /* the wake-up descriptor or event: drain it, report nothing */

static inline int pants_word_fd(uint64_t word) { return (int) (word >> PANTS_WORD_FD_SHIFT); }
static inline int pants_word_mode(uint64_t word) { return (int) ((word >> PANTS_WORD_MODE_SHIFT) & PANTS_WORD_MODE_MASK); }

/* The records Java writes into native memory for the shim, and the shim answers in. */

/* One socket's queued output in pants_flush's (and pants_ws_flush's) table. */
typedef struct {
    int64_t fd;      /* the descriptor, or the SOCKET on Windows */
    int64_t iovecs;  /* (index of its first iovec << 32) | iovec count */
    int64_t result;  /* out: bytes written, 0 when the socket is full, or -errno */
} pants_flush_entry;

/* One interest change in pants_epoll_turn's list. */
typedef struct {
    int64_t op;      /* in: EPOLL_CTL_ADD or _MOD; out: 0 or -errno */
    int64_t fd;
    int64_t events;
    int64_t data;    /* the user word */
} pants_epoll_change;

/* What a turn did for one returned event (pants_epoll_turn, pants_kqueue_turn). */
typedef struct {
    int32_t offset;  /* where in the arena the bytes are */
    int32_t result;  /* bytes read (>0), 0 at end of stream, -errno, or PANTS_NOT_READ */
} pants_read_slot;

/* A turn's read arena (pants_epoll_turn, pants_kqueue_turn): the turn's pre-reads go one after
 * another into one block of native memory, which Java reads by offset. Not part of the ABI. */
typedef struct {
    char *base;
    int64_t len;
    int64_t used;
    int64_t min_read;  /* a read smaller than this is not worth a syscall: left for Java or the next turn */
    int32_t read_max;  /* at most this much per socket, so that one busy socket cannot starve the others */
} pants_arena;

/* pants_socket.c: an arena for a turn, and one ready stream's read into it, recorded in slot
 * (left PANTS_NOT_READ when the arena has no room for a worthwhile read). */
void pants_arena_start(pants_arena *arena, char *base, int64_t len, int32_t read_max);
void pants_arena_read(pants_arena *arena, int fd, pants_read_slot *slot);

/* One event of pants_iocp_wait. */
typedef struct {
    int64_t data;    /* what the socket was registered with */
    int64_t bits;    /* AFD bits, or PANTS_IOCP_POLL_FAILED */
} pants_iocp_event;

/* One operation of an io_uring turn (pants_uring_turn, pants_uring_submit), which the shim
 * turns into a submission queue entry: op is one of the PANTS_URING_OP_* values that
 * pants_uring_constants exports; what addr and arg mean depends on it (pants_uring.c). */
typedef struct {
    int64_t user_data; /* handed back with the operation's completions */
    int32_t op;
    int32_t fd;
    int64_t addr;
    int64_t arg;
} pants_uring_op;

/* One completion of an io_uring turn: the kernel's io_uring_cqe, copied out of the ring. */
typedef struct {
    int64_t user_data;
    int32_t res;       /* the operation's result: a count, a descriptor, a poll mask, or -errno */
    int32_t flags;     /* IORING_CQE_F_*; with F_BUFFER, the provided buffer's id in the upper 16 bits */
} pants_uring_completion;

/* The slots of pants_abi(): the word, the modes and the records above. */
#define PANTS_ABI_SLOTS(X) \
    X(VERSION) X(WORD_FD_SHIFT) X(WORD_MODE_SHIFT) X(WORD_MODE_MASK) X(WORD_TOKEN_MASK) \
    X(MODE_PLAIN) X(MODE_PREREAD) X(MODE_WAKEUP) X(NOT_READ) \
    X(FLUSH_ENTRY_SIZE) X(FLUSH_ENTRY_FD) X(FLUSH_ENTRY_IOVECS) X(FLUSH_ENTRY_RESULT) \
    X(EPOLL_CHANGE_SIZE) X(EPOLL_CHANGE_OP) X(EPOLL_CHANGE_FD) X(EPOLL_CHANGE_EVENTS) X(EPOLL_CHANGE_DATA) \
    X(READ_SLOT_SIZE) X(READ_SLOT_OFFSET) X(READ_SLOT_RESULT) \
    X(IOCP_EVENT_SIZE) X(IOCP_EVENT_DATA) X(IOCP_EVENT_BITS) \
    X(URING_OP_SIZE) X(URING_OP_USER_DATA) X(URING_OP_OP) X(URING_OP_FD) X(URING_OP_ADDR) X(URING_OP_ARG) \
    X(URING_COMPLETION_SIZE) X(URING_COMPLETION_USER_DATA) X(URING_COMPLETION_RES) X(URING_COMPLETION_FLAGS)

/* pants_socket_constants (POSIX names; the Windows shim puts its own value in each slot). */
#define PANTS_SOCKET_SLOTS(X) \
    X(AF_INET) X(AF_INET6) X(AF_UNIX) X(SOCK_STREAM) \
    X(SOL_SOCKET) X(SO_REUSEADDR) X(SO_ERROR) X(IPPROTO_TCP) X(TCP_NODELAY) \
    X(IPPROTO_IPV6) X(IPV6_V6ONLY) X(SHUT_WR) \
    X(EAGAIN) X(EINPROGRESS) X(EINTR) X(EMFILE) X(ENFILE) X(ENOBUFS) X(ENOMEM) \
    X(ECONNABORTED) X(EPROTO) X(EPERM) X(ECONNREFUSED) X(ETIMEDOUT) X(EHOSTUNREACH) X(ENETUNREACH) \
    X(EADDRINUSE) X(EADDRNOTAVAIL) X(EPIPE) X(ECONNRESET) X(ENOTCONN) X(EBADF) \
    X(SOCKADDR_STORAGE_SIZE)

/* pants_iovec_layout: struct iovec, or Winsock's WSABUF */
#define PANTS_IOVEC_SLOTS(X) X(SIZE) X(BASE_OFFSET) X(LEN_OFFSET)

/* pants_datagram_constants; -1 for an option this system lacks */
#define PANTS_DATAGRAM_SLOTS(X) \
    X(SOCK_DGRAM) X(SO_BROADCAST) X(SO_RCVBUF) X(SO_SNDBUF) X(SO_REUSEPORT) \
    X(IPPROTO_IP) X(IP_MULTICAST_IF) X(IP_MULTICAST_TTL) X(IP_MULTICAST_LOOP) X(IP_ADD_MEMBERSHIP) X(IP_DROP_MEMBERSHIP) \
    X(IPV6_MULTICAST_IF) X(IPV6_MULTICAST_HOPS) X(IPV6_MULTICAST_LOOP) X(IPV6_JOIN_GROUP) X(IPV6_LEAVE_GROUP) \
    X(MSG_TRUNC) X(MSG_DONTWAIT) \
    X(EMSGSIZE) X(EACCES) X(EDESTADDRREQ) X(EISCONN) X(ENOENT)

/* pants_tcp_option_constants: the stream socket options beyond pants_socket_constants, and
 * struct linger; -1 for an option this system lacks (OpenBSD has no keep-alive timings; only
 * FreeBSD has SO_REUSEPORT_LB, its SO_REUSEPORT that spreads connections) */
#define PANTS_TCP_OPTION_SLOTS(X) \
    X(SO_KEEPALIVE) X(SO_LINGER) X(LINGER_SIZE) X(LINGER_ONOFF_OFFSET) X(LINGER_LINGER_OFFSET) \
    X(TCP_KEEPIDLE) X(TCP_KEEPINTVL) X(TCP_KEEPCNT) X(SO_REUSEPORT_LB)

/* pants_msghdr_layout: struct mmsghdr and struct msghdr, with the widths of the fields whose
 * type differs between C libraries (msg_len, msg_iovlen, msg_controllen) */
#define PANTS_MSGHDR_SLOTS(X) \
    X(MMSG_SIZE) X(MMSG_HDR_OFFSET) X(MMSG_LEN_OFFSET) X(MMSG_LEN_SIZE) \
    X(NAME_OFFSET) X(NAMELEN_OFFSET) X(IOV_OFFSET) X(IOVLEN_OFFSET) X(IOVLEN_SIZE) \
    X(CONTROL_OFFSET) X(CONTROLLEN_OFFSET) X(CONTROLLEN_SIZE) X(FLAGS_OFFSET)

/* pants_epoll_constants and pants_epoll_layout (struct epoll_event) */
#define PANTS_EPOLL_SLOTS(X) X(EPOLLIN) X(EPOLLOUT) X(EPOLLERR) X(EPOLLHUP) X(EPOLLRDHUP) X(EPOLL_CTL_ADD) X(EPOLL_CTL_MOD)
#define PANTS_EPOLL_EVENT_SLOTS(X) X(SIZE) X(EVENTS_OFFSET) X(DATA_OFFSET)

/* pants_kqueue_constants (HAS_EVFILT_USER 0: the next two are 0 too) and pants_kqueue_layout */
#define PANTS_KQUEUE_SLOTS(X) \
    X(EVFILT_READ) X(EVFILT_WRITE) X(HAS_EVFILT_USER) X(EVFILT_USER) X(NOTE_TRIGGER) \
    X(EV_ADD) X(EV_DELETE) X(EV_CLEAR) X(EV_EOF) X(EV_ERROR)
#define PANTS_KEVENT_SLOTS(X) \
    X(SIZE) X(IDENT_OFFSET) X(FILTER_OFFSET) X(FILTER_SIZE) X(FLAGS_OFFSET) X(FLAGS_SIZE) \
    X(FFLAGS_OFFSET) X(DATA_OFFSET) X(UDATA_OFFSET)

/* pants_iocp_constants: the AFD poll bits, then the poller's own values */
#define PANTS_IOCP_SLOTS(X) \
    X(AFD_POLL_RECEIVE) X(AFD_POLL_RECEIVE_EXPEDITED) X(AFD_POLL_SEND) X(AFD_POLL_DISCONNECT) X(AFD_POLL_ABORT) \
    X(AFD_POLL_LOCAL_CLOSE) X(AFD_POLL_CONNECT) X(AFD_POLL_ACCEPT) X(AFD_POLL_CONNECT_FAIL) \
    X(FAILED_POLL) X(CTL_ADD) X(CTL_MOD) X(CTL_DEL)

/* pants_uring_constants: the operations of pants_uring_op (the shim's own numbers), then the
 * kernel's poll bits, completion flags, features and error numbers the poller reads.
 * OP_READ_AT_LINK is OP_READ_AT linked (IOSQE_IO_LINK) to the next operation of the same list,
 * which the kernel starts only when the read has completed in full (a short read or an error
 * cancels it, -ECANCELED); the shim queues the two together, never split by a submission.
 * OP_SENDMSG_LINK is OP_SENDMSG linked the same way: a run of them ended by a plain OP_SENDMSG
 * is one chain (at most the SQ's size), which the kernel sends one after the other, a failure
 * cancelling the rest; the shim submits a chain whole. */
#define PANTS_URING_SLOTS(X) \
    X(OP_POLL) X(OP_POLL_MULTI) X(OP_POLL_UPDATE) X(OP_POLL_UPDATE_MULTI) X(OP_CANCEL) X(OP_ACCEPT) X(OP_RECV) X(OP_SEND) X(OP_SENDMSG) X(OP_RECVMSG) \
    X(OP_CONNECT) X(OP_SHUTDOWN) X(OP_CANCEL_CLOSE) X(OP_READ) X(OP_READ_AT) X(OP_READ_AT_LINK) X(OP_SENDMSG_LINK) \
    X(OP_INSTALL) X(OP_CLOSE_SLOT) X(OP_FIXED_FILE) \
    X(POLLIN) X(POLLOUT) X(POLLERR) X(POLLHUP) X(POLLRDHUP) \
    X(CQE_F_BUFFER) X(CQE_F_MORE) X(CQE_BUFFER_SHIFT) X(SQ_CQ_OVERFLOW) \
    X(FEAT_NODROP) X(FEAT_EXT_ARG) X(FEAT_SINGLE_MMAP) X(FEAT_FAST_POLL) X(FEAT_SUBMIT_STABLE) \
    X(ECANCELED) X(ENOBUFS) X(ENOENT) X(EALREADY) X(EMFILE) X(ENFILE)

/* pants_uring_probe: what a ring made here can do. SETUP: 0, or the errno io_uring_setup
 * failed with (ENOSYS: no io_uring; EPERM: kernel.io_uring_disabled or seccomp). FEATURES: the
 * ring's IORING_FEAT_* bits. Each OP_*: 1 when IORING_REGISTER_PROBE lists the opcode as
 * supported, 0 when not, -errno when the probe itself failed. PBUF_RING: 0 when a provided
 * buffer ring could be registered, or -errno. RECV_MULTISHOT: 1 when a multishot receive on a
 * socket pair stayed armed after its first completion (Linux 6.0), 0 when it did not, or -errno
 * (EINVAL: the kernel does not know it). LINK_SHORT_READ: 1 when a read that came short cancelled
 * the operation linked to it (OP_READ_AT_LINK can send what a read brought), 0 when that operation
 * ran anyway, or -errno. Every value is 0 when SETUP failed. */
#define PANTS_URING_PROBE_SLOTS(X) \
    X(SETUP) X(FEATURES) \
    X(OP_POLL_ADD) X(OP_POLL_REMOVE) X(OP_ASYNC_CANCEL) X(OP_ACCEPT) X(OP_RECV) X(OP_SEND) X(OP_SENDMSG) \
    X(OP_RECVMSG) X(OP_CONNECT) X(OP_SHUTDOWN) X(OP_CLOSE) X(OP_READ) \
    X(PBUF_RING) X(RECV_MULTISHOT) X(LINK_SHORT_READ)

/* Each list as an enum of indexes: PANTS_SOCKET_AF_INET, ..., PANTS_SOCKET_COUNT. */
#define PANTS_ABI_INDEX(name) PANTS_ABI_##name,
#define PANTS_SOCKET_INDEX(name) PANTS_SOCKET_##name,
#define PANTS_IOVEC_INDEX(name) PANTS_IOVEC_##name,
#define PANTS_DATAGRAM_INDEX(name) PANTS_DATAGRAM_##name,
#define PANTS_MSGHDR_INDEX(name) PANTS_MSGHDR_##name,
#define PANTS_EPOLL_INDEX(name) PANTS_EPOLL_##name,
#define PANTS_EPOLL_EVENT_INDEX(name) PANTS_EPOLL_EVENT_##name,
#define PANTS_KQUEUE_INDEX(name) PANTS_KQUEUE_##name,
#define PANTS_KEVENT_INDEX(name) PANTS_KEVENT_##name,
#define PANTS_IOCP_INDEX(name) PANTS_IOCP_##name,
#define PANTS_URING_INDEX(name) PANTS_URING_##name,
#define PANTS_URING_PROBE_INDEX(name) PANTS_URING_PROBE_##name,
#define PANTS_TCP_OPTION_INDEX(name) PANTS_TCP_OPTION_##name,
enum { PANTS_ABI_SLOTS(PANTS_ABI_INDEX) PANTS_ABI_COUNT };
enum { PANTS_SOCKET_SLOTS(PANTS_SOCKET_INDEX) PANTS_SOCKET_COUNT };
enum { PANTS_IOVEC_SLOTS(PANTS_IOVEC_INDEX) PANTS_IOVEC_COUNT };
enum { PANTS_DATAGRAM_SLOTS(PANTS_DATAGRAM_INDEX) PANTS_DATAGRAM_COUNT };
enum { PANTS_MSGHDR_SLOTS(PANTS_MSGHDR_INDEX) PANTS_MSGHDR_COUNT };
enum { PANTS_EPOLL_SLOTS(PANTS_EPOLL_INDEX) PANTS_EPOLL_COUNT };
enum { PANTS_EPOLL_EVENT_SLOTS(PANTS_EPOLL_EVENT_INDEX) PANTS_EPOLL_EVENT_COUNT };
enum { PANTS_KQUEUE_SLOTS(PANTS_KQUEUE_INDEX) PANTS_KQUEUE_COUNT };
enum { PANTS_KEVENT_SLOTS(PANTS_KEVENT_INDEX) PANTS_KEVENT_COUNT };
enum { PANTS_IOCP_SLOTS(PANTS_IOCP_INDEX) PANTS_IOCP_COUNT };
enum { PANTS_URING_SLOTS(PANTS_URING_INDEX) PANTS_URING_COUNT };
enum { PANTS_URING_PROBE_SLOTS(PANTS_URING_PROBE_INDEX) PANTS_URING_PROBE_COUNT };
enum { PANTS_TCP_OPTION_SLOTS(PANTS_TCP_OPTION_INDEX) PANTS_TCP_OPTION_COUNT };

/* The tables, numbered for pants_abi_names (io.pants.posix.ShimAbi.Table, in this order). */
enum {
    PANTS_TABLE_ABI, PANTS_TABLE_SOCKET, PANTS_TABLE_IOVEC, PANTS_TABLE_DATAGRAM, PANTS_TABLE_MSGHDR,
    PANTS_TABLE_EPOLL, PANTS_TABLE_EPOLL_EVENT, PANTS_TABLE_KQUEUE, PANTS_TABLE_KEVENT, PANTS_TABLE_IOCP,
    PANTS_TABLE_URING, PANTS_TABLE_URING_PROBE,
    PANTS_TABLE_TCP_OPTION,
    PANTS_TABLE_COUNT
};

/* pants_abi.c, on every platform. pants_abi: the values of PANTS_ABI_SLOTS, as the compiler
 * lays the records out. pants_abi_names: a table's slot names, comma-separated, into buf;
 * returns how many, or -1 for an unknown table or a buf too small. Every *_constants and
 * *_layout function returns its table's size, having written at most n values. */
PANTS_API int32_t pants_abi(int32_t *out, int32_t n);
PANTS_API int32_t pants_abi_names(int32_t table, char *buf, int32_t len);
/* Copies a table's values for Java (not exported): the table's size. */
int32_t pants_export(int32_t *out, int32_t n, const int32_t *values, int32_t count);
/* pants_export of a table's values (TABLE: PANTS_SOCKET, PANTS_EPOLL, ...), given as its
 * array's initialisers, so that the table's size is named once. */
#define PANTS_EXPORT_VALUES(TABLE, out, n, ...) \
    pants_export(out, n, (const int32_t[TABLE##_COUNT]) {__VA_ARGS__}, TABLE##_COUNT)
/* The same for a table whose every slot holds the C macro of its name: the values stand in the
 * order of TABLE##_SLOTS, as its enum of indexes does. */
#define PANTS_SLOT_MACRO_VALUE(name) (int32_t) name,
#define PANTS_EXPORT_SLOT_MACROS(TABLE, out, n) PANTS_EXPORT_VALUES(TABLE, out, n, TABLE##_SLOTS(PANTS_SLOT_MACRO_VALUE))

PANTS_API int32_t pants_version(void);
PANTS_API int32_t pants_strerror(int32_t err, char *buf, int32_t len);

/* sockets (pants_socket.c) */
PANTS_API int32_t pants_socket_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_iovec_layout(int32_t *out, int32_t n);
PANTS_API int32_t pants_socket(int32_t domain, int32_t type, int32_t protocol);
PANTS_API int32_t pants_setsockopt_int(int32_t fd, int32_t level, int32_t name, int32_t value);
PANTS_API int32_t pants_getsockopt_int(int32_t fd, int32_t level, int32_t name);
/* getsockopt into len bytes at value (*len in: room, out: the option's size) */
PANTS_API int32_t pants_getsockopt(int32_t fd, int32_t level, int32_t name, void *value, int32_t *len);
PANTS_API int32_t pants_tcp_option_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_bind(int32_t fd, const void *addr, int32_t len);
PANTS_API int32_t pants_listen(int32_t fd, int32_t backlog);
PANTS_API int32_t pants_accept(int32_t fd, void *addr, int32_t *len);
PANTS_API int32_t pants_connect(int32_t fd, const void *addr, int32_t len);
PANTS_API int32_t pants_getsockname(int32_t fd, void *addr, int32_t *len);
PANTS_API int32_t pants_getpeername(int32_t fd, void *addr, int32_t *len);
PANTS_API int64_t pants_read(int32_t fd, void *buf, int64_t len);
PANTS_API int64_t pants_write(int32_t fd, const void *buf, int64_t len);
PANTS_API int32_t pants_shutdown(int32_t fd, int32_t how);
PANTS_API int32_t pants_close(int32_t fd);
PANTS_API int32_t pants_open_readonly(const char *path);
PANTS_API int32_t pants_flush(pants_flush_entry *entries, int32_t count, const void *iovecs);

/* datagram sockets (pants_datagram.c) */
PANTS_API int32_t pants_datagram_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_msghdr_layout(int32_t *out, int32_t n);
PANTS_API int32_t pants_setsockopt(int32_t fd, int32_t level, int32_t name, const void *value, int32_t len);
PANTS_API int32_t pants_recvmmsg(int32_t fd, void *msgs, int32_t vlen, int32_t flags);
PANTS_API int32_t pants_sendmmsg(int32_t fd, void *msgs, int32_t vlen, int32_t flags);

/* epoll (pants_epoll.c, Linux only) */
PANTS_API int32_t pants_epoll_layout(int32_t *out, int32_t n);
PANTS_API int32_t pants_epoll_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_epoll_create(void);
PANTS_API int32_t pants_epoll_ctl(int32_t epfd, int32_t op, int32_t fd, int32_t events, int64_t data);
PANTS_API int32_t pants_eventfd(void);
PANTS_API int32_t pants_eventfd_signal(int32_t fd);
PANTS_API int32_t pants_epoll_turn(int32_t epfd, pants_epoll_change *changes, int32_t nchanges,
                                   void *events, int32_t maxevents, int32_t timeout_ms,
                                   pants_read_slot *reads, char *arena, int64_t arena_len, int32_t read_max);
/* Linux's sendfile in pants_epoll.c; BSD's and macOS's in pants_kqueue.c; -ENOSYS where there is none.
 * Returns the bytes sent, 0 when the file ended early, -EAGAIN when the socket took nothing. */
PANTS_API int64_t pants_sendfile(int32_t out_fd, int32_t in_fd, int64_t offset, int64_t count);

/*
 * io_uring (pants_uring.c, Linux only), through the raw system calls. A ring is the address of
 * the shim's record of it (positive), or -errno; loop thread only, like every call here. The
 * ring has two provided-buffer groups: group 0, buf_count buffers of buf_size bytes, which
 * streams' multishot receives (PANTS_URING_OP_RECV) fill, and group 1, dgram_count buffers of
 * dgram_size bytes for datagrams' multishot recvmsg (PANTS_URING_OP_RECVMSG). Buffer i of group g
 * is at pants_uring_buffers(ring, g) + i * its size, and goes back to the kernel when
 * (g << 16) | i is passed in a turn's returned list.
 */
PANTS_API int32_t pants_uring_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_uring_probe(int32_t *out, int32_t n);
PANTS_API int64_t pants_uring_create(int32_t sq_entries, int32_t cq_entries, int32_t buf_count, int32_t buf_size,
                                     int32_t dgram_count, int32_t dgram_size);
PANTS_API int64_t pants_uring_buffers(int64_t ring, int32_t group);
/* One loop turn in one io_uring_enter: hands back the returned buffers, submits ops, waits up
 * to timeout_ns (0: don't wait; negative: no limit) for a completion unless one is there, and
 * copies up to max completions out, flushing the kernel's overflow list when the ring had
 * overflowed. Returns the number of completions, or -errno. */
PANTS_API int32_t pants_uring_turn(int64_t ring, const pants_uring_op *ops, int32_t nops,
                                   const int32_t *returned, int32_t nreturned,
                                   pants_uring_completion *out, int32_t max, int64_t timeout_ns);
/* Registers count slots of files (sparse: all empty), fewer when RLIMIT_NOFILE is lower: how
 * many, or -errno. PANTS_URING_OP_INSTALL puts a descriptor in a slot and
 * PANTS_URING_OP_CLOSE_SLOT empties it; an operation whose number has PANTS_URING_OP_FIXED_FILE
 * OR'ed in names a slot in fd instead of a descriptor (-EBADF when the ring has no such slot).
 * A socket in a slot stays open, whatever closes its descriptor, until the slot is emptied. */
PANTS_API int32_t pants_uring_register_files(int64_t ring, int32_t count);
/* Submits ops now, without waiting or reaping: for a close, which must not wait for the next turn. */
PANTS_API int32_t pants_uring_submit(int64_t ring, const pants_uring_op *ops, int32_t nops);
/* The sq ring's flags (IORING_SQ_*), and how many completions the kernel dropped (0 with NODROP). */
PANTS_API int64_t pants_uring_state(int64_t ring);
/* How many io_uring_enter calls the ring has made: one per turn, more only after an overflow
 * or with more operations than the submission queue holds. */
PANTS_API int64_t pants_uring_enters(int64_t ring);
PANTS_API int32_t pants_uring_destroy(int64_t ring);
/* An eventfd for wake-ups that blocks (io_uring reads it; a non-blocking one would fail with EAGAIN). */
PANTS_API int32_t pants_uring_eventfd(void);

/* kqueue (pants_kqueue.c: BSD and macOS; Linux only where a userspace kqueue's header was found) */
PANTS_API int32_t pants_kqueue_layout(int32_t *out, int32_t n);
PANTS_API int32_t pants_kqueue_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_kqueue_bind(const char *library);
PANTS_API int32_t pants_kqueue_create(void);
PANTS_API int32_t pants_kqueue_submit(int32_t kq, void *changes, int32_t nchanges);
PANTS_API int32_t pants_kqueue_turn(int32_t kq, void *changes, int32_t nchanges,
                                    void *events, int32_t maxevents, int64_t timeout_ns,
                                    pants_read_slot *reads, char *arena, int64_t arena_len, int32_t read_max);
PANTS_API int32_t pants_kqueue_pipe(int32_t *fds);

#if defined(_WIN32)
/*
 * Winsock (pants_winsock.c). A SOCKET is pointer-sized, so handles travel as int64; results
 * are the handle or a byte count, or -(Windows error code). pants_version, pants_strerror,
 * pants_socket_constants and pants_iovec_layout above exist here too (the "iovec" is a WSABUF).
 */
PANTS_API int32_t pants_ws_startup(void);
PANTS_API int64_t pants_ws_socket(int32_t family);
PANTS_API int32_t pants_ws_setsockopt_int(int64_t s, int32_t level, int32_t name, int32_t value);
PANTS_API int32_t pants_ws_getsockopt_int(int64_t s, int32_t level, int32_t name);
PANTS_API int32_t pants_ws_bind(int64_t s, const void *addr, int32_t len);
PANTS_API int32_t pants_ws_listen(int64_t s, int32_t backlog);
PANTS_API int64_t pants_ws_accept(int64_t s, void *addr, int32_t *len);
PANTS_API int32_t pants_ws_connect(int64_t s, const void *addr, int32_t len);
PANTS_API int32_t pants_ws_getsockname(int64_t s, void *addr, int32_t *len);
PANTS_API int64_t pants_ws_recv(int64_t s, void *buf, int64_t len);
PANTS_API int64_t pants_ws_send(int64_t s, const void *buf, int64_t len);
PANTS_API int32_t pants_ws_shutdown(int64_t s, int32_t how);
PANTS_API int32_t pants_ws_close(int64_t s);
/* As pants_flush, with sockets in entries[0] and WSABUFs for iovecs. */
PANTS_API int32_t pants_ws_flush(pants_flush_entry *entries, int32_t count, const void *wsabufs);

/*
 * An epoll-shaped poller over an I/O completion port (pants_iocp.c). Interest and results
 * are AFD poll bits (pants_iocp_constants); the caller maps them to its own events.
 * Level-triggered: a socket that is still ready is reported again by the next wait.
 * Deregister (PANTS_IOCP_DEL) before closing a socket.
 */
#define PANTS_IOCP_ADD 1
#define PANTS_IOCP_MOD 2
#define PANTS_IOCP_DEL 3
/* Reported instead of AFD bits when the poll itself failed; the socket is not re-armed
 * until its interest is set again. */
#define PANTS_IOCP_POLL_FAILED 0x40000000

PANTS_API int32_t pants_iocp_constants(int32_t *out, int32_t n);
/* The poller's address (positive), or -error. */
PANTS_API int64_t pants_iocp_create(void);
PANTS_API int32_t pants_iocp_ctl(int64_t poller, int32_t op, int64_t socket, int32_t afd_events, int64_t data);
/* Returns the count of events, which may be 0 before the timeout (a wake-up, or only
 * cancellations were dequeued), or -error. */
PANTS_API int32_t pants_iocp_wait(int64_t poller, pants_iocp_event *events, int32_t max, int32_t timeout_ms);
/* Safe from any thread while the poller is open. */
PANTS_API int32_t pants_iocp_wake(int64_t poller);
PANTS_API int32_t pants_iocp_close(int64_t poller);
#endif

#endif
