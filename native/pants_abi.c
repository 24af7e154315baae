// SPDX-License-Identifier: Apache-2.0
/* The contract with Java (pants.h), exported so that Java can check its mirror of it at load
 * time: the user word's and the records' values, and every table's slot names. Plain C, on
 * every platform. */
#include "pants.h"

#include <stddef.h>
#include <string.h>

int32_t pants_export(int32_t *out, int32_t n, const int32_t *values, int32_t count) {
    for (int32_t i = 0; i < count && i < n; i++) out[i] = values[i];
    return count;
}

int32_t pants_abi(int32_t *out, int32_t n) {
    return PANTS_EXPORT_VALUES(PANTS_ABI, out, n,
        [PANTS_ABI_VERSION] = PANTS_SHIM_VERSION,
        [PANTS_ABI_WORD_FD_SHIFT] = PANTS_WORD_FD_SHIFT,
        [PANTS_ABI_WORD_MODE_SHIFT] = PANTS_WORD_MODE_SHIFT,
        [PANTS_ABI_WORD_MODE_MASK] = PANTS_WORD_MODE_MASK,
        [PANTS_ABI_WORD_TOKEN_MASK] = PANTS_WORD_TOKEN_MASK,
        [PANTS_ABI_MODE_PLAIN] = PANTS_MODE_PLAIN,
        [PANTS_ABI_MODE_PREREAD] = PANTS_MODE_PREREAD,
        [PANTS_ABI_MODE_WAKEUP] = PANTS_MODE_WAKEUP,
        [PANTS_ABI_NOT_READ] = PANTS_NOT_READ,
        [PANTS_ABI_FLUSH_ENTRY_SIZE] = (int32_t) sizeof(pants_flush_entry),
        [PANTS_ABI_FLUSH_ENTRY_FD] = (int32_t) offsetof(pants_flush_entry, fd),
        [PANTS_ABI_FLUSH_ENTRY_IOVECS] = (int32_t) offsetof(pants_flush_entry, iovecs),
        [PANTS_ABI_FLUSH_ENTRY_RESULT] = (int32_t) offsetof(pants_flush_entry, result),
        [PANTS_ABI_EPOLL_CHANGE_SIZE] = (int32_t) sizeof(pants_epoll_change),
        [PANTS_ABI_EPOLL_CHANGE_OP] = (int32_t) offsetof(pants_epoll_change, op),
        [PANTS_ABI_EPOLL_CHANGE_FD] = (int32_t) offsetof(pants_epoll_change, fd),
        [PANTS_ABI_EPOLL_CHANGE_EVENTS] = (int32_t) offsetof(pants_epoll_change, events),
        [PANTS_ABI_EPOLL_CHANGE_DATA] = (int32_t) offsetof(pants_epoll_change, data),
        [PANTS_ABI_READ_SLOT_SIZE] = (int32_t) sizeof(pants_read_slot),
        [PANTS_ABI_READ_SLOT_OFFSET] = (int32_t) offsetof(pants_read_slot, offset),
        [PANTS_ABI_READ_SLOT_RESULT] = (int32_t) offsetof(pants_read_slot, result),
        [PANTS_ABI_IOCP_EVENT_SIZE] = (int32_t) sizeof(pants_iocp_event),
        [PANTS_ABI_IOCP_EVENT_DATA] = (int32_t) offsetof(pants_iocp_event, data),
        [PANTS_ABI_IOCP_EVENT_BITS] = (int32_t) offsetof(pants_iocp_event, bits),
        [PANTS_ABI_URING_OP_SIZE] = (int32_t) sizeof(pants_uring_op),
        [PANTS_ABI_URING_OP_USER_DATA] = (int32_t) offsetof(pants_uring_op, user_data),
        [PANTS_ABI_URING_OP_OP] = (int32_t) offsetof(pants_uring_op, op),
        [PANTS_ABI_URING_OP_FD] = (int32_t) offsetof(pants_uring_op, fd),
        [PANTS_ABI_URING_OP_ADDR] = (int32_t) offsetof(pants_uring_op, addr),
        [PANTS_ABI_URING_OP_ARG] = (int32_t) offsetof(pants_uring_op, arg),
        [PANTS_ABI_URING_COMPLETION_SIZE] = (int32_t) sizeof(pants_uring_completion),
        [PANTS_ABI_URING_COMPLETION_USER_DATA] = (int32_t) offsetof(pants_uring_completion, user_data),
        [PANTS_ABI_URING_COMPLETION_RES] = (int32_t) offsetof(pants_uring_completion, res),
        [PANTS_ABI_URING_COMPLETION_FLAGS] = (int32_t) offsetof(pants_uring_completion, flags));
}

#define NAME(name) #name,
static const char *const abi_names[] = {PANTS_ABI_SLOTS(NAME)};
static const char *const socket_names[] = {PANTS_SOCKET_SLOTS(NAME)};
static const char *const iovec_names[] = {PANTS_IOVEC_SLOTS(NAME)};
static const char *const datagram_names[] = {PANTS_DATAGRAM_SLOTS(NAME)};
static const char *const msghdr_names[] = {PANTS_MSGHDR_SLOTS(NAME)};
static const char *const epoll_names[] = {PANTS_EPOLL_SLOTS(NAME)};
static const char *const epoll_event_names[] = {PANTS_EPOLL_EVENT_SLOTS(NAME)};
static const char *const kqueue_names[] = {PANTS_KQUEUE_SLOTS(NAME)};
static const char *const kevent_names[] = {PANTS_KEVENT_SLOTS(NAME)};
static const char *const iocp_names[] = {PANTS_IOCP_SLOTS(NAME)};
static const char *const uring_names[] = {PANTS_URING_SLOTS(NAME)};
static const char *const uring_probe_names[] = {PANTS_URING_PROBE_SLOTS(NAME)};
static const char *const tcp_option_names[] = {PANTS_TCP_OPTION_SLOTS(NAME)};
#undef NAME

static const struct {
    const char *const *names;
    int32_t count;
} tables[PANTS_TABLE_COUNT] = {
    [PANTS_TABLE_ABI] = {abi_names, PANTS_ABI_COUNT},
    [PANTS_TABLE_SOCKET] = {socket_names, PANTS_SOCKET_COUNT},
    [PANTS_TABLE_IOVEC] = {iovec_names, PANTS_IOVEC_COUNT},
    [PANTS_TABLE_DATAGRAM] = {datagram_names, PANTS_DATAGRAM_COUNT},
    [PANTS_TABLE_MSGHDR] = {msghdr_names, PANTS_MSGHDR_COUNT},
    [PANTS_TABLE_EPOLL] = {epoll_names, PANTS_EPOLL_COUNT},
    [PANTS_TABLE_EPOLL_EVENT] = {epoll_event_names, PANTS_EPOLL_EVENT_COUNT},
    [PANTS_TABLE_KQUEUE] = {kqueue_names, PANTS_KQUEUE_COUNT},
    [PANTS_TABLE_KEVENT] = {kevent_names, PANTS_KEVENT_COUNT},
    [PANTS_TABLE_IOCP] = {iocp_names, PANTS_IOCP_COUNT},
    [PANTS_TABLE_URING] = {uring_names, PANTS_URING_COUNT},
    [PANTS_TABLE_URING_PROBE] = {uring_probe_names, PANTS_URING_PROBE_COUNT},
    [PANTS_TABLE_TCP_OPTION] = {tcp_option_names, PANTS_TCP_OPTION_COUNT},
};

int32_t pants_abi_names(int32_t table, char *buf, int32_t len) {
    if (table < 0 || table >= PANTS_TABLE_COUNT || len <= 0) return -1;
    size_t used = 0;
    for (int32_t i = 0; i < tables[table].count; i++) {
        const char *name = tables[table].names[i];
        size_t n = strlen(name);
        if (used + n + 2 > (size_t) len) return -1; /* the name, a comma or the final NUL */
        if (i > 0) buf[used++] = ',';
        memcpy(buf + used, name, n);
        used += n;
    }
    buf[used] = '\0';
    return tables[table].count;
}
