// SPDX-License-Identifier: Apache-2.0
/*
 * Readiness on Windows: an epoll-shaped poller over an I/O completion port.
 *
 * Windows has no readiness API that scales (select() is limited and O(n); WSAPoll has known
 * bugs), but the AFD driver behind Winsock answers a "poll" request, IOCTL_AFD_POLL, as an
 * ordinary asynchronous I/O: it completes when one of the requested AFD_POLL_* conditions
 * holds on the socket. Issued with NtDeviceIoControlFile on a handle to \Device\Afd that is
 * associated with our completion port, each poll's completion arrives in
 * GetQueuedCompletionStatusEx along with everything else. So:
 *  - each registered socket has at most one poll in flight, for its interest;
 *  - a completion reports the socket once; the next wait re-submits the poll, which completes
 *    at once if the condition still holds: that is what makes it level-triggered;
 *  - an interest change that adds conditions cancels the poll in flight (NtCancelIoFileEx)
 *    and re-submits it when the cancellation's completion arrives;
 *  - a poll's AFD_POLL_INFO and IO_STATUS_BLOCK are written by the kernel until its
 *    completion is dequeued, so they live in the socket's heap record, which is freed only
 *    then (deregistering cancels and leaves the record to be freed by the completion);
 *  - wake-ups are completion packets posted with a key no poll uses.
 *
 * The per-socket states (IDLE, POLLING, CANCELLING, and "deleted") and their transitions are
 * tested through this API by native/test/iocp_test.c, under Wine in CI.
 *
 * The ntdll calls are documented (NtDeviceIoControlFile, NtCancelIoFileEx, NtCreateFile,
 * RtlNtStatusToDosError) but have no import library in every toolchain, so they are resolved
 * at run time. The AFD request layout and bits are not in any SDK header; they are the
 * driver's stable interface, written out below.
 */
#include "pants.h"

#include <winsock2.h>
#include <windows.h>
#include <winternl.h>
#include <stdlib.h>
#include <string.h>

#define IOCTL_AFD_POLL 0x00012024

#define AFD_POLL_RECEIVE           0x0001
#define AFD_POLL_RECEIVE_EXPEDITED 0x0002
#define AFD_POLL_SEND              0x0004
#define AFD_POLL_DISCONNECT        0x0008
#define AFD_POLL_ABORT             0x0010
#define AFD_POLL_LOCAL_CLOSE       0x0020
#define AFD_POLL_CONNECT           0x0040
#define AFD_POLL_ACCEPT            0x0080
#define AFD_POLL_CONNECT_FAIL      0x0100

/* Asked for whatever the interest, like EPOLLERR/EPOLLHUP: a failed connection and a reset
 * must reach the caller, and LOCAL_CLOSE tells us the socket was closed under its poll. */
#define ALWAYS_POLLED (AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL | AFD_POLL_LOCAL_CLOSE)

/* Winsock ioctls for the base (provider) socket, not in MinGW's headers. */
#ifndef SIO_BASE_HANDLE
#define SIO_BASE_HANDLE 0x48000022
#endif
#ifndef SIO_BSP_HANDLE
#define SIO_BSP_HANDLE 0x4800001B
#endif
#ifndef SIO_BSP_HANDLE_SELECT
#define SIO_BSP_HANDLE_SELECT 0x4800001C
#endif
#ifndef SIO_BSP_HANDLE_POLL
#define SIO_BSP_HANDLE_POLL 0x4800001D
#endif

#ifndef STATUS_CANCELLED
#define STATUS_CANCELLED ((NTSTATUS) 0xC0000120L)
#endif
#ifndef STATUS_PENDING
#define STATUS_PENDING ((NTSTATUS) 0x00000103L)
#endif

typedef struct {
    HANDLE handle;
    ULONG events;
    NTSTATUS status;
} afd_poll_handle_info;

typedef struct {
    LARGE_INTEGER timeout;
    ULONG handle_count;
    ULONG exclusive;
    afd_poll_handle_info handles[1];
} afd_poll_info;

typedef NTSTATUS (NTAPI *nt_device_io_control_file_fn)(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID, PIO_STATUS_BLOCK,
                                                       ULONG, PVOID, ULONG, PVOID, ULONG);
typedef NTSTATUS (NTAPI *nt_cancel_io_file_ex_fn)(HANDLE, PIO_STATUS_BLOCK, PIO_STATUS_BLOCK);
typedef NTSTATUS (NTAPI *nt_create_file_fn)(PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, PIO_STATUS_BLOCK,
                                            PLARGE_INTEGER, ULONG, ULONG, ULONG, ULONG, PVOID, ULONG);
typedef ULONG (NTAPI *rtl_nt_status_to_dos_error_fn)(NTSTATUS);

static nt_device_io_control_file_fn nt_device_io_control_file;
static nt_cancel_io_file_ex_fn nt_cancel_io_file_ex;
static nt_create_file_fn nt_create_file;
static rtl_nt_status_to_dos_error_fn rtl_nt_status_to_dos_error;

/* The completion key of wake-up packets; polls complete with key 0 (the AFD handle's). */
#define WAKE_KEY ((ULONG_PTR) 1)

#define MAX_BATCH 256

enum poll_state { IDLE, POLLING, CANCELLING };

typedef struct sock_record {
    /* Written by the kernel while a poll is in flight: must not move or be freed until its
     * completion is dequeued. */
    IO_STATUS_BLOCK iosb;
    afd_poll_info info;
    SOCKET socket;            /* the caller's handle: the key it deregisters with */
    SOCKET base;              /* the provider's socket, which AFD knows */
    uint32_t interest;        /* AFD bits the caller wants */
    uint32_t polled;          /* the bits of the poll in flight */
    int64_t data;
    enum poll_state state;
    int deleted;              /* deregistered: free when no poll is in flight */
    int queued;               /* in the update list */
    struct sock_record *next; /* in its hash bucket */
    struct sock_record *next_update;
} sock_record;

typedef struct {
    HANDLE port;
    HANDLE afd;
    sock_record **buckets;
    size_t bucket_count, record_count;
    sock_record *updates;
    size_t in_flight;         /* polls whose completion has not been dequeued yet */
} poller;

static int32_t win_error(DWORD e) { return -(int32_t) e; }

static int32_t nt_error(NTSTATUS status) {
    return -(int32_t) rtl_nt_status_to_dos_error(status);
}

/* Resolved once; the functions exist in every ntdll since Vista. */
static int32_t resolve_ntdll(void) {
    if (nt_device_io_control_file && nt_cancel_io_file_ex && nt_create_file && rtl_nt_status_to_dos_error) return 0;
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (!ntdll) return win_error(GetLastError());
    nt_device_io_control_file = (nt_device_io_control_file_fn) (void (*)(void)) GetProcAddress(ntdll, "NtDeviceIoControlFile");
    nt_cancel_io_file_ex = (nt_cancel_io_file_ex_fn) (void (*)(void)) GetProcAddress(ntdll, "NtCancelIoFileEx");
    nt_create_file = (nt_create_file_fn) (void (*)(void)) GetProcAddress(ntdll, "NtCreateFile");
    rtl_nt_status_to_dos_error = (rtl_nt_status_to_dos_error_fn) (void (*)(void)) GetProcAddress(ntdll, "RtlNtStatusToDosError");
    if (!nt_device_io_control_file || !nt_cancel_io_file_ex || !nt_create_file || !rtl_nt_status_to_dos_error) {
        return win_error(ERROR_PROC_NOT_FOUND);
    }
    return 0;
}

/* The slots of PANTS_IOCP_SLOTS (pants.h); read by io.pants.iocp.AfdEvents and WinsockConstants. */
int32_t pants_iocp_constants(int32_t *out, int32_t n) {
#define FAILED_POLL PANTS_IOCP_POLL_FAILED
#define CTL_ADD PANTS_IOCP_ADD
#define CTL_MOD PANTS_IOCP_MOD
#define CTL_DEL PANTS_IOCP_DEL
    return PANTS_EXPORT_SLOT_MACROS(PANTS_IOCP, out, n);
}

/*
 * AFD answers polls on the provider's own socket only. A layered service provider may hand
 * out sockets of its own; SIO_BASE_HANDLE asks for the one underneath. Some LSPs fail that
 * ioctl, so the documented fallbacks follow: the handle the provider wants polled, selected,
 * or its base handle.
 */
static SOCKET base_socket(SOCKET s) {
    const DWORD ioctls[] = {SIO_BASE_HANDLE, SIO_BSP_HANDLE_POLL, SIO_BSP_HANDLE_SELECT, SIO_BSP_HANDLE};
    for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++) {
        SOCKET base = INVALID_SOCKET;
        DWORD bytes = 0;
        if (WSAIoctl(s, ioctls[i], NULL, 0, &base, sizeof base, &bytes, NULL, NULL) == 0 && base != INVALID_SOCKET) {
            return base;
        }
    }
    return INVALID_SOCKET;
}

/* ---------------------------------------------------------------- the socket table */

static size_t bucket_of(const poller *p, SOCKET s) {
    uint64_t h = (uint64_t) s * 0x9E3779B97F4A7C15ull; /* handles are multiples of 4: mix them */
    return (size_t) (h >> 32) & (p->bucket_count - 1);
}

static sock_record *find(const poller *p, SOCKET s) {
    for (sock_record *r = p->buckets[bucket_of(p, s)]; r; r = r->next) {
        if (r->socket == s) return r;
    }
    return NULL;
}

static int grow(poller *p) {
    size_t count = p->bucket_count * 2;
    sock_record **buckets = calloc(count, sizeof *buckets);
    if (!buckets) return 0;
    sock_record **old = p->buckets;
    size_t old_count = p->bucket_count;
    p->buckets = buckets;
    p->bucket_count = count;
    for (size_t i = 0; i < old_count; i++) {
        sock_record *r = old[i];
        while (r) {
            sock_record *next = r->next;
            size_t b = bucket_of(p, r->socket);
            r->next = buckets[b];
            buckets[b] = r;
            r = next;
        }
    }
    free(old);
    return 1;
}

static void unlink_record(poller *p, sock_record *rec) {
    sock_record **at = &p->buckets[bucket_of(p, rec->socket)];
    while (*at && *at != rec) at = &(*at)->next;
    if (*at) {
        *at = rec->next;
        p->record_count--;
    }
    rec->next = NULL;
}

static void queue_update(poller *p, sock_record *rec) {
    if (rec->queued) return;
    rec->queued = 1;
    rec->next_update = p->updates;
    p->updates = rec;
}

/* ---------------------------------------------------------------- polls */

static int32_t submit(poller *p, sock_record *rec) {
    uint32_t mask = rec->interest | ALWAYS_POLLED;
    rec->info.timeout.QuadPart = INT64_MAX;
    rec->info.handle_count = 1;
    rec->info.exclusive = FALSE;
    rec->info.handles[0].handle = (HANDLE) rec->base;
    rec->info.handles[0].events = mask;
    rec->info.handles[0].status = 0;
    rec->iosb.Status = STATUS_PENDING;
    /* ApcContext is what the completion packet carries as its "overlapped" pointer. */
    NTSTATUS st = nt_device_io_control_file(p->afd, NULL, NULL, rec, &rec->iosb, IOCTL_AFD_POLL,
                                            &rec->info, sizeof rec->info, &rec->info, sizeof rec->info);
    /* Success and STATUS_PENDING both queue a completion (the AFD handle does not skip the
     * port on success); an error status means no completion will come. */
    if (NT_ERROR(st)) return nt_error(st);
    rec->state = POLLING;
    rec->polled = mask;
    p->in_flight++;
    return 0;
}

static void cancel(poller *p, sock_record *rec) {
    IO_STATUS_BLOCK cancel_iosb;
    /* STATUS_NOT_FOUND means it already completed: the completion is queued either way. */
    nt_cancel_io_file_ex(p->afd, &rec->iosb, &cancel_iosb);
    rec->state = CANCELLING;
}

/* Brings a socket's poll in line with its interest; runs at the start of each wait. */
static void update(poller *p, sock_record *rec, pants_iocp_event *events, int32_t *reported, int32_t max) {
    if (rec->deleted) {
        if (rec->state == IDLE) free(rec);
        return;
    }
    if (rec->state == CANCELLING) return; /* its completion queues it again */
    if (rec->state == POLLING) {
        /* a poll that asks for more than wanted may stay: extra bits are masked out on completion */
        if (rec->interest == 0 || (rec->interest & ~rec->polled) != 0) cancel(p, rec);
        return;
    }
    if (rec->interest == 0) return;
    int32_t r = submit(p, rec);
    if (r < 0 && *reported < max) {
        events[*reported].data = rec->data;
        events[*reported].bits = PANTS_IOCP_POLL_FAILED;
        (*reported)++;
    }
}

/* ---------------------------------------------------------------- the API */

int64_t pants_iocp_create(void) {
    int32_t r = resolve_ntdll();
    if (r < 0) return r;
    poller *p = calloc(1, sizeof *p);
    if (!p) return win_error(ERROR_NOT_ENOUGH_MEMORY);
    p->bucket_count = 64;
    p->buckets = calloc(p->bucket_count, sizeof *p->buckets);
    if (!p->buckets) { free(p); return win_error(ERROR_NOT_ENOUGH_MEMORY); }

    p->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    if (!p->port) { r = win_error(GetLastError()); goto fail; }

    /* Any name under \Device\Afd opens the driver; the suffix only shows up in debuggers. */
    UNICODE_STRING name;
    static const WCHAR afd_name[] = L"\\Device\\Afd\\Pants";
    name.Buffer = (PWSTR) afd_name;
    name.Length = (USHORT) (sizeof afd_name - sizeof(WCHAR));
    name.MaximumLength = (USHORT) sizeof afd_name;
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, &name, 0, NULL, NULL);
    IO_STATUS_BLOCK iosb;
    NTSTATUS st = nt_create_file(&p->afd, SYNCHRONIZE, &attributes, &iosb, NULL, 0,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN, 0, NULL, 0);
    if (NT_ERROR(st)) { p->afd = NULL; r = nt_error(st); goto fail; }
    if (!CreateIoCompletionPort(p->afd, p->port, 0, 0)) { r = win_error(GetLastError()); goto fail; }
    /* No event to signal per completion: the port is how we learn of them. */
    SetFileCompletionNotificationModes(p->afd, FILE_SKIP_SET_EVENT_ON_HANDLE);
    return (int64_t) (intptr_t) p;

fail:
    if (p->afd) CloseHandle(p->afd);
    if (p->port) CloseHandle(p->port);
    free(p->buckets);
    free(p);
    return r;
}

int32_t pants_iocp_ctl(int64_t handle, int32_t op, int64_t socket, int32_t afd_events, int64_t data) {
    poller *p = (poller *) (intptr_t) handle;
    SOCKET s = (SOCKET) socket;
    sock_record *rec = find(p, s);
    if (op == PANTS_IOCP_ADD) {
        if (rec) return win_error(ERROR_ALREADY_EXISTS);
        SOCKET base = base_socket(s);
        if (base == INVALID_SOCKET) return -(int32_t) WSAGetLastError();
        if (p->record_count >= p->bucket_count && !grow(p)) return win_error(ERROR_NOT_ENOUGH_MEMORY);
        rec = calloc(1, sizeof *rec);
        if (!rec) return win_error(ERROR_NOT_ENOUGH_MEMORY);
        rec->socket = s;
        rec->base = base;
        rec->state = IDLE;
        size_t b = bucket_of(p, s);
        rec->next = p->buckets[b];
        p->buckets[b] = rec;
        p->record_count++;
    } else if (!rec) {
        return win_error(ERROR_NOT_FOUND);
    }
    if (op == PANTS_IOCP_DEL) {
        unlink_record(p, rec);
        rec->deleted = 1;
        rec->interest = 0;
        /* The caller is about to close the socket: cancel now rather than at the next wait. */
        if (rec->state == POLLING) cancel(p, rec);
        else if (rec->state == IDLE && !rec->queued) free(rec);
        return 0;
    }
    if (op != PANTS_IOCP_ADD && op != PANTS_IOCP_MOD) return win_error(ERROR_INVALID_PARAMETER);
    rec->interest = (uint32_t) afd_events & ~(uint32_t) PANTS_IOCP_POLL_FAILED;
    rec->data = data;
    queue_update(p, rec);
    return 0;
}

/* What one dequeued poll completion means; returns 1 if it is reported as an event. */
static int completed(poller *p, sock_record *rec, pants_iocp_event *event) {
    p->in_flight--;
    int was_cancelled = rec->state == CANCELLING;
    rec->state = IDLE;
    rec->polled = 0;
    if (rec->deleted) {
        if (!rec->queued) free(rec);
        return 0;
    }
    NTSTATUS st = rec->iosb.Status;
    if (st == STATUS_CANCELLED || (was_cancelled && NT_SUCCESS(st) && rec->info.handle_count == 0)) {
        queue_update(p, rec); /* re-submitted with the new interest */
        return 0;
    }
    if (!NT_SUCCESS(st)) {
        event->data = rec->data;
        event->bits = PANTS_IOCP_POLL_FAILED;
        return 1;
    }
    uint32_t bits = rec->info.handle_count > 0 ? rec->info.handles[0].events : 0;
    if (bits & AFD_POLL_LOCAL_CLOSE) {
        /* closed without being deregistered: nothing is in flight any more, forget it */
        unlink_record(p, rec);
        if (!rec->queued) free(rec); else rec->deleted = 1;
        return 0;
    }
    queue_update(p, rec); /* re-armed by the next wait: level-triggered */
    bits &= rec->interest | AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL;
    if (!bits) return 0;
    event->data = rec->data;
    event->bits = bits;
    return 1;
}

int32_t pants_iocp_wait(int64_t handle, pants_iocp_event *events, int32_t max, int32_t timeout_ms) {
    poller *p = (poller *) (intptr_t) handle;
    int32_t reported = 0;
    sock_record *rec = p->updates;
    p->updates = NULL;
    while (rec) {
        sock_record *next = rec->next_update;
        rec->queued = 0;
        rec->next_update = NULL;
        update(p, rec, events, &reported, max);
        rec = next;
    }
    if (reported > 0) timeout_ms = 0; /* failures to report: don't sleep on them */

    OVERLAPPED_ENTRY entries[MAX_BATCH];
    ULONG room = (ULONG) (max - reported < MAX_BATCH ? max - reported : MAX_BATCH);
    if (room == 0) return reported;
    ULONG n = 0;
    DWORD timeout = timeout_ms < 0 ? INFINITE : (DWORD) timeout_ms;
    if (!GetQueuedCompletionStatusEx(p->port, entries, room, &n, timeout, FALSE)) {
        DWORD e = GetLastError();
        return e == WAIT_TIMEOUT ? reported : win_error(e);
    }
    for (ULONG i = 0; i < n; i++) {
        if (entries[i].lpCompletionKey == WAKE_KEY) continue;
        sock_record *r = (sock_record *) entries[i].lpOverlapped;
        if (completed(p, r, &events[reported])) reported++;
    }
    return reported;
}

int32_t pants_iocp_wake(int64_t handle) {
    poller *p = (poller *) (intptr_t) handle;
    return PostQueuedCompletionStatus(p->port, 0, WAKE_KEY, NULL) ? 0 : win_error(GetLastError());
}

/*
 * Cancels every poll and waits for their completions before freeing the records the kernel
 * writes to. If some never come (it should not happen), their records are leaked rather than
 * freed under the kernel's feet.
 */
int32_t pants_iocp_close(int64_t handle) {
    poller *p = (poller *) (intptr_t) handle;
    for (size_t b = 0; b < p->bucket_count; b++) {
        sock_record *r = p->buckets[b];
        while (r) {
            sock_record *next = r->next;
            r->deleted = 1;
            r->next = NULL;
            if (r->state == POLLING) cancel(p, r);
            else if (r->state == IDLE && !r->queued) free(r);
            r = next;
        }
        p->buckets[b] = NULL;
    }
    for (sock_record *r = p->updates; r;) { /* queued ones: free the idle, unqueue the rest */
        sock_record *next = r->next_update;
        r->queued = 0;
        if (r->deleted && r->state == IDLE) free(r);
        r = next;
    }
    p->updates = NULL;
    for (int rounds = 0; p->in_flight > 0 && rounds < 50; rounds++) {
        OVERLAPPED_ENTRY entries[MAX_BATCH];
        ULONG n = 0;
        if (!GetQueuedCompletionStatusEx(p->port, entries, MAX_BATCH, &n, 100, FALSE)) continue;
        for (ULONG i = 0; i < n; i++) {
            if (entries[i].lpCompletionKey == WAKE_KEY) continue;
            sock_record *r = (sock_record *) entries[i].lpOverlapped;
            p->in_flight--;
            free(r);
        }
    }
    CloseHandle(p->afd);
    CloseHandle(p->port);
    free(p->buckets);
    int32_t leaked = (int32_t) p->in_flight;
    free(p);
    return leaked == 0 ? 0 : win_error(ERROR_TIMEOUT);
}
