// SPDX-License-Identifier: Apache-2.0
/* Winsock stream sockets for the Windows shim: the counterpart of pants_socket.c. Every
 * socket is created overlapped (AFD polls are asynchronous I/O on it) and non-blocking. */
#include "pants.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

/* Winsock errors are Windows system error codes: negate them like errno (see pants.h). */
static int32_t wsa_error(void) { return -(int32_t) WSAGetLastError(); }

int32_t pants_version(void) { return PANTS_SHIM_VERSION; }

int32_t pants_strerror(int32_t err, char *buf, int32_t len) {
    if (len <= 0) return -ERROR_INVALID_PARAMETER;
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             (DWORD) err, 0, buf, (DWORD) len, NULL);
    if (n == 0) {
        strncpy(buf, "unknown error", (size_t) len - 1);
        buf[len - 1] = '\0';
        return 0;
    }
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n' || buf[n - 1] == '.')) buf[--n] = '\0';
    return 0;
}

/*
 * The POSIX shim's slots (PANTS_SOCKET_SLOTS in pants.h, which io.pants.iocp.WinsockConstants
 * reads), each holding the Windows value that plays that role:
 *  - EAGAIN and EINPROGRESS are both WSAEWOULDBLOCK: a non-blocking connect() fails with it,
 *    not with WSAEINPROGRESS, which means a blocking call is in progress;
 *  - EPROTO is WSAECONNRESET, what accept() says of a connection reset in the backlog;
 *  - EPERM is WSAEACCES, EPIPE is WSAESHUTDOWN, EBADF is WSAENOTSOCK, ENFILE is WSAEMFILE,
 *    ENOMEM is ERROR_NOT_ENOUGH_MEMORY;
 *  - SHUT_WR is SD_SEND.
 */
int32_t pants_socket_constants(int32_t *out, int32_t n) {
    return PANTS_EXPORT_VALUES(PANTS_SOCKET, out, n,
        [PANTS_SOCKET_AF_INET] = AF_INET, [PANTS_SOCKET_AF_INET6] = AF_INET6,
        [PANTS_SOCKET_AF_UNIX] = AF_UNIX, [PANTS_SOCKET_SOCK_STREAM] = SOCK_STREAM,
        [PANTS_SOCKET_SOL_SOCKET] = SOL_SOCKET, [PANTS_SOCKET_SO_REUSEADDR] = SO_REUSEADDR,
        [PANTS_SOCKET_SO_ERROR] = SO_ERROR, [PANTS_SOCKET_IPPROTO_TCP] = IPPROTO_TCP,
        [PANTS_SOCKET_TCP_NODELAY] = TCP_NODELAY, [PANTS_SOCKET_IPPROTO_IPV6] = IPPROTO_IPV6,
        [PANTS_SOCKET_IPV6_V6ONLY] = IPV6_V6ONLY, [PANTS_SOCKET_SHUT_WR] = SD_SEND,
        [PANTS_SOCKET_EAGAIN] = WSAEWOULDBLOCK, [PANTS_SOCKET_EINPROGRESS] = WSAEWOULDBLOCK,
        [PANTS_SOCKET_EINTR] = WSAEINTR, [PANTS_SOCKET_EMFILE] = WSAEMFILE, [PANTS_SOCKET_ENFILE] = WSAEMFILE,
        [PANTS_SOCKET_ENOBUFS] = WSAENOBUFS, [PANTS_SOCKET_ENOMEM] = ERROR_NOT_ENOUGH_MEMORY,
        [PANTS_SOCKET_ECONNABORTED] = WSAECONNABORTED, [PANTS_SOCKET_EPROTO] = WSAECONNRESET,
        [PANTS_SOCKET_EPERM] = WSAEACCES, [PANTS_SOCKET_ECONNREFUSED] = WSAECONNREFUSED,
        [PANTS_SOCKET_ETIMEDOUT] = WSAETIMEDOUT, [PANTS_SOCKET_EHOSTUNREACH] = WSAEHOSTUNREACH,
        [PANTS_SOCKET_ENETUNREACH] = WSAENETUNREACH, [PANTS_SOCKET_EADDRINUSE] = WSAEADDRINUSE,
        [PANTS_SOCKET_EADDRNOTAVAIL] = WSAEADDRNOTAVAIL, [PANTS_SOCKET_EPIPE] = WSAESHUTDOWN,
        [PANTS_SOCKET_ECONNRESET] = WSAECONNRESET, [PANTS_SOCKET_ENOTCONN] = WSAENOTCONN,
        [PANTS_SOCKET_EBADF] = WSAENOTSOCK,
        [PANTS_SOCKET_SOCKADDR_STORAGE_SIZE] = (int32_t) sizeof(SOCKADDR_STORAGE));
}

/* WSABUF puts the length (a ULONG) before the pointer, unlike struct iovec. */
int32_t pants_iovec_layout(int32_t *out, int32_t n) {
    return PANTS_EXPORT_VALUES(PANTS_IOVEC, out, n,
        [PANTS_IOVEC_SIZE] = (int32_t) sizeof(WSABUF),
        [PANTS_IOVEC_BASE_OFFSET] = (int32_t) offsetof(WSABUF, buf),
        [PANTS_IOVEC_LEN_OFFSET] = (int32_t) offsetof(WSABUF, len));
}

int32_t pants_ws_startup(void) {
    WSADATA data;
    int r = WSAStartup(MAKEWORD(2, 2), &data);
    return r == 0 ? 0 : -r;
}

/* Non-blocking, and never inherited by child processes (as SOCK_CLOEXEC on Linux). */
static int32_t make_nonblocking(SOCKET s) {
    u_long on = 1;
    if (ioctlsocket(s, FIONBIO, &on) != 0) return wsa_error();
    SetHandleInformation((HANDLE) s, HANDLE_FLAG_INHERIT, 0);
    return 0;
}

int64_t pants_ws_socket(int32_t family) {
    SOCKET s = WSASocketW(family, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) return wsa_error();
    int32_t r = make_nonblocking(s);
    if (r < 0) { closesocket(s); return r; }
    return (int64_t) s;
}

int32_t pants_ws_setsockopt_int(int64_t s, int32_t level, int32_t name, int32_t value) {
    int v = value;
    return setsockopt((SOCKET) s, level, name, (const char *) &v, sizeof v) == 0 ? 0 : wsa_error();
}

int32_t pants_ws_getsockopt_int(int64_t s, int32_t level, int32_t name) {
    int v = 0;
    int len = sizeof v;
    if (getsockopt((SOCKET) s, level, name, (char *) &v, &len) != 0) return wsa_error();
    return v;
}

int32_t pants_ws_bind(int64_t s, const void *addr, int32_t len) {
    return bind((SOCKET) s, (const struct sockaddr *) addr, len) == 0 ? 0 : wsa_error();
}

int32_t pants_ws_listen(int64_t s, int32_t backlog) {
    return listen((SOCKET) s, backlog) == 0 ? 0 : wsa_error();
}

/* The accepted socket inherits the listener's overlapped attribute; non-blocking is set again. */
int64_t pants_ws_accept(int64_t s, void *addr, int32_t *len) {
    int l = *len;
    SOCKET c = accept((SOCKET) s, (struct sockaddr *) addr, &l);
    if (c == INVALID_SOCKET) return wsa_error();
    int32_t r = make_nonblocking(c);
    if (r < 0) { closesocket(c); return r; }
    *len = l;
    return (int64_t) c;
}

int32_t pants_ws_connect(int64_t s, const void *addr, int32_t len) {
    return connect((SOCKET) s, (const struct sockaddr *) addr, len) == 0 ? 0 : wsa_error();
}

int32_t pants_ws_getsockname(int64_t s, void *addr, int32_t *len) {
    int l = *len;
    if (getsockname((SOCKET) s, (struct sockaddr *) addr, &l) != 0) return wsa_error();
    *len = l;
    return 0;
}

/* Winsock lengths are int: larger requests are clipped, which a stream socket allows. */
static int clip(int64_t len) { return len > INT_MAX ? INT_MAX : (int) len; }

int64_t pants_ws_recv(int64_t s, void *buf, int64_t len) {
    int n = recv((SOCKET) s, (char *) buf, clip(len), 0);
    return n < 0 ? wsa_error() : n;
}

int64_t pants_ws_send(int64_t s, const void *buf, int64_t len) {
    int n = send((SOCKET) s, (const char *) buf, clip(len), 0);
    return n < 0 ? wsa_error() : n;
}

int32_t pants_ws_shutdown(int64_t s, int32_t how) {
    return shutdown((SOCKET) s, how) == 0 ? 0 : wsa_error();
}

int32_t pants_ws_close(int64_t s) {
    return closesocket((SOCKET) s) == 0 ? 0 : wsa_error();
}

/* entries as in pants_flush (pants_socket.c), with sockets and WSABUFs. A non-blocking,
 * non-overlapped WSASend completes at once with what the send buffer took. */
int32_t pants_ws_flush(pants_flush_entry *entries, int32_t count, const void *wsabufs) {
    WSABUF *bufs = (WSABUF *) wsabufs;
    for (int32_t i = 0; i < count; i++) {
        pants_flush_entry *e = &entries[i];
        int first = (int) (e->iovecs >> 32);
        DWORD n = (DWORD) (e->iovecs & 0xffffffff);
        DWORD sent = 0;
        if (WSASend((SOCKET) e->fd, bufs + first, n, &sent, 0, NULL, NULL) != 0) {
            int err = WSAGetLastError();
            e->result = err == WSAEWOULDBLOCK ? 0 : -(int64_t) err;
        } else {
            e->result = (int64_t) sent;
        }
    }
    return count;
}
