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
    if (n < 3) return -EINVAL;
    /* packed on x86-64, naturally aligned elsewhere: exactly why Java must not assume it */
    out[0] = (int32_t) sizeof(struct epoll_event);
    out[1] = (int32_t) offsetof(struct epoll_event, events);
    out[2] = (int32_t) offsetof(struct epoll_event, data);
    return 3;
}

/* Order is the contract with io.pants.epoll.EpollConstants; append only. */
int32_t pants_epoll_constants(int32_t *out, int32_t n) {
    const int32_t values[] = {
        EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP,
        EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL,
    };
    int32_t count = (int32_t) (sizeof values / sizeof values[0]);
    for (int32_t i = 0; i < count && i < n; i++) out[i] = values[i];
    return count;
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
 *  changes:  four int64 per change: [0] op in, result out (0 or -errno), [1] fd, [2] events, [3] data
 *  events:   the epoll_event array, maxevents long, which Java reads with pants_epoll_layout()
 *  reads:    two int32 per returned event: [0] offset into arena, [1] bytes read (>0),
 *            0 at end of stream, -errno on a read error, PANTS_NOT_READ if not attempted
 *  arena:    where the reads go; each read takes at most read_max bytes, so that one busy
 *            socket cannot starve the others (level-triggered: the rest is reported next turn)
 * Returns the number of events, 0 when interrupted by a signal, or -errno.
 */
int32_t pants_epoll_turn(int32_t epfd, int64_t *changes, int32_t nchanges,
                         void *events, int32_t maxevents, int32_t timeout_ms,
                         int32_t *reads, char *arena, int64_t arena_len, int32_t read_max) {
    for (int32_t i = 0; i < nchanges; i++) {
        int64_t *c = changes + 4 * (int64_t) i;
        struct epoll_event ev;
        ev.events = (uint32_t) c[2];
        ev.data.u64 = (uint64_t) c[3];
        c[0] = epoll_ctl(epfd, (int) c[0], (int) c[1], &ev) < 0 ? -errno : 0;
    }

    struct epoll_event *evs = (struct epoll_event *) events;
    int n = epoll_wait(epfd, evs, maxevents, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;

    int64_t used = 0;
    /* A read smaller than this is not worth a syscall: leave it for Java or the next turn. */
    int64_t min_read = read_max < 4096 ? read_max : 4096;
    for (int i = 0; i < n; i++) {
        uint64_t word = evs[i].data.u64;
        int fd = (int) (word >> 32);
        int mode = (int) ((word >> 28) & 0xf);
        reads[2 * i] = 0;
        reads[2 * i + 1] = PANTS_NOT_READ;
        if (mode == PANTS_MODE_WAKEUP) {
            uint64_t value;
            ssize_t r;
            do { r = read(fd, &value, sizeof value); } while (r < 0 && errno == EINTR);
        } else if (mode == PANTS_MODE_PREREAD && (evs[i].events & EPOLLIN)) {
            /* EPOLLIN only: it is reported only while reading is wanted, and then comes with
             * any hangup or error too. EPOLLHUP/EPOLLERR alone come whatever the interest, for
             * a connecting socket as well, where a read would consume the connect error
             * (SO_ERROR) that the engine is about to look for. */
            int64_t room = arena_len - used;
            if (room < min_read) continue;
            size_t want = (size_t) (room < read_max ? room : read_max);
            ssize_t r;
            do { r = read(fd, arena + used, want); } while (r < 0 && errno == EINTR);
            reads[2 * i] = (int32_t) used;
            reads[2 * i + 1] = r < 0 ? -errno : (int32_t) r;
            if (r > 0) used += r;
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
