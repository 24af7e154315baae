/*
 * Pants for Java: the native shim, bound from Java through JNA direct mapping.
 *
 * Conventions, which every function here follows:
 *  - failures return -errno; nothing here touches errno for the caller to read afterwards,
 *    so EAGAIN on a non-blocking socket costs a return value, not an exception in Java;
 *  - arguments are primitives and raw addresses only (int32, int64, pointers passed as
 *    Java longs): no structs by value, no strings on hot paths;
 *  - struct layouts and constants that differ between platforms are exported to Java at
 *    load time (the *_layout and *_constants functions) instead of being assumed there.
 *
 * One .c file per OS mechanism: pants_socket.c (POSIX sockets, batched writev),
 * pants_datagram.c (datagram sockets, batched receive and send), pants_epoll.c (Linux epoll,
 * eventfd, sendfile), pants_kqueue.c (BSD and macOS kqueue, their sendfile; a userspace
 * kqueue on Linux where its header was found); on Windows, pants_winsock.c (Winsock sockets)
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
#define PANTS_SHIM_VERSION 1

/* A read slot the shim did not attempt (not a pre-read socket, or the arena was full). */
#define PANTS_NOT_READ INT32_MIN

/*
 * The 64-bit user word registered with each descriptor (epoll_data.u64, kevent.udata):
 *   bits 63..32  file descriptor
 *   bits 31..28  mode: what the shim does for the engine when the descriptor is ready
 *   bits 27..0   the engine's token
 */
#define PANTS_MODE_PLAIN    0  /* report readiness only */
#define PANTS_MODE_PREREAD  1  /* a stream: read what is ready into the turn's arena */
#define PANTS_MODE_WAKEUP   2  /* the wake-up descriptor or event: drain it, report nothing */

PANTS_API int32_t pants_version(void);
PANTS_API int32_t pants_strerror(int32_t err, char *buf, int32_t len);

/* sockets (pants_socket.c) */
PANTS_API int32_t pants_socket_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_iovec_layout(int32_t *out, int32_t n);
PANTS_API int32_t pants_socket(int32_t domain, int32_t type, int32_t protocol);
PANTS_API int32_t pants_setsockopt_int(int32_t fd, int32_t level, int32_t name, int32_t value);
PANTS_API int32_t pants_getsockopt_int(int32_t fd, int32_t level, int32_t name);
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
PANTS_API int32_t pants_flush(int64_t *entries, int32_t count, const void *iovecs);

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
PANTS_API int32_t pants_epoll_turn(int32_t epfd, int64_t *changes, int32_t nchanges,
                                   void *events, int32_t maxevents, int32_t timeout_ms,
                                   int32_t *reads, char *arena, int64_t arena_len, int32_t read_max);
/* Linux's sendfile in pants_epoll.c; BSD's and macOS's in pants_kqueue.c; -ENOSYS where there is none.
 * Returns the bytes sent, 0 when the file ended early, -EAGAIN when the socket took nothing. */
PANTS_API int64_t pants_sendfile(int32_t out_fd, int32_t in_fd, int64_t offset, int64_t count);

/* kqueue (pants_kqueue.c: BSD and macOS; Linux only where a userspace kqueue's header was found) */
PANTS_API int32_t pants_kqueue_layout(int32_t *out, int32_t n);
PANTS_API int32_t pants_kqueue_constants(int32_t *out, int32_t n);
PANTS_API int32_t pants_kqueue_bind(const char *library);
PANTS_API int32_t pants_kqueue_create(void);
PANTS_API int32_t pants_kqueue_submit(int32_t kq, void *changes, int32_t nchanges);
PANTS_API int32_t pants_kqueue_turn(int32_t kq, void *changes, int32_t nchanges,
                                    void *events, int32_t maxevents, int64_t timeout_ns,
                                    int32_t *reads, char *arena, int64_t arena_len, int32_t read_max);
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
PANTS_API int32_t pants_ws_getpeername(int64_t s, void *addr, int32_t *len);
PANTS_API int64_t pants_ws_recv(int64_t s, void *buf, int64_t len);
PANTS_API int64_t pants_ws_send(int64_t s, const void *buf, int64_t len);
PANTS_API int32_t pants_ws_shutdown(int64_t s, int32_t how);
PANTS_API int32_t pants_ws_close(int64_t s);
/* As pants_flush, with sockets in entries[0] and WSABUFs for iovecs. */
PANTS_API int32_t pants_ws_flush(int64_t *entries, int32_t count, const void *wsabufs);

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
/* Two int64 per event: [0] data, [1] AFD bits. Returns the count, which may be 0 before the
 * timeout (a wake-up, or only cancellations were dequeued), or -error. */
PANTS_API int32_t pants_iocp_wait(int64_t poller, int64_t *events, int32_t max, int32_t timeout_ms);
/* Safe from any thread while the poller is open. */
PANTS_API int32_t pants_iocp_wake(int64_t poller);
PANTS_API int32_t pants_iocp_close(int64_t poller);
#endif

#endif
