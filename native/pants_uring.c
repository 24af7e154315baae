// SPDX-License-Identifier: Apache-2.0
/*
 * Linux io_uring for the shim: a ring with a provided-buffer ring, and a loop turn in one
 * io_uring_enter (hand back buffers, submit the turn's operations, wait, copy completions out).
 *
 * Raw io_uring_setup/io_uring_enter/io_uring_register and mmap, not liburing: the part of
 * liburing we would use is the ring bookkeeping below (a hundred lines), and linking it would
 * tie the shim to a liburing version at build time (Debian's liburing-dev is not installed
 * everywhere, and its static library is not built with -fPIC on every distribution). The
 * kernel's ABI is stable; <linux/io_uring.h> is all we need, and users get no new dependency.
 *
 * The ring is set up with IORING_SETUP_SUBMIT_ALL (one bad entry does not stop the rest of a
 * turn's) and IORING_SETUP_COOP_TASKRUN (completion work runs when the loop enters the kernel,
 * which it does every turn, instead of interrupting it). Not SINGLE_ISSUER/DEFER_TASKRUN: an
 * engine is made on one thread and run on another, and those tie the ring to its creator.
 *
 * Byte order: poll32_events is word-swapped on big-endian machines; the shim is built for
 * little-endian Linux (x86-64, aarch64) only, where it is the plain mask.
 */
#define _GNU_SOURCE
#include "pants.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The shim's operation numbers (PANTS_URING_OP_*), exported in pants_uring_constants. */
enum {
    OP_POLL = 1,          /* one-shot poll: arg = poll mask (level-triggered by re-arming) */
    OP_POLL_MULTI,        /* multishot poll: a completion per wake-up, without re-arming (edge-triggered) */
    OP_POLL_UPDATE,       /* change a one-shot poll's mask: addr = its user_data, arg = the new mask */
    OP_POLL_UPDATE_MULTI, /* the same for a multishot poll, which stays multishot */
    OP_CANCEL,            /* cancel one operation: addr = its user_data */
    OP_ACCEPT,            /* multishot accept; accepted sockets are non-blocking and close-on-exec */
    OP_RECV,              /* multishot receive into the provided buffers: arg = buffer group */
    OP_SEND,              /* send: addr = bytes, arg = length */
    OP_SENDMSG,           /* sendmsg: addr = struct msghdr, arg = msg flags */
    OP_RECVMSG,           /* multishot recvmsg into the provided buffers: addr = struct msghdr, arg = buffer group */
    OP_CONNECT,           /* connect: addr = sockaddr, arg = its length */
    OP_SHUTDOWN,          /* shutdown: arg = how */
    OP_CANCEL_CLOSE,      /* cancel everything in flight on fd, then close it (two entries, hard-linked) */
    OP_READ,              /* read: addr = buffer, arg = length (the wake-up eventfd) */
    OP_READ_AT,           /* pread of a file: addr = buffer, arg = offset << 24 | length (a length below 16 MiB) */
    OP_READ_AT_LINK,      /* OP_READ_AT linked to the next operation of the list, which runs after a full read only */
    OP_SENDMSG_LINK,      /* OP_SENDMSG linked to the next operation of the list, which runs after it succeeded only */
    OP_INSTALL,           /* put descriptor fd in slot arg of the registered files (pants_uring_register_files) */
    OP_CLOSE_SLOT,        /* empty slot arg of the registered files (the descriptor itself stays open) */
};

/* OR'ed into an operation's number: its fd is a slot of the registered files, not a descriptor
 * (IOSQE_FIXED_FILE), which spares the kernel looking the descriptor up, and taking and
 * dropping a reference to its file, on every operation. */
#define OP_FIXED_FILE (1 << 16)

/* Everything used here is in the headers of Linux 5.19 and later (the provided-buffer ring,
 * multishot accept, cancel by descriptor); multishot receive needs a 6.0 kernel, which no
 * opcode shows, so the probe tries one on a socket pair. */

int32_t pants_uring_constants(int32_t *out, int32_t n) {
    const int32_t values[PANTS_URING_COUNT] = {
        [PANTS_URING_OP_POLL] = OP_POLL,
        [PANTS_URING_OP_POLL_MULTI] = OP_POLL_MULTI,
        [PANTS_URING_OP_POLL_UPDATE] = OP_POLL_UPDATE,
        [PANTS_URING_OP_POLL_UPDATE_MULTI] = OP_POLL_UPDATE_MULTI,
        [PANTS_URING_OP_CANCEL] = OP_CANCEL,
        [PANTS_URING_OP_ACCEPT] = OP_ACCEPT,
        [PANTS_URING_OP_RECV] = OP_RECV,
        [PANTS_URING_OP_SEND] = OP_SEND,
        [PANTS_URING_OP_SENDMSG] = OP_SENDMSG,
        [PANTS_URING_OP_RECVMSG] = OP_RECVMSG,
        [PANTS_URING_OP_CONNECT] = OP_CONNECT,
        [PANTS_URING_OP_SHUTDOWN] = OP_SHUTDOWN,
        [PANTS_URING_OP_CANCEL_CLOSE] = OP_CANCEL_CLOSE,
        [PANTS_URING_OP_READ] = OP_READ,
        [PANTS_URING_OP_READ_AT] = OP_READ_AT,
        [PANTS_URING_OP_READ_AT_LINK] = OP_READ_AT_LINK,
        [PANTS_URING_OP_SENDMSG_LINK] = OP_SENDMSG_LINK,
        [PANTS_URING_OP_INSTALL] = OP_INSTALL,
        [PANTS_URING_OP_CLOSE_SLOT] = OP_CLOSE_SLOT,
        [PANTS_URING_OP_FIXED_FILE] = OP_FIXED_FILE,
        [PANTS_URING_POLLIN] = POLLIN,
        [PANTS_URING_POLLOUT] = POLLOUT,
        [PANTS_URING_POLLERR] = POLLERR,
        [PANTS_URING_POLLHUP] = POLLHUP,
        [PANTS_URING_POLLRDHUP] = POLLRDHUP,
        [PANTS_URING_CQE_F_BUFFER] = IORING_CQE_F_BUFFER,
        [PANTS_URING_CQE_F_MORE] = IORING_CQE_F_MORE,
        [PANTS_URING_CQE_BUFFER_SHIFT] = IORING_CQE_BUFFER_SHIFT,
        [PANTS_URING_SQ_CQ_OVERFLOW] = IORING_SQ_CQ_OVERFLOW,
        [PANTS_URING_FEAT_NODROP] = IORING_FEAT_NODROP,
        [PANTS_URING_FEAT_EXT_ARG] = IORING_FEAT_EXT_ARG,
        [PANTS_URING_FEAT_SINGLE_MMAP] = IORING_FEAT_SINGLE_MMAP,
        [PANTS_URING_FEAT_FAST_POLL] = IORING_FEAT_FAST_POLL,
        [PANTS_URING_FEAT_SUBMIT_STABLE] = IORING_FEAT_SUBMIT_STABLE,
        [PANTS_URING_ECANCELED] = ECANCELED,
        [PANTS_URING_ENOBUFS] = ENOBUFS,
        [PANTS_URING_ENOENT] = ENOENT,
        [PANTS_URING_EALREADY] = EALREADY,
        [PANTS_URING_EMFILE] = EMFILE,
        [PANTS_URING_ENFILE] = ENFILE,
    };
    return pants_export(out, n, values, PANTS_URING_COUNT);
}

static int sys_setup(unsigned entries, struct io_uring_params *p) {
    return (int) syscall(__NR_io_uring_setup, entries, p);
}

static int sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags, const void *arg, size_t argsz) {
    return (int) syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz);
}

static int sys_register(int fd, unsigned opcode, const void *arg, unsigned nr_args) {
    return (int) syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);
}

/* A provided-buffer group: the kernel's ring of ids, and the memory they point into. */
typedef struct {
    struct io_uring_buf_ring *ring;
    size_t ring_len;
    char *buffers;
    size_t buffers_len;
    unsigned count, size;
    unsigned short tail;
} buffer_group;

/* The ring as the shim keeps it: the kernel's shared memory, and our view of it. */
typedef struct {
    int fd;
    unsigned features;
    void *rings;                 /* SQ and CQ rings, one mapping (IORING_FEAT_SINGLE_MMAP) */
    size_t rings_len;
    struct io_uring_sqe *sqes;
    size_t sqes_len;
    unsigned *sq_head, *sq_tail, *sq_flags, *sq_dropped;
    unsigned sq_mask, sq_entries;
    unsigned *cq_head, *cq_tail, *cq_overflow;
    unsigned cq_mask;
    struct io_uring_cqe *cqes;
    /* the provided buffers, a group for streams' receives and one for datagrams' */
    buffer_group groups[2];
    /* the registered files' slots (0: none registered), and the descriptors OP_INSTALL entries
     * put there, one per submission entry (see push) */
    unsigned fixed_files;
    int *install_fds;
    int64_t enters;              /* io_uring_enter calls made, for the test that a turn costs one */
} pants_ring;

static int ring_enter(pants_ring *r, unsigned to_submit, unsigned min_complete, unsigned flags, const void *arg, size_t argsz) {
    r->enters++;
    return sys_enter(r->fd, to_submit, min_complete, flags, arg, argsz);
}

static void ring_free(pants_ring *r) {
    if (r->fd >= 0) close(r->fd); /* cancels whatever is still in flight */
    for (int g = 0; g < 2; g++) {
        if (r->groups[g].ring) munmap(r->groups[g].ring, r->groups[g].ring_len);
        if (r->groups[g].buffers) munmap(r->groups[g].buffers, r->groups[g].buffers_len);
    }
    free(r->install_fds);
    if (r->sqes) munmap(r->sqes, r->sqes_len);
    if (r->rings) munmap(r->rings, r->rings_len);
    free(r);
}

static int ring_map(pants_ring *r, struct io_uring_params *p) {
    size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
    size_t cq_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
    r->rings_len = sq_len > cq_len ? sq_len : cq_len;
    void *rings = mmap(NULL, r->rings_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    if (rings == MAP_FAILED) return -errno;
    r->rings = rings;
    r->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
    void *sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
    if (sqes == MAP_FAILED) return -errno;
    r->sqes = sqes;
    char *b = rings;
    r->sq_head = (unsigned *) (b + p->sq_off.head);
    r->sq_tail = (unsigned *) (b + p->sq_off.tail);
    r->sq_flags = (unsigned *) (b + p->sq_off.flags);
    r->sq_dropped = (unsigned *) (b + p->sq_off.dropped);
    r->sq_mask = *(unsigned *) (b + p->sq_off.ring_mask);
    r->sq_entries = *(unsigned *) (b + p->sq_off.ring_entries);
    unsigned *array = (unsigned *) (b + p->sq_off.array);
    for (unsigned i = 0; i < r->sq_entries; i++) array[i] = i; /* entry i is slot i, always */
    r->cq_head = (unsigned *) (b + p->cq_off.head);
    r->cq_tail = (unsigned *) (b + p->cq_off.tail);
    r->cq_overflow = (unsigned *) (b + p->cq_off.overflow);
    r->cq_mask = *(unsigned *) (b + p->cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *) (b + p->cq_off.cqes);
    r->install_fds = calloc(r->sq_entries, sizeof(int));
    return r->install_fds ? 0 : -ENOMEM;
}

/* A ring; COOP_TASKRUN is asked for and dropped if this kernel refuses it (before 5.19). */
static int ring_setup(pants_ring *r, unsigned sq_entries, unsigned cq_entries) {
    struct io_uring_params p;
    unsigned flags[] = {
        IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_CQSIZE,
    };
    int fd = -EINVAL;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        memset(&p, 0, sizeof p);
        p.flags = flags[i];
        p.cq_entries = cq_entries;
        fd = sys_setup(sq_entries, &p);
        if (fd >= 0 || errno != EINVAL) break;
    }
    if (fd < 0) return -errno;
    r->fd = fd;
    r->features = p.features;
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) return -ENOSYS; /* before 5.4: not worth a second mapping */
    return ring_map(r, &p);
}

static int buf_ring_setup(pants_ring *r, unsigned group, unsigned count, unsigned size) {
    buffer_group *g = &r->groups[group];
    g->count = count;
    g->size = size;
    g->ring_len = count * sizeof(struct io_uring_buf);
    void *ring = mmap(NULL, g->ring_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ring == MAP_FAILED) return -errno;
    g->ring = ring;
    g->buffers_len = (size_t) count * size;
    void *buffers = mmap(NULL, g->buffers_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buffers == MAP_FAILED) return -errno;
    g->buffers = buffers;
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t) (uintptr_t) ring;
    reg.ring_entries = count;
    reg.bgid = (uint16_t) group;
    if (sys_register(r->fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) return -errno;
    for (unsigned i = 0; i < count; i++) {
        struct io_uring_buf *b = &g->ring->bufs[i];
        b->addr = (uint64_t) (uintptr_t) (g->buffers + (size_t) i * size);
        b->len = size;
        b->bid = (unsigned short) i;
    }
    g->tail = (unsigned short) count;
    __atomic_store_n(&g->ring->tail, g->tail, __ATOMIC_RELEASE);
    return 0;
}

static int valid_group(int32_t count, int32_t size) {
    /* the kernel's ring of buffer ids must be a power of two, at most 32768 */
    return count > 0 && count <= 32768 && (count & (count - 1)) == 0 && size > 0;
}

int64_t pants_uring_create(int32_t sq_entries, int32_t cq_entries, int32_t buf_count, int32_t buf_size,
                           int32_t dgram_count, int32_t dgram_size) {
    if (!valid_group(buf_count, buf_size) || !valid_group(dgram_count, dgram_size)) return -EINVAL;
    pants_ring *r = calloc(1, sizeof *r);
    if (!r) return -ENOMEM;
    r->fd = -1;
    int e = ring_setup(r, (unsigned) sq_entries, (unsigned) cq_entries);
    if (e == 0) e = buf_ring_setup(r, 0, (unsigned) buf_count, (unsigned) buf_size);
    if (e == 0) e = buf_ring_setup(r, 1, (unsigned) dgram_count, (unsigned) dgram_size);
    if (e < 0) {
        ring_free(r);
        return e;
    }
    return (int64_t) (intptr_t) r;
}

int64_t pants_uring_buffers(int64_t ring, int32_t group) {
    if (group < 0 || group > 1) return -EINVAL;
    return (int64_t) (intptr_t) ((pants_ring *) (intptr_t) ring)->groups[group].buffers;
}


int32_t pants_uring_register_files(int64_t ring, int32_t count) {
    pants_ring *r = (pants_ring *) (intptr_t) ring;
    if (count <= 0 || r->fixed_files != 0) return -EINVAL;
    /* the kernel refuses more slots than the process may have descriptors */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && (rlim_t) count > limit.rlim_cur) {
        count = (int32_t) limit.rlim_cur;
    }
    struct io_uring_rsrc_register reg;
    memset(&reg, 0, sizeof reg);
    reg.nr = (uint32_t) count;
    reg.flags = IORING_RSRC_REGISTER_SPARSE;
    if (sys_register(r->fd, IORING_REGISTER_FILES2, &reg, sizeof reg) < 0) return -errno;
    r->fixed_files = (unsigned) count;
    return count;
}

/* Submission entries not yet consumed by the kernel. */
static unsigned sq_pending(pants_ring *r) {
    return *r->sq_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
}

/* Makes room for k entries, submitting what is queued if the SQ is too full. */
static int sq_reserve(pants_ring *r, unsigned k) {
    while (r->sq_entries - sq_pending(r) < k) {
        int s = ring_enter(r, sq_pending(r), 0, 0, NULL, 0);
        if (s < 0 && errno != EINTR) return -errno;
    }
    return 0;
}

static struct io_uring_sqe *sq_next(pants_ring *r) {
    unsigned tail = *r->sq_tail;
    struct io_uring_sqe *sqe = &r->sqes[tail & r->sq_mask];
    memset(sqe, 0, sizeof *sqe);
    /* published by the release store in sq_publish, before the kernel may look */
    *r->sq_tail = tail + 1;
    return sqe;
}

static int push(pants_ring *r, const pants_uring_op *op) {
    int e = sq_reserve(r, op->op == OP_CANCEL_CLOSE ? 2 : 1);
    if (e < 0) return e;
    unsigned tail_before = *r->sq_tail;
    struct io_uring_sqe *sqe = sq_next(r);
    sqe->user_data = (uint64_t) op->user_data;
    sqe->fd = op->fd;
    int fixed = op->op & OP_FIXED_FILE;
    switch (op->op & ~OP_FIXED_FILE) {
    case OP_POLL:
    case OP_POLL_MULTI:
        sqe->opcode = IORING_OP_POLL_ADD;
        sqe->len = op->op == OP_POLL_MULTI ? IORING_POLL_ADD_MULTI : 0;
        sqe->poll32_events = (uint32_t) op->arg;
        break;
    case OP_POLL_UPDATE:
    case OP_POLL_UPDATE_MULTI:
        sqe->opcode = IORING_OP_POLL_REMOVE;
        sqe->fd = -1;
        sqe->addr = (uint64_t) op->addr;
        sqe->len = IORING_POLL_UPDATE_EVENTS | (op->op == OP_POLL_UPDATE_MULTI ? IORING_POLL_ADD_MULTI : 0);
        sqe->poll32_events = (uint32_t) op->arg;
        break;
    case OP_CANCEL:
        sqe->opcode = IORING_OP_ASYNC_CANCEL;
        sqe->fd = -1;
        sqe->addr = (uint64_t) op->addr;
        break;
    case OP_ACCEPT:
        sqe->opcode = IORING_OP_ACCEPT;
        sqe->ioprio = IORING_ACCEPT_MULTISHOT;
        sqe->accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
        break;
    case OP_RECV:
        sqe->opcode = IORING_OP_RECV;
        sqe->ioprio = IORING_RECV_MULTISHOT;
        sqe->flags = IOSQE_BUFFER_SELECT;
        sqe->buf_group = (uint16_t) op->arg;
        break;
    case OP_SEND:
        sqe->opcode = IORING_OP_SEND;
        sqe->addr = (uint64_t) op->addr;
        sqe->len = (uint32_t) op->arg;
        sqe->msg_flags = MSG_NOSIGNAL;
        break;
    case OP_SENDMSG:
    case OP_SENDMSG_LINK:
        sqe->opcode = IORING_OP_SENDMSG;
        sqe->addr = (uint64_t) op->addr;
        sqe->len = 1;
        sqe->msg_flags = (uint32_t) op->arg | MSG_NOSIGNAL;
        /* IO_LINK, not HARDLINK: a datagram the socket refused (EAGAIN, ECONNREFUSED, ...) must
         * stop the ones after it, which come back -ECANCELED and are sent again in order */
        if (op->op == OP_SENDMSG_LINK) sqe->flags = IOSQE_IO_LINK;
        break;
    case OP_RECVMSG:
        /* multishot into provided buffers: each holds a struct io_uring_recvmsg_out, the
         * sender's address (msg_namelen bytes, as the msghdr at addr sets it), then the payload */
        sqe->opcode = IORING_OP_RECVMSG;
        sqe->addr = (uint64_t) op->addr;
        sqe->len = 1;
        sqe->ioprio = IORING_RECV_MULTISHOT;
        sqe->flags = IOSQE_BUFFER_SELECT;
        sqe->buf_group = (uint16_t) op->arg;
        sqe->msg_flags = MSG_TRUNC;
        break;
    case OP_CONNECT:
        sqe->opcode = IORING_OP_CONNECT;
        sqe->addr = (uint64_t) op->addr;
        sqe->off = (uint64_t) op->arg; /* addr2: the address's length */
        break;
    case OP_SHUTDOWN:
        sqe->opcode = IORING_OP_SHUTDOWN;
        sqe->len = (uint32_t) op->arg;
        break;
    case OP_CANCEL_CLOSE: {
        /* Hard-linked, so the close runs after the cancel even when there was nothing to
         * cancel (-ENOENT breaks a plain link). The cancel drops the kernel's references to
         * the file, so the close really closes the socket now (the peer sees it). */
        sqe->opcode = IORING_OP_ASYNC_CANCEL;
        sqe->cancel_flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
        sqe->flags = IOSQE_IO_HARDLINK;
        struct io_uring_sqe *close_sqe = sq_next(r);
        close_sqe->opcode = IORING_OP_CLOSE;
        close_sqe->fd = op->fd;
        close_sqe->user_data = (uint64_t) op->user_data;
        break;
    }
    case OP_READ:
        sqe->opcode = IORING_OP_READ;
        sqe->addr = (uint64_t) op->addr;
        sqe->len = (uint32_t) op->arg;
        break;
    case OP_READ_AT:
    case OP_READ_AT_LINK:
        sqe->opcode = IORING_OP_READ;
        sqe->addr = (uint64_t) op->addr;
        sqe->len = (uint32_t) (op->arg & 0xffffff);
        sqe->off = (uint64_t) op->arg >> 24;
        /* IO_LINK, not HARDLINK: a read that comes short (the file ended) or fails must cancel
         * the send of its buffer, which would otherwise send bytes the read did not write */
        if (op->op == OP_READ_AT_LINK) sqe->flags = IOSQE_IO_LINK;
        break;
    case OP_INSTALL:
        /* the kernel reads the descriptor when it issues the entry, within the io_uring_enter
         * that submits it: a slot of our own per submission entry holds it until then */
        sqe->opcode = IORING_OP_FILES_UPDATE;
        sqe->fd = -1;
        r->install_fds[tail_before & r->sq_mask] = op->fd;
        sqe->addr = (uint64_t) (uintptr_t) &r->install_fds[tail_before & r->sq_mask];
        sqe->len = 1;
        sqe->off = (uint64_t) op->arg;
        sqe->flags = IOSQE_CQE_SKIP_SUCCESS; /* a completion only when it failed */
        break;
    case OP_CLOSE_SLOT:
        sqe->opcode = IORING_OP_CLOSE;
        sqe->fd = 0;
        sqe->file_index = (uint32_t) op->arg + 1;
        sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
        break;
    default:
        *r->sq_tail = tail_before;
        return -EINVAL;
    }
    if (fixed) {
        if (r->fixed_files == 0 || (unsigned) op->fd >= r->fixed_files) {
            *r->sq_tail = tail_before;
            return -EBADF;
        }
        sqe->flags |= IOSQE_FIXED_FILE;
    }
    return 0;
}

static void sq_publish(pants_ring *r) {
    __atomic_store_n(r->sq_tail, *r->sq_tail, __ATOMIC_RELEASE);
}

static int push_all(pants_ring *r, const pants_uring_op *ops, int32_t nops) {
    for (int32_t i = 0; i < nops; i++) {
        sq_publish(r); /* sq_reserve may submit: what is queued must be visible first */
        if (ops[i].op == OP_READ_AT_LINK) {
            /* a chain ends where a submission ends: room for the read and the operation it is
             * linked to, so that sq_reserve does not submit between them (push reserves one
             * entry for the second, which is there) */
            if (i + 1 == nops || ops[i + 1].op == OP_CANCEL_CLOSE) return -EINVAL;
            int e = sq_reserve(r, 2);
            if (e < 0) return e;
        }
        if (ops[i].op == OP_SENDMSG_LINK && (i == 0 || ops[i - 1].op != OP_SENDMSG_LINK)) {
            /* a chain of sends: room for all of it, ended by a plain OP_SENDMSG, so that no
             * submission splits it (the part after a split would not wait for the part before) */
            int32_t end = i;
            while (end < nops && ops[end].op == OP_SENDMSG_LINK) end++;
            if (end == nops || ops[end].op != OP_SENDMSG || (unsigned) (end - i + 1) > r->sq_entries) return -EINVAL;
            int e = sq_reserve(r, (unsigned) (end - i + 1));
            if (e < 0) return e;
        }
        int e = push(r, &ops[i]);
        if (e < 0) return e;
    }
    sq_publish(r);
    return 0;
}

int32_t pants_uring_submit(int64_t ring, const pants_uring_op *ops, int32_t nops) {
    pants_ring *r = (pants_ring *) (intptr_t) ring;
    int e = push_all(r, ops, nops);
    if (e < 0) return e;
    while (sq_pending(r) > 0) {
        int s = ring_enter(r, sq_pending(r), 0, 0, NULL, 0);
        if (s < 0 && errno != EINTR) return -errno;
    }
    return 0;
}

static int32_t reap(pants_ring *r, pants_uring_completion *out, int32_t max) {
    unsigned head = *r->cq_head;
    unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    int32_t n = 0;
    while (head != tail && n < max) {
        struct io_uring_cqe *cqe = &r->cqes[head & r->cq_mask];
        out[n].user_data = (int64_t) cqe->user_data;
        out[n].res = cqe->res;
        out[n].flags = (int32_t) cqe->flags;
        n++;
        head++;
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    return n;
}

int32_t pants_uring_turn(int64_t ring, const pants_uring_op *ops, int32_t nops,
                         const int32_t *returned, int32_t nreturned,
                         pants_uring_completion *out, int32_t max, int64_t timeout_ns) {
    pants_ring *r = (pants_ring *) (intptr_t) ring;

    /* buffers the engine is done with go back before the wait, so the wait's receives can use them */
    if (nreturned > 0) {
        int touched[2] = {0, 0};
        for (int32_t i = 0; i < nreturned; i++) {
            unsigned group = ((unsigned) returned[i] >> 16) & 1;
            unsigned bid = (unsigned) returned[i] & 0xffff;
            buffer_group *g = &r->groups[group];
            struct io_uring_buf *b = &g->ring->bufs[g->tail & (g->count - 1)];
            b->addr = (uint64_t) (uintptr_t) (g->buffers + (size_t) bid * g->size);
            b->len = g->size;
            b->bid = (unsigned short) bid;
            g->tail++;
            touched[group] = 1;
        }
        for (int g = 0; g < 2; g++) {
            if (touched[g]) __atomic_store_n(&r->groups[g].ring->tail, r->groups[g].tail, __ATOMIC_RELEASE);
        }
    }

    int e = push_all(r, ops, nops);
    if (e < 0) return e;

    unsigned ready = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) - *r->cq_head;
    unsigned wait = (timeout_ns != 0 && ready == 0) ? 1 : 0;
    unsigned flags = IORING_ENTER_GETEVENTS;
    struct __kernel_timespec ts;
    struct io_uring_getevents_arg arg;
    const void *argp = NULL;
    size_t argsz = 0;
    if (wait && timeout_ns > 0) {
        ts.tv_sec = timeout_ns / 1000000000LL;
        ts.tv_nsec = timeout_ns % 1000000000LL;
        memset(&arg, 0, sizeof arg);
        arg.ts = (uint64_t) (uintptr_t) &ts;
        flags |= IORING_ENTER_EXT_ARG;
        argp = &arg;
        argsz = sizeof arg;
    }
    /* The one system call of the turn: submit, then wait for a completion or the timeout. */
    int s = ring_enter(r, sq_pending(r), wait, flags, argp, argsz);
    if (s < 0 && errno != ETIME && errno != EINTR && errno != EBUSY && errno != EAGAIN) return -errno;
    /* EBUSY/EAGAIN: the kernel holds overflowed completions and wants them reaped first; what
     * was not submitted stays queued for the next turn. */

    int32_t n = reap(r, out, max);
    /* With IORING_FEAT_NODROP a full CQ parks completions in the kernel's overflow list and
     * sets IORING_SQ_CQ_OVERFLOW: entering with GETEVENTS moves them into the ring we just
     * emptied. Nothing is lost; it costs a system call only after an overflow. */
    while (n < max && (__atomic_load_n(r->sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_CQ_OVERFLOW)) {
        if (ring_enter(r, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0) < 0 && errno != EINTR) break;
        int32_t more = reap(r, out + n, max - n);
        if (more == 0) break;
        n += more;
    }
    return n;
}

int64_t pants_uring_state(int64_t ring) {
    pants_ring *r = (pants_ring *) (intptr_t) ring;
    unsigned flags = __atomic_load_n(r->sq_flags, __ATOMIC_ACQUIRE);
    unsigned dropped = __atomic_load_n(r->cq_overflow, __ATOMIC_ACQUIRE);
    return ((int64_t) dropped << 32) | flags;
}

int64_t pants_uring_enters(int64_t ring) {
    return ((pants_ring *) (intptr_t) ring)->enters;
}

int32_t pants_uring_destroy(int64_t ring) {
    ring_free((pants_ring *) (intptr_t) ring);
    return 0;
}

int32_t pants_uring_eventfd(void) {
    int fd = eventfd(0, EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* A multishot receive on a socket pair, one byte sent: does it stay armed (IORING_CQE_F_MORE)? */
static int32_t probe_recv_multishot(pants_ring *r) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return -errno;
    pants_uring_op op = {.user_data = 1, .op = OP_RECV, .fd = sv[0], .addr = 0, .arg = 0};
    int32_t result = push_all(r, &op, 1);
    if (result == 0 && write(sv[1], "x", 1) != 1) result = -errno;
    if (result == 0) {
        struct __kernel_timespec ts = {.tv_sec = 1, .tv_nsec = 0};
        struct io_uring_getevents_arg arg;
        memset(&arg, 0, sizeof arg);
        arg.ts = (uint64_t) (uintptr_t) &ts;
        pants_uring_completion c;
        int s = ring_enter(r, sq_pending(r), 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
        if (s < 0 && errno != ETIME) result = -errno;
        else if (reap(r, &c, 1) != 1) result = -ETIME;
        else result = c.res < 0 ? c.res : (c.flags & IORING_CQE_F_MORE) ? 1 : 0;
    }
    close(sv[0]);
    close(sv[1]);
    return result;
}

/* A one-byte file read two bytes at a time, linked to a second read: is the second cancelled?
 * Their own user data: the ring may still hold a completion of probe_recv_multishot's receive. */
static int32_t probe_link_short_read(pants_ring *r) {
    enum { SHORT_READ = 11, LINKED_READ = 12 };
    int fd = memfd_create("pants-probe", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    char buf[4];
    int32_t result = write(fd, "x", 1) == 1 ? 0 : -errno;
    if (result == 0) {
        pants_uring_op ops[2] = {
            {.user_data = SHORT_READ, .op = OP_READ_AT_LINK, .fd = fd, .addr = (int64_t) (intptr_t) buf, .arg = 2},
            {.user_data = LINKED_READ, .op = OP_READ_AT, .fd = fd, .addr = (int64_t) (intptr_t) (buf + 2), .arg = 1},
        };
        result = push_all(r, ops, 2);
    }
    struct __kernel_timespec ts = {.tv_sec = 1, .tv_nsec = 0};
    struct io_uring_getevents_arg arg;
    memset(&arg, 0, sizeof arg);
    arg.ts = (uint64_t) (uintptr_t) &ts;
    int32_t linked = PANTS_NOT_READ;
    while (result == 0 && linked == PANTS_NOT_READ) {
        int s = ring_enter(r, sq_pending(r), 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
        if (s < 0 && errno != EINTR) {
            result = -errno; /* ETIME: the linked read never completed */
            break;
        }
        pants_uring_completion c;
        while (reap(r, &c, 1) == 1) {
            if (c.user_data == LINKED_READ) linked = c.res;
        }
    }
    if (result == 0) result = linked == -ECANCELED ? 1 : 0;
    close(fd);
    return result;
}

int32_t pants_uring_probe(int32_t *out, int32_t n) {
    int32_t values[PANTS_URING_PROBE_COUNT];
    memset(values, 0, sizeof values);
    pants_ring *r = calloc(1, sizeof *r);
    if (!r) return -ENOMEM;
    r->fd = -1;
    int e = ring_setup(r, 8, 16);
    if (e < 0) {
        values[PANTS_URING_PROBE_SETUP] = -e;
        if (r->fd >= 0) values[PANTS_URING_PROBE_FEATURES] = (int32_t) r->features;
    } else {
        values[PANTS_URING_PROBE_FEATURES] = (int32_t) r->features;
        size_t len = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
        struct io_uring_probe *probe = calloc(1, len);
        int pr = probe ? sys_register(r->fd, IORING_REGISTER_PROBE, probe, 256) : -1;
        int perr = probe ? errno : ENOMEM;
        static const struct { int slot; int opcode; } ops[] = {
            {PANTS_URING_PROBE_OP_POLL_ADD, IORING_OP_POLL_ADD}, {PANTS_URING_PROBE_OP_POLL_REMOVE, IORING_OP_POLL_REMOVE},
            {PANTS_URING_PROBE_OP_ASYNC_CANCEL, IORING_OP_ASYNC_CANCEL}, {PANTS_URING_PROBE_OP_ACCEPT, IORING_OP_ACCEPT},
            {PANTS_URING_PROBE_OP_RECV, IORING_OP_RECV}, {PANTS_URING_PROBE_OP_SEND, IORING_OP_SEND},
            {PANTS_URING_PROBE_OP_SENDMSG, IORING_OP_SENDMSG}, {PANTS_URING_PROBE_OP_RECVMSG, IORING_OP_RECVMSG},
            {PANTS_URING_PROBE_OP_CONNECT, IORING_OP_CONNECT}, {PANTS_URING_PROBE_OP_SHUTDOWN, IORING_OP_SHUTDOWN},
            {PANTS_URING_PROBE_OP_CLOSE, IORING_OP_CLOSE}, {PANTS_URING_PROBE_OP_READ, IORING_OP_READ},
        };
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            int op = ops[i].opcode;
            values[ops[i].slot] = pr < 0 ? -perr
                    : (op <= probe->last_op && (probe->ops[op].flags & IO_URING_OP_SUPPORTED)) ? 1 : 0;
        }
        free(probe);
        values[PANTS_URING_PROBE_PBUF_RING] = buf_ring_setup(r, 0, 8, 64);
        if (values[PANTS_URING_PROBE_PBUF_RING] == 0) values[PANTS_URING_PROBE_RECV_MULTISHOT] = probe_recv_multishot(r);
        values[PANTS_URING_PROBE_LINK_SHORT_READ] = probe_link_short_read(r);
    }
    ring_free(r);
    return pants_export(out, n, values, PANTS_URING_PROBE_COUNT);
}
