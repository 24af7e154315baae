/* Datagram sockets for the shim: one crossing receives or sends a batch of datagrams.
 * Java fills the mmsghdr array itself, with the layout pants_msghdr_layout() reports, once per
 * poller; per call it only rewrites lengths and addresses. */
#define _GNU_SOURCE
#include "pants.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#ifndef PANTS_HAVE_MMSG
/* No recvmmsg/sendmmsg here (macOS): the same array, walked with recvmsg/sendmsg below. */
struct mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};
#endif

#ifndef IPV6_JOIN_GROUP
#define IPV6_JOIN_GROUP IPV6_ADD_MEMBERSHIP
#define IPV6_LEAVE_GROUP IPV6_DROP_MEMBERSHIP
#endif

/* Order is the contract with io.pants.epoll.DatagramConstants; append only. -1: not on this OS. */
int32_t pants_datagram_constants(int32_t *out, int32_t n) {
    const int32_t values[] = {
        SOCK_DGRAM, SO_BROADCAST, SO_RCVBUF, SO_SNDBUF,
#ifdef SO_REUSEPORT
        SO_REUSEPORT,
#else
        -1,
#endif
        IPPROTO_IP, IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP,
        IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP,
        MSG_TRUNC, MSG_DONTWAIT,
        EMSGSIZE, EACCES, EDESTADDRREQ, EISCONN, ENOENT,
    };
    int32_t count = (int32_t) (sizeof values / sizeof values[0]);
    for (int32_t i = 0; i < count && i < n; i++) out[i] = values[i];
    return count;
}

/*
 * struct mmsghdr and struct msghdr: sizes and offsets, and the widths of the fields whose type
 * differs between C libraries (msg_len, msg_iovlen, msg_controllen: int, socklen_t or size_t).
 * Order is the contract with io.pants.epoll.DatagramConstants.
 */
int32_t pants_msghdr_layout(int32_t *out, int32_t n) {
    const int32_t values[] = {
        (int32_t) sizeof(struct mmsghdr),
        (int32_t) offsetof(struct mmsghdr, msg_hdr),
        (int32_t) offsetof(struct mmsghdr, msg_len),
        (int32_t) sizeof(((struct mmsghdr *) 0)->msg_len),
        (int32_t) offsetof(struct msghdr, msg_name),
        (int32_t) offsetof(struct msghdr, msg_namelen),
        (int32_t) offsetof(struct msghdr, msg_iov),
        (int32_t) offsetof(struct msghdr, msg_iovlen),
        (int32_t) sizeof(((struct msghdr *) 0)->msg_iovlen),
        (int32_t) offsetof(struct msghdr, msg_control),
        (int32_t) offsetof(struct msghdr, msg_controllen),
        (int32_t) sizeof(((struct msghdr *) 0)->msg_controllen),
        (int32_t) offsetof(struct msghdr, msg_flags),
    };
    int32_t count = (int32_t) (sizeof values / sizeof values[0]);
    for (int32_t i = 0; i < count && i < n; i++) out[i] = values[i];
    return count;
}

int32_t pants_setsockopt(int32_t fd, int32_t level, int32_t name, const void *value, int32_t len) {
    return setsockopt(fd, level, name, value, (socklen_t) len) < 0 ? -errno : 0;
}

/*
 * Receives up to vlen datagrams into msgs: the number received (0 or more), or -errno when the
 * first receive failed (-EAGAIN: nothing waiting). An error after the first datagram is left
 * pending on the socket, which reports it on the next call.
 */
int32_t pants_recvmmsg(int32_t fd, void *msgs, int32_t vlen, int32_t flags) {
    struct mmsghdr *m = (struct mmsghdr *) msgs;
#ifdef PANTS_HAVE_MMSG
    int r;
    do { r = recvmmsg(fd, m, (unsigned int) vlen, flags, NULL); } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
#else
    int32_t i;
    for (i = 0; i < vlen; i++) {
        ssize_t r;
        do { r = recvmsg(fd, &m[i].msg_hdr, flags); } while (r < 0 && errno == EINTR);
        if (r < 0) {
            if (i == 0) return -errno;
            break; /* unlike recvmmsg, the error is consumed; EAGAIN, the usual case, loses nothing */
        }
        m[i].msg_len = (unsigned int) r;
    }
    return i;
#endif
}

/*
 * Sends up to vlen datagrams from msgs: the number sent, or -errno when the first could not be
 * sent (-EAGAIN: the socket is full). When fewer than vlen were sent, the next call with the
 * rest reports why.
 */
int32_t pants_sendmmsg(int32_t fd, void *msgs, int32_t vlen, int32_t flags) {
    struct mmsghdr *m = (struct mmsghdr *) msgs;
#ifdef MSG_NOSIGNAL
    flags |= MSG_NOSIGNAL; /* a connected Unix peer that went away: EPIPE, never SIGPIPE */
#endif
#ifdef PANTS_HAVE_MMSG
    int r;
    do { r = sendmmsg(fd, m, (unsigned int) vlen, flags); } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
#else
    int32_t i;
    for (i = 0; i < vlen; i++) {
        ssize_t r;
        do { r = sendmsg(fd, &m[i].msg_hdr, flags); } while (r < 0 && errno == EINTR);
        if (r < 0) {
            if (i == 0) return -errno;
            break;
        }
        m[i].msg_len = (unsigned int) r;
    }
    return i;
#endif
}
