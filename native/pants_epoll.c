// SPDX-License-Identifier: Apache-2.0
/* Linux epoll for the shim: one call per loop turn that applies interest changes, waits,
 * and performs the turn's reads into native memory the engine reads by offset. */
#define _GNU_SOURCE
#include "pants.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <unistd.h>

int32_t pants_epoll_layout(int32_t *out, int32_t n) {
    /* packed on x86-64, naturally aligned elsewhere: exactly why Java must not assume it */
    return PANTS_EXPORT_VALUES(PANTS_EPOLL_EVENT, out, n,
        [PANTS_EPOLL_EVENT_SIZE] = (int32_t) sizeof(struct epoll_event),
        [PANTS_EPOLL_EVENT_EVENTS_OFFSET] = (int32_t) offsetof(struct epoll_event, events),
        [PANTS_EPOLL_EVENT_DATA_OFFSET] = (int32_t) offsetof(struct epoll_event, data));
}

/* Each slot of PANTS_EPOLL_SLOTS (pants.h) holds the macro of its name; read by io.pants.epoll.EpollConstants. */
int32_t pants_epoll_constants(int32_t *out, int32_t n) {
    return PANTS_EXPORT_SLOT_MACROS(PANTS_EPOLL, out, n);
}

int32_t pants_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int32_t pants_epoll_ctl(int32_t epfd, int32_t op, int32_t fd, int32_t events, int64_t data) {
    struct epoll_event ev;
    ev.events = (uint32_t) events;
    ev.data.u64 = (uint64_t) data;
    return epoll_ctl(epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int32_t pants_eventfd(void) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int32_t pants_eventfd_signal(int32_t fd) {
    uint64_t one = 1;
    ssize_t n;
    do { n = write(fd, &one, sizeof one); } while (n < 0 && errno == EINTR);
    /* EAGAIN: the counter is saturated, so the loop is already going to wake up. */
    return (n < 0 && errno != EAGAIN) ? -errno : 0;
}

/*
 * One loop turn in one crossing.
 *  changes:  the interest changes to apply first, each answered with its result
 *  events:   the epoll_event array, maxevents long, which Java reads with pants_epoll_layout()
 *  reads:    what was read for each returned event
 *  arena:    where the reads go; each read takes at most read_max bytes, so that one busy
 *            socket cannot starve the others (level-triggered: the rest is reported next turn)
 * Returns the number of events, 0 when interrupted by a signal, or -errno.
 */
int32_t pants_epoll_turn(int32_t epfd, pants_epoll_change *changes, int32_t nchanges,
                         void *events, int32_t maxevents, int32_t timeout_ms,
                         pants_read_slot *reads, char *arena, int64_t arena_len, int32_t read_max) {
    for (int32_t i = 0; i < nchanges; i++) {
        pants_epoll_change *c = &changes[i];
        struct epoll_event ev;
        ev.events = (uint32_t) c->events;
        ev.data.u64 = (uint64_t) c->data;
        c->op = epoll_ctl(epfd, (int) c->op, (int) c->fd, &ev) < 0 ? -errno : 0;
    }

    struct epoll_event *evs = (struct epoll_event *) events;
    int n = epoll_wait(epfd, evs, maxevents, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;

    pants_arena reads_to;
    pants_arena_start(&reads_to, arena, arena_len, read_max);
    for (int i = 0; i < n; i++) {
        uint64_t word = evs[i].data.u64;
        int fd = pants_word_fd(word);
        int mode = pants_word_mode(word);
        reads[i].offset = 0;
        reads[i].result = PANTS_NOT_READ;
        if (mode == PANTS_MODE_WAKEUP) {
            uint64_t value;
            ssize_t r;
            do { r = read(fd, &value, sizeof value); } while (r < 0 && errno == EINTR);
        } else if (mode == PANTS_MODE_PREREAD && (evs[i].events & EPOLLIN)) {
            /* EPOLLIN only: it is reported only while reading is wanted, and then comes with
             * any hangup or error too. EPOLLHUP/EPOLLERR alone come whatever the interest, for
             * a connecting socket as well, where a read would consume the connect error
             * (SO_ERROR) that the engine is about to look for. */
            pants_arena_read(&reads_to, fd, &reads[i]);
        }
    }
    return n;
}

int64_t pants_sendfile(int32_t out_fd, int32_t in_fd, int64_t offset, int64_t count) {
    off_t off = (off_t) offset;
    ssize_t n;
    do { n = sendfile(out_fd, in_fd, &off, (size_t) count); } while (n < 0 && errno == EINTR);
    /* 0 means the file ended early; a full socket is -EAGAIN, so the two can't be confused */
    return n < 0 ? -errno : (int64_t) n;
}
