// SPDX-License-Identifier: Apache-2.0
/* POSIX stream sockets for the shim: thin wrappers returning -errno, plus the batched flush. */
#define _GNU_SOURCE
#include "pants.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define RETURN_INT(expr) do { int r_ = (expr); return r_ < 0 ? -errno : r_; } while (0)

int32_t pants_version(void) { return PANTS_SHIM_VERSION; }

/* strerror_r: the loops of a group call this from their threads at once. glibc with _GNU_SOURCE
 * has the GNU variant (returns the message, maybe not in buf); elsewhere it is the POSIX one. */
int32_t pants_strerror(int32_t err, char *buf, int32_t len) {
    if (len <= 0) return -EINVAL;
#if defined(__GLIBC__)
    const char *msg = strerror_r(err, buf, (size_t) len);
    if (msg != buf) {
        strncpy(buf, msg ? msg : "unknown error", (size_t) len - 1);
        buf[len - 1] = '\0';
    }
#else
    if (strerror_r(err, buf, (size_t) len) != 0) {
        strncpy(buf, "unknown error", (size_t) len - 1);
        buf[len - 1] = '\0';
    }
#endif
    return 0;
}

/* Each slot of PANTS_SOCKET_SLOTS (pants.h) holds the macro of its name. */
int32_t pants_socket_constants(int32_t *out, int32_t n) {
#define SOCKADDR_STORAGE_SIZE sizeof(struct sockaddr_storage)
    return PANTS_EXPORT_SLOT_MACROS(PANTS_SOCKET, out, n);
}

int32_t pants_iovec_layout(int32_t *out, int32_t n) {
    return PANTS_EXPORT_VALUES(PANTS_IOVEC, out, n,
        [PANTS_IOVEC_SIZE] = (int32_t) sizeof(struct iovec),
        [PANTS_IOVEC_BASE_OFFSET] = (int32_t) offsetof(struct iovec, iov_base),
        [PANTS_IOVEC_LEN_OFFSET] = (int32_t) offsetof(struct iovec, iov_len));
}

#if !defined(SOCK_NONBLOCK) || !(defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__))
static int set_nonblocking_cloexec(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}
#endif

int32_t pants_socket(int32_t domain, int32_t type, int32_t protocol) {
#ifdef SOCK_NONBLOCK
    RETURN_INT(socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
#else
    int fd = socket(domain, type, protocol);
    if (fd < 0) return -errno;
    if (set_nonblocking_cloexec(fd) < 0) { int e = errno; close(fd); return -e; }
    return fd;
#endif
}

int32_t pants_setsockopt_int(int32_t fd, int32_t level, int32_t name, int32_t value) {
    int v = value;
    RETURN_INT(setsockopt(fd, level, name, &v, sizeof v));
}

int32_t pants_getsockopt_int(int32_t fd, int32_t level, int32_t name) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0) return -errno;
    return v;
}

int32_t pants_getsockopt(int32_t fd, int32_t level, int32_t name, void *value, int32_t *len) {
    socklen_t l = (socklen_t) *len;
    if (getsockopt(fd, level, name, value, &l) < 0) return -errno;
    *len = (int32_t) l;
    return 0;
}

/* macOS calls the idle time TCP_KEEPALIVE, and counts SO_LINGER in ticks (SO_LINGER_SEC in seconds). */
#if !defined(TCP_KEEPIDLE) && defined(TCP_KEEPALIVE)
#define TCP_KEEPIDLE TCP_KEEPALIVE
#endif
#ifndef TCP_KEEPIDLE
#define TCP_KEEPIDLE -1 /* not on this OS */
#endif
#ifndef TCP_KEEPINTVL
#define TCP_KEEPINTVL -1
#endif
#ifndef TCP_KEEPCNT
#define TCP_KEEPCNT -1
#endif
#ifndef SO_REUSEPORT_LB
#define SO_REUSEPORT_LB -1 /* FreeBSD 12 and later only */
#endif

#ifdef SO_LINGER_SEC
#define LINGER_OPTION SO_LINGER_SEC /* macOS: its SO_LINGER counts clock ticks, this one seconds */
#else
#define LINGER_OPTION SO_LINGER
#endif

/* PANTS_TCP_OPTION_SLOTS (pants.h); read by io.pants.posix.TcpOptionConstants. */
int32_t pants_tcp_option_constants(int32_t *out, int32_t n) {
    return PANTS_EXPORT_VALUES(PANTS_TCP_OPTION, out, n,
        [PANTS_TCP_OPTION_SO_KEEPALIVE] = SO_KEEPALIVE,
        [PANTS_TCP_OPTION_SO_LINGER] = LINGER_OPTION,
        [PANTS_TCP_OPTION_LINGER_SIZE] = (int32_t) sizeof(struct linger),
        [PANTS_TCP_OPTION_LINGER_ONOFF_OFFSET] = (int32_t) offsetof(struct linger, l_onoff),
        [PANTS_TCP_OPTION_LINGER_LINGER_OFFSET] = (int32_t) offsetof(struct linger, l_linger),
        [PANTS_TCP_OPTION_TCP_KEEPIDLE] = TCP_KEEPIDLE,
        [PANTS_TCP_OPTION_TCP_KEEPINTVL] = TCP_KEEPINTVL,
        [PANTS_TCP_OPTION_TCP_KEEPCNT] = TCP_KEEPCNT,
        [PANTS_TCP_OPTION_SO_REUSEPORT_LB] = SO_REUSEPORT_LB);
}

int32_t pants_bind(int32_t fd, const void *addr, int32_t len) {
    RETURN_INT(bind(fd, (const struct sockaddr *) addr, (socklen_t) len));
}

int32_t pants_listen(int32_t fd, int32_t backlog) { RETURN_INT(listen(fd, backlog)); }

int32_t pants_accept(int32_t fd, void *addr, int32_t *len) {
    socklen_t l = (socklen_t) *len;
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    int c = accept4(fd, (struct sockaddr *) addr, &l, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return -errno;
#else
    int c = accept(fd, (struct sockaddr *) addr, &l);
    if (c < 0) return -errno;
    if (set_nonblocking_cloexec(c) < 0) { int e = errno; close(c); return -e; }
#endif
    *len = (int32_t) l;
    return c;
}

int32_t pants_connect(int32_t fd, const void *addr, int32_t len) {
    RETURN_INT(connect(fd, (const struct sockaddr *) addr, (socklen_t) len));
}

int32_t pants_getsockname(int32_t fd, void *addr, int32_t *len) {
    socklen_t l = (socklen_t) *len;
    if (getsockname(fd, (struct sockaddr *) addr, &l) < 0) return -errno;
    *len = (int32_t) l;
    return 0;
}

int32_t pants_getpeername(int32_t fd, void *addr, int32_t *len) {
    socklen_t l = (socklen_t) *len;
    if (getpeername(fd, (struct sockaddr *) addr, &l) < 0) return -errno;
    *len = (int32_t) l;
    return 0;
}

int64_t pants_read(int32_t fd, void *buf, int64_t len) {
    ssize_t n = read(fd, buf, (size_t) len);
    return n < 0 ? -errno : (int64_t) n;
}

int64_t pants_write(int32_t fd, const void *buf, int64_t len) {
#ifdef MSG_NOSIGNAL
    ssize_t n = send(fd, buf, (size_t) len, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = write(fd, buf, (size_t) len);
#else
    ssize_t n = write(fd, buf, (size_t) len);
#endif
    return n < 0 ? -errno : (int64_t) n;
}

int32_t pants_shutdown(int32_t fd, int32_t how) { RETURN_INT(shutdown(fd, how)); }

int32_t pants_close(int32_t fd) { RETURN_INT(close(fd)); }

int32_t pants_open_readonly(const char *path) {
    RETURN_INT(open(path, O_RDONLY | O_CLOEXEC));
}

/*
 * One crossing for all of a turn's queued writes, a pants_flush_entry per socket (pants.h).
 * A short write means the socket buffer is full: we stop there instead of retrying, because
 * the retry would almost always be an EAGAIN syscall; Java arms write interest instead.
 */
int32_t pants_flush(pants_flush_entry *entries, int32_t count, const void *iovecs) {
    const struct iovec *iov = (const struct iovec *) iovecs;
    for (int32_t i = 0; i < count; i++) {
        pants_flush_entry *e = &entries[i];
        int fd = (int) e->fd;
        int first = (int) (e->iovecs >> 32);
        int n = (int) (e->iovecs & 0xffffffff);
        ssize_t w;
        do {
#ifdef MSG_NOSIGNAL
            /* MSG_NOSIGNAL: a peer that went away gives EPIPE, never SIGPIPE. One buffer (the
               usual case) goes by send(), which spares the kernel the msghdr and iovec import. */
            if (n == 1) {
                w = send(fd, iov[first].iov_base, iov[first].iov_len, MSG_NOSIGNAL);
            } else {
                struct msghdr msg;
                memset(&msg, 0, sizeof msg);
                msg.msg_iov = (struct iovec *) (iov + first);
                msg.msg_iovlen = n;
                w = sendmsg(fd, &msg, MSG_NOSIGNAL);
            }
#else
            w = writev(fd, iov + first, n);
#endif
        } while (w < 0 && errno == EINTR);
        e->result = w < 0 ? (errno == EAGAIN ? 0 : -errno) : (int64_t) w;
    }
    return count;
}

void pants_arena_start(pants_arena *arena, char *base, int64_t len, int32_t read_max) {
    arena->base = base;
    arena->len = len;
    arena->used = 0;
    arena->min_read = read_max < 4096 ? read_max : 4096;
    arena->read_max = read_max;
}

void pants_arena_read(pants_arena *arena, int fd, pants_read_slot *slot) {
    int64_t room = arena->len - arena->used;
    if (room < arena->min_read) return;
    size_t want = (size_t) (room < arena->read_max ? room : arena->read_max);
    ssize_t r;
    do { r = read(fd, arena->base + arena->used, want); } while (r < 0 && errno == EINTR);
    slot->offset = (int32_t) arena->used;
    slot->result = r < 0 ? -errno : (int32_t) r;
    if (r > 0) arena->used += r;
}
