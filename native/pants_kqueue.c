// SPDX-License-Identifier: Apache-2.0
/* kqueue for the shim: one call per loop turn that submits the interest changes, waits, and
 * performs the turn's reads into native memory the engine reads by offset, as pants_epoll.c
 * does for epoll. Also BSD's and macOS's sendfile, and the pipe that stands in for EVFILT_USER
 * where a system lacks it.
 *
 * kqueue() and kevent() are called through pointers: the C library's by default, or those of
 * a library named at run time (pants_kqueue_bind). That lets a Linux build with a userspace
 * kqueue's header (libkqueue) use that library without linking against it, and Java can name
 * another implementation without rebuilding the shim. The struct kevent this file uses is the
 * header's, which is why Java reads its layout from pants_kqueue_layout() instead of assuming it:
 * 32 bytes on macOS, OpenBSD and FreeBSD before 12, 64 (with ext[4]) on FreeBSD 12 and later,
 * NetBSD's own with 32-bit filter and flags, and whatever a userspace kqueue's header says. */
#if defined(__linux__)
#  define _GNU_SOURCE
#endif
#include "pants.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef __typeof__(kqueue) kqueue_fn;
typedef __typeof__(kevent) kevent_fn;

/* Set once by pants_kqueue_bind, before any kqueue exists; read-only afterwards. */
static kqueue_fn *bound_kqueue;
static kevent_fn *bound_kevent;

int32_t pants_kqueue_layout(int32_t *out, int32_t n) {
    struct kevent ev;
    return PANTS_EXPORT_VALUES(PANTS_KEVENT, out, n,
        [PANTS_KEVENT_SIZE] = (int32_t) sizeof(struct kevent),
        [PANTS_KEVENT_IDENT_OFFSET] = (int32_t) offsetof(struct kevent, ident),
        [PANTS_KEVENT_FILTER_OFFSET] = (int32_t) offsetof(struct kevent, filter),
        [PANTS_KEVENT_FILTER_SIZE] = (int32_t) sizeof ev.filter,
        [PANTS_KEVENT_FLAGS_OFFSET] = (int32_t) offsetof(struct kevent, flags),
        [PANTS_KEVENT_FLAGS_SIZE] = (int32_t) sizeof ev.flags,
        [PANTS_KEVENT_FFLAGS_OFFSET] = (int32_t) offsetof(struct kevent, fflags),
        [PANTS_KEVENT_DATA_OFFSET] = (int32_t) offsetof(struct kevent, data),
        [PANTS_KEVENT_UDATA_OFFSET] = (int32_t) offsetof(struct kevent, udata));
}

#ifdef EVFILT_USER
#define HAS_EVFILT_USER 1
#else
#define HAS_EVFILT_USER 0
#define EVFILT_USER 0
#define NOTE_TRIGGER 0
#endif

/* Each slot of PANTS_KQUEUE_SLOTS (pants.h) holds the macro of its name; read by io.pants.kqueue.KeventLayout. */
int32_t pants_kqueue_constants(int32_t *out, int32_t n) {
    return PANTS_EXPORT_SLOT_MACROS(PANTS_KQUEUE, out, n);
}

/* library: a shared library providing kqueue() and kevent(), or NULL for the C library's. */
int32_t pants_kqueue_bind(const char *library) {
    if (library == NULL || library[0] == '\0') {
#if defined(__linux__)
        return -ENOSYS; /* Linux has no kqueue of its own: a userspace one must be named */
#else
        bound_kqueue = kqueue;
        bound_kevent = kevent;
        return 0;
#endif
    }
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) return -ENOENT;
    void *q = dlsym(handle, "kqueue");
    void *e = dlsym(handle, "kevent");
    if (q == NULL || e == NULL) {
        dlclose(handle);
        return -ENOSYS;
    }
    /* the handle stays open for the life of the process, like the pointers into it */
    bound_kqueue = (kqueue_fn *) q;
    bound_kevent = (kevent_fn *) e;
    return 0;
}

int32_t pants_kqueue_create(void) {
    if (bound_kqueue == NULL) return -ENOSYS;
    int kq = bound_kqueue();
    if (kq < 0) return -errno;
    /* kqueues are not inherited by fork(), but a descriptor still is across exec() */
    (void) fcntl(kq, F_SETFD, FD_CLOEXEC);
    return kq;
}

/* Applies changes without waiting for events: the wake-up trigger (from any thread), the
 * wake-up registration, deletions before a close. Returns 0 or -errno of the first failure. */
int32_t pants_kqueue_submit(int32_t kq, void *changes, int32_t nchanges) {
    if (bound_kevent == NULL) return -ENOSYS;
    int r;
    do {
        r = bound_kevent(kq, (const struct kevent *) changes, nchanges, NULL, 0, NULL);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

/*
 * One loop turn in one crossing.
 *  changes:  nchanges struct kevent, written by Java with pants_kqueue_layout()
 *  events:   the eventlist, maxevents long; a change that failed comes back in it with
 *            EV_ERROR set and the errno in data (then kevent returns without waiting)
 *  timeout_ns: negative to wait without limit
 *  reads:    what was read for each returned event
 *  arena:    where the reads go; each read takes at most read_max bytes, so that one busy
 *            socket cannot starve the others (level-triggered: the rest is reported next turn)
 * Returns the number of events, 0 when interrupted by a signal, or -errno.
 */
int32_t pants_kqueue_turn(int32_t kq, void *changes, int32_t nchanges,
                          void *events, int32_t maxevents, int64_t timeout_ns,
                          pants_read_slot *reads, char *arena, int64_t arena_len, int32_t read_max) {
    if (bound_kevent == NULL) return -ENOSYS;
    struct timespec ts, *timeout = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t) (timeout_ns / 1000000000);
        ts.tv_nsec = (long) (timeout_ns % 1000000000);
        timeout = &ts;
    }
    struct kevent *evs = (struct kevent *) events;
    int n = bound_kevent(kq, (const struct kevent *) changes, nchanges, evs, maxevents, timeout);
    if (n < 0) return errno == EINTR ? 0 : -errno;

    pants_arena reads_to;
    pants_arena_start(&reads_to, arena, arena_len, read_max);
    for (int i = 0; i < n; i++) {
        struct kevent *ev = &evs[i];
        uint64_t word = (uint64_t) (uintptr_t) ev->udata;
        int mode = pants_word_mode(word);
        reads[i].offset = 0;
        reads[i].result = PANTS_NOT_READ;
        if ((ev->flags & EV_ERROR) || ev->filter != EVFILT_READ) continue;
        int fd = (int) ev->ident;
        if (mode == PANTS_MODE_WAKEUP) { /* the wake-up pipe: empty it */
            char drain[64];
            ssize_t r;
            do { r = read(fd, drain, sizeof drain); } while (r > 0 || (r < 0 && errno == EINTR));
        } else if (mode == PANTS_MODE_PREREAD) {
            pants_arena_read(&reads_to, fd, &reads[i]);
        }
    }
    return n;
}

/* A non-blocking, close-on-exec pipe, the wake-up where there is no EVFILT_USER. */
int32_t pants_kqueue_pipe(int32_t *fds) {
    int p[2];
    if (pipe(p) < 0) return -errno;
    for (int i = 0; i < 2; i++) {
        if (fcntl(p[i], F_SETFL, O_NONBLOCK) < 0 || fcntl(p[i], F_SETFD, FD_CLOEXEC) < 0) {
            int e = errno;
            close(p[0]);
            close(p[1]);
            return -e;
        }
    }
    fds[0] = p[0];
    fds[1] = p[1];
    return 0;
}

#if !defined(__linux__) /* Linux's sendfile is in pants_epoll.c */
int64_t pants_sendfile(int32_t out_fd, int32_t in_fd, int64_t offset, int64_t count) {
    if (count <= 0) return 0; /* FreeBSD reads 0 bytes as "to the end of the file" */
#if defined(__FreeBSD__) || defined(__DragonFly__)
    off_t sent;
    int r;
    do {
        sent = 0;
        r = sendfile(in_fd, out_fd, (off_t) offset, (size_t) count, NULL, &sent, 0);
    } while (r < 0 && errno == EINTR && sent == 0);
    /* a non-blocking socket may take part of it and report EAGAIN: that part counts */
    if (r < 0 && sent == 0) return -errno;
    return (int64_t) sent;
#elif defined(__APPLE__)
    off_t len;
    int r;
    do {
        len = (off_t) count; /* in: how much to send; out: how much was sent */
        r = sendfile(in_fd, out_fd, (off_t) offset, &len, NULL, 0);
    } while (r < 0 && errno == EINTR && len == 0);
    if (r < 0 && len == 0) return -errno;
    return (int64_t) len;
#else
    (void) out_fd; (void) in_fd; (void) offset;
    return -ENOSYS; /* NetBSD, OpenBSD: no sendfile; Java copies through memory instead */
#endif
}
#endif
