// SPDX-License-Identifier: Apache-2.0
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

#ifndef SO_REUSEPORT
#define SO_REUSEPORT -1 /* not on this OS */
#endif

/* Each slot of PANTS_DATAGRAM_SLOTS (pants.h) holds the macro of its name; read by io.pants.posix.DatagramConstants. */
int32_t pants_datagram_constants(int32_t *out, int32_t n) {
    return PANTS_EXPORT_SLOT_MACROS(PANTS_DATAGRAM, out, n);
}

/* struct mmsghdr and struct msghdr as this C library has them (PANTS_MSGHDR_SLOTS). */
int32_t pants_msghdr_layout(int32_t *out, int32_t n) {
    return PANTS_EXPORT_VALUES(PANTS_MSGHDR, out, n,
        [PANTS_MSGHDR_MMSG_SIZE] = (int32_t) sizeof(struct mmsghdr),
        [PANTS_MSGHDR_MMSG_HDR_OFFSET] = (int32_t) offsetof(struct mmsghdr, msg_hdr),
        [PANTS_MSGHDR_MMSG_LEN_OFFSET] = (int32_t) offsetof(struct mmsghdr, msg_len),
        [PANTS_MSGHDR_MMSG_LEN_SIZE] = (int32_t) sizeof(((struct mmsghdr *) 0)->msg_len),
        [PANTS_MSGHDR_NAME_OFFSET] = (int32_t) offsetof(struct msghdr, msg_name),
        [PANTS_MSGHDR_NAMELEN_OFFSET] = (int32_t) offsetof(struct msghdr, msg_namelen),
        [PANTS_MSGHDR_IOV_OFFSET] = (int32_t) offsetof(struct msghdr, msg_iov),
        [PANTS_MSGHDR_IOVLEN_OFFSET] = (int32_t) offsetof(struct msghdr, msg_iovlen),
        [PANTS_MSGHDR_IOVLEN_SIZE] = (int32_t) sizeof(((struct msghdr *) 0)->msg_iovlen),
        [PANTS_MSGHDR_CONTROL_OFFSET] = (int32_t) offsetof(struct msghdr, msg_control),
        [PANTS_MSGHDR_CONTROLLEN_OFFSET] = (int32_t) offsetof(struct msghdr, msg_controllen),
        [PANTS_MSGHDR_CONTROLLEN_SIZE] = (int32_t) sizeof(((struct msghdr *) 0)->msg_controllen),
        [PANTS_MSGHDR_FLAGS_OFFSET] = (int32_t) offsetof(struct msghdr, msg_flags));
}

int32_t pants_setsockopt(int32_t fd, int32_t level, int32_t name, const void *value, int32_t len) {
    return setsockopt(fd, level, name, value, (socklen_t) len) < 0 ? -errno : 0;
}

#ifndef PANTS_HAVE_MMSG
typedef ssize_t (*one_message_fn)(int fd, struct msghdr *hdr, int flags);
static ssize_t recv_one(int fd, struct msghdr *hdr, int flags) { return recvmsg(fd, hdr, flags); }
static ssize_t send_one(int fd, struct msghdr *hdr, int flags) { return sendmsg(fd, hdr, flags); }

/* recvmmsg or sendmmsg as a loop of recvmsg or sendmsg over the same array: the number done, or
 * -errno when the first failed. Unlike recvmmsg, an error after the first is consumed; EAGAIN,
 * the usual case, loses nothing. */
static int32_t each_message(int32_t fd, struct mmsghdr *m, int32_t vlen, int32_t flags, one_message_fn one) {
    int32_t i;
    for (i = 0; i < vlen; i++) {
        ssize_t r;
        do { r = one(fd, &m[i].msg_hdr, flags); } while (r < 0 && errno == EINTR);
        if (r < 0) {
            if (i == 0) return -errno;
            break;
        }
        m[i].msg_len = (unsigned int) r;
    }
    return i;
}
#endif

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
    return each_message(fd, m, vlen, flags, recv_one);
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
    return each_message(fd, m, vlen, flags, send_one);
#endif
}
