// SPDX-License-Identifier: Apache-2.0
/*
 * Tests of the Windows shim's poller (pants_iocp.c) over real loopback sockets. Built with the
 * Windows shim (cmake, on Windows or cross-compiled with MinGW-w64) and run natively or under
 * Wine: `pants_iocp_test.exe` prints one line per test and exits 0 when all pass, 1 when one
 * failed, and 2 when the poller cannot work at all here (no AFD poll support), saying why.
 *
 * Waits are bounded: "nothing is reported" is checked with a short wait that must come back
 * empty, and "it is reported" with waits of at most WAIT_MS, repeated at most a few times.
 */
#include "pants.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define WAIT_MS 5000
#define QUIET_MS 100

/* AFD bits, as pants_iocp_constants exports them */
static int32_t RECEIVE, SEND, DISCONNECT, ABORT, CONNECT, ACCEPT, CONNECT_FAIL, POLL_FAILED;

static int failures;
static const char *current;

#define CHECK(cond, ...) do { \
        if (!(cond)) { \
            failures++; \
            printf("FAIL %s (%s:%d): ", current, __FILE__, __LINE__); \
            printf(__VA_ARGS__); \
            printf("\n"); \
            fflush(stdout); \
            return; \
        } \
    } while (0)

/* ---------------------------------------------------------------- helpers */

static int64_t listener(uint16_t *port) {
    int64_t s = pants_ws_socket(AF_INET);
    if (s < 0) return s;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int32_t r = pants_ws_bind(s, &a, sizeof a);
    if (r == 0) r = pants_ws_listen(s, 128);
    int32_t len = sizeof a;
    if (r == 0) r = pants_ws_getsockname(s, &a, &len);
    if (r < 0) { pants_ws_close(s); return r; }
    *port = ntohs(a.sin_port);
    return s;
}

static int32_t start_connect(int64_t s, uint16_t port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int32_t r = pants_ws_connect(s, &a, sizeof a);
    return r == -WSAEWOULDBLOCK ? 0 : r;
}

/* Blocks (bounded, with select) until the socket is readable or writable. */
static int ready_within(int64_t s, int writable) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET((SOCKET) s, &set);
    struct timeval tv = {WAIT_MS / 1000, 0};
    return select(0, writable ? NULL : &set, writable ? &set : NULL, NULL, &tv) == 1;
}

/* A connected pair over loopback, made without the poller under test. */
static int pair(int64_t lst, uint16_t port, int64_t *client, int64_t *server) {
    *client = pants_ws_socket(AF_INET);
    if (*client < 0 || start_connect(*client, port) < 0) return 0;
    if (!ready_within(lst, 0)) return 0;
    struct sockaddr_storage peer;
    int32_t len = sizeof peer;
    *server = pants_ws_accept(lst, &peer, &len);
    if (*server < 0) return 0;
    return ready_within(*client, 1);
}

typedef pants_iocp_event event;

/* One wait; the events found go into out (up to max). */
static int32_t wait_once(int64_t p, event *out, int32_t max, int32_t timeout_ms) {
    return pants_iocp_wait(p, out, max, timeout_ms);
}

/* Waits (a few rounds, each bounded) until `data` is reported with one of `bits`; returns its bits, 0 if never. */
static int64_t wait_for(int64_t p, int64_t data, int64_t bits) {
    event evs[64];
    for (int round = 0; round < 10; round++) {
        int32_t n = wait_once(p, evs, 64, WAIT_MS);
        if (n < 0) return n;
        for (int32_t i = 0; i < n; i++) if (evs[i].data == data && (evs[i].bits & bits)) return evs[i].bits;
    }
    return 0;
}

/* Whether `data` is reported by a short wait (a re-armed poll that is still satisfied completes at once). */
static int64_t reported_now(int64_t p, int64_t data) {
    event evs[64];
    int64_t found = 0;
    /* two waits: the first may only dequeue a cancellation or re-arm */
    for (int round = 0; round < 2; round++) {
        int32_t n = wait_once(p, evs, 64, QUIET_MS);
        for (int32_t i = 0; i < n; i++) if (evs[i].data == data) found |= evs[i].bits;
    }
    return found;
}

/* A test's usual start: a listener and one connected pair through it. */
static int listener_and_pair(int64_t *lst, int64_t *c, int64_t *s) {
    uint16_t port;
    *lst = listener(&port);
    return *lst >= 0 && pair(*lst, port, c, s);
}

/* Closes a test's listener and its connected pair. */
static void close_pair(int64_t lst, int64_t c, int64_t s) {
    pants_ws_close(s);
    pants_ws_close(c);
    pants_ws_close(lst);
}

/* A test's usual end: deregisters the three from p (one never registered is simply not found)
 * and closes them. */
static void deregister_and_close(int64_t p, int64_t lst, int64_t c, int64_t s) {
    pants_iocp_ctl(p, PANTS_IOCP_DEL, lst, 0, 0);
    pants_iocp_ctl(p, PANTS_IOCP_DEL, c, 0, 0);
    pants_iocp_ctl(p, PANTS_IOCP_DEL, s, 0, 0);
    close_pair(lst, c, s);
}

/* Runs one test (a call), which names itself in `current`: "ok" when none of its CHECKs failed
 * (a failed CHECK has said why, and returned from the test). */
#define RUN(call) do { \
        int failed_before = failures; \
        call; \
        if (failures == failed_before) printf("ok   %s\n", current); \
    } while (0)

/* ---------------------------------------------------------------- tests */

static void test_accept_and_connect(int64_t p) {
    current = "accept and connect readiness";
    uint16_t port;
    int64_t lst = listener(&port);
    CHECK(lst >= 0, "listener: %lld", (long long) lst);
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, lst, RECEIVE | ACCEPT, 1) == 0, "add listener");
    CHECK(reported_now(p, 1) == 0, "a listener without pending connections is reported");

    int64_t c = pants_ws_socket(AF_INET);
    CHECK(c >= 0, "socket: %lld", (long long) c);
    CHECK(start_connect(c, port) == 0, "connect");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, c, SEND | CONNECT, 2) == 0, "add client");
    int64_t bits = wait_for(p, 1, ACCEPT);
    CHECK(bits & ACCEPT, "the listener was not reported with AFD_POLL_ACCEPT (bits %llx)", (long long) bits);
    bits = wait_for(p, 2, SEND | CONNECT);
    CHECK(bits & (SEND | CONNECT), "the connecting socket was not reported writable (bits %llx)", (long long) bits);
    CHECK(pants_ws_getsockopt_int(c, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR after connecting");
    /* connected, nothing sent to it: asking to read must not report it (the connect bit is not "readable") */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_MOD, c, RECEIVE | DISCONNECT, 2) == 0, "mod client");
    CHECK(reported_now(p, 2) == 0 && reported_now(p, 2) == 0, "a connected socket with nothing to read was reported");

    struct sockaddr_storage peer;
    int32_t len = sizeof peer;
    int64_t s = pants_ws_accept(lst, &peer, &len);
    CHECK(s >= 0, "accept after AFD_POLL_ACCEPT: %lld", (long long) s);
    /* level-triggered: accepted, so the listener is quiet again */
    CHECK((reported_now(p, 1) & ACCEPT) == 0, "the listener is still reported after its connection was accepted");

    pants_iocp_ctl(p, PANTS_IOCP_DEL, lst, 0, 0);
    deregister_and_close(p, lst, c, s);
}

static void test_connect_refused(int64_t p) {
    current = "connect refused";
    uint16_t port;
    int64_t lst = listener(&port);
    CHECK(lst >= 0, "listener");
    pants_ws_close(lst); /* nobody listens on that port now */
    int64_t c = pants_ws_socket(AF_INET);
    CHECK(start_connect(c, port) == 0, "connect");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, c, SEND | CONNECT, 3) == 0, "add");
    int64_t bits = wait_for(p, 3, CONNECT_FAIL | SEND | CONNECT);
    CHECK(bits & CONNECT_FAIL, "a refused connect was reported without AFD_POLL_CONNECT_FAIL (bits %llx)", (long long) bits);
    int32_t err = pants_ws_getsockopt_int(c, SOL_SOCKET, SO_ERROR);
    CHECK(err == WSAECONNREFUSED, "SO_ERROR is %d, expected WSAECONNREFUSED", err);
    pants_iocp_ctl(p, PANTS_IOCP_DEL, c, 0, 0);
    pants_ws_close(c);
}

static void test_read_readiness_and_eof(int64_t p) {
    current = "read readiness, level-triggered, end of stream";
    int64_t lst, c, s;
    CHECK(listener_and_pair(&lst, &c, &s), "connected pair");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s, RECEIVE | DISCONNECT, 4) == 0, "add");
    CHECK(reported_now(p, 4) == 0, "reported before anything was sent");

    CHECK(pants_ws_send(c, "hello", 5) == 5, "send");
    int64_t bits = wait_for(p, 4, RECEIVE);
    CHECK(bits & RECEIVE, "data not reported (bits %llx)", (long long) bits);
    /* not read yet: reported again */
    CHECK(reported_now(p, 4) & RECEIVE, "unread data was not reported again (level-triggered)");
    char buf[16];
    CHECK(pants_ws_recv(s, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0, "recv");
    CHECK(reported_now(p, 4) == 0, "reported after everything was read");

    CHECK(pants_ws_shutdown(c, SD_SEND) == 0, "shutdown");
    bits = wait_for(p, 4, DISCONNECT | RECEIVE);
    CHECK(bits & DISCONNECT, "the peer's FIN was not reported as AFD_POLL_DISCONNECT (bits %llx)", (long long) bits);
    CHECK(pants_ws_recv(s, buf, sizeof buf) == 0, "recv at end of stream returns 0");

    deregister_and_close(p, lst, c, s);
}

static void test_write_readiness(int64_t p) {
    current = "write readiness after a full send buffer";
    int64_t lst, c, s;
    CHECK(listener_and_pair(&lst, &c, &s), "connected pair");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, c, SEND, 5) == 0, "add");
    CHECK(wait_for(p, 5, SEND) & SEND, "a fresh connection is not writable");

    static char chunk[65536];
    int64_t total = 0, r = 0;
    /* bounded: loopback buffers are far below 256 MB */
    while (total < (256 << 20) && (r = pants_ws_send(c, chunk, sizeof chunk)) > 0) total += r;
    CHECK(r == -WSAEWOULDBLOCK, "filling the send buffer ended with %lld after %lld bytes", (long long) r, (long long) total);
    CHECK((reported_now(p, 5) & SEND) == 0, "reported writable with a full send buffer");

    /* drain the peer until the writer is reported writable again, within bounds */
    int64_t drained = 0, bits = 0;
    static char sink[65536];
    for (int round = 0; round < 1000 && !(bits & SEND) && drained < total; round++) {
        int64_t n = pants_ws_recv(s, sink, sizeof sink);
        if (n > 0) drained += n;
        else if (n != -WSAEWOULDBLOCK) break;
        else if (!ready_within(s, 0)) break;
        bits = reported_now(p, 5);
    }
    CHECK(bits & SEND, "not writable again after the peer read %lld of %lld bytes", (long long) drained, (long long) total);

    deregister_and_close(p, lst, c, s);
}

static void test_gathered_send(int64_t p) {
    current = "gathered send (pants_ws_flush with WSABUFs laid out as pants_iovec_layout says)";
    int64_t lst, c, s;
    CHECK(listener_and_pair(&lst, &c, &s), "connected pair");
    int32_t layout[PANTS_IOVEC_COUNT];
    CHECK(pants_iovec_layout(layout, PANTS_IOVEC_COUNT) == PANTS_IOVEC_COUNT, "layout");
    char table[4 * 32];
    CHECK(layout[PANTS_IOVEC_SIZE] <= 32, "WSABUF is %d bytes", layout[PANTS_IOVEC_SIZE]);
    const char *parts[] = {"gathered ", "in ", "one call"};
    for (int i = 0; i < 3; i++) {
        char *b = table + i * layout[PANTS_IOVEC_SIZE];
        const char *data = parts[i];
        uint32_t len = (uint32_t) strlen(data);
        memcpy(b + layout[PANTS_IOVEC_BASE_OFFSET], &data, sizeof data);
        memcpy(b + layout[PANTS_IOVEC_LEN_OFFSET], &len, sizeof len); /* a ULONG */
    }
    /* two sockets in one flush: the first takes WSABUFs 0-1, the second (the server side) WSABUF 2 */
    pants_flush_entry entries[2] = {{c, (0LL << 32) | 2, -1}, {s, (2LL << 32) | 1, -1}};
    CHECK(pants_ws_flush(entries, 2, table) == 2, "flush");
    CHECK(entries[0].result == 12 && entries[1].result == 8, "sent %lld and %lld bytes",
          (long long) entries[0].result, (long long) entries[1].result);
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s, RECEIVE, 9) == 0, "add");
    CHECK(wait_for(p, 9, RECEIVE) & RECEIVE, "the gathered bytes were not reported");
    char buf[32] = {0};
    int64_t got = 0;
    for (int round = 0; round < 100 && got < 12; round++) {
        int64_t n = pants_ws_recv(s, buf + got, 12 - got);
        if (n > 0) got += n; else if (n != -WSAEWOULDBLOCK || !ready_within(s, 0)) break;
    }
    CHECK(got == 12 && memcmp(buf, "gathered in ", 12) == 0, "received %lld bytes: '%s'", (long long) got, buf);
    CHECK(ready_within(c, 0) && pants_ws_recv(c, buf, sizeof buf) == 8 && memcmp(buf, "one call", 8) == 0, "the other way");
    deregister_and_close(p, lst, c, s);
}

static DWORD WINAPI waker(LPVOID arg) {
    pants_iocp_wake(*(int64_t *) arg);
    return 0;
}

static void test_wake_from_another_thread(void) {
    current = "wake-up from another thread";
    /* a poller of its own, with no sockets: only the wake-up can end its wait early */
    int64_t p = pants_iocp_create();
    CHECK(p > 0, "create");
    event evs[8];
    HANDLE t = CreateThread(NULL, 0, waker, &p, 0, NULL);
    CHECK(t != NULL, "CreateThread");
    ULONGLONG start = GetTickCount64();
    int32_t n = wait_once(p, evs, 8, 20000);
    ULONGLONG waited = GetTickCount64() - start;
    WaitForSingleObject(t, WAIT_MS);
    CloseHandle(t);
    CHECK(n == 0, "the woken wait returned %d", n);
    CHECK(waited < 20000, "the wait ran into its 20 s timeout: the wake-up did not arrive");
    CHECK(pants_iocp_close(p) == 0, "close");
}

static void test_interest_change(int64_t p) {
    current = "interest change (cancel and re-submit)";
    int64_t lst, c, s;
    CHECK(listener_and_pair(&lst, &c, &s), "connected pair");
    /* a poll for data that is not there stays in flight */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s, RECEIVE, 6) == 0, "add");
    CHECK(reported_now(p, 6) == 0, "reported with nothing to read");
    /* adding SEND must cancel that poll and ask again */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_MOD, s, RECEIVE | SEND, 6) == 0, "mod");
    int64_t bits = wait_for(p, 6, SEND);
    CHECK(bits & SEND, "writable not reported after adding SEND to the interest (bits %llx)", (long long) bits);
    CHECK(!(bits & RECEIVE), "RECEIVE reported with nothing to read");
    /* narrowing to RECEIVE: writable is no longer reported */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_MOD, s, RECEIVE, 6) == 0, "mod");
    CHECK(reported_now(p, 6) == 0 && reported_now(p, 6) == 0, "still reported after SEND was removed");
    /* with data ready and interest in SEND only, RECEIVE is not reported */
    CHECK(pants_ws_send(c, "x", 1) == 1, "send");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_MOD, s, SEND, 6) == 0, "mod");
    bits = wait_for(p, 6, SEND);
    CHECK((bits & SEND) && !(bits & RECEIVE), "interest SEND with data waiting reported bits %llx", (long long) bits);
    /* and interest 0 reports nothing at all */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_MOD, s, 0, 6) == 0, "mod");
    CHECK(reported_now(p, 6) == 0 && reported_now(p, 6) == 0, "reported with no interest");

    deregister_and_close(p, lst, c, s);
}

static void test_cancel_on_close(void) {
    current = "cancel on close (deregistered, and closed while polled)";
    int64_t p = pants_iocp_create();
    CHECK(p > 0, "create: %lld", (long long) p);
    uint16_t port;
    int64_t lst = listener(&port), c1, s1, c2, s2;
    CHECK(pair(lst, port, &c1, &s1) && pair(lst, port, &c2, &s2), "connected pairs");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s1, RECEIVE, 7) == 0, "add");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s2, RECEIVE, 8) == 0, "add");
    CHECK(reported_now(p, 7) == 0, "polls in flight report nothing yet");
    /* the right way: deregister (cancels the poll in flight), then close */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_DEL, s1, 0, 0) == 0, "del");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_DEL, s1, 0, 0) == -ERROR_NOT_FOUND, "a second del finds nothing");
    pants_ws_close(s1);
    /* closed while polled, without deregistering: AFD_POLL_LOCAL_CLOSE ends its poll */
    pants_ws_close(s2);
    CHECK(pants_ws_send(c1, "x", 1) == 1, "send");
    event evs[8];
    for (int round = 0; round < 3; round++) {
        int32_t n = wait_once(p, evs, 8, QUIET_MS);
        CHECK(n >= 0, "wait: %d", n);
        for (int32_t i = 0; i < n; i++) CHECK(0, "a closed socket was reported: data %lld bits %llx", (long long) evs[i].data, (long long) evs[i].bits);
    }
    /* close waits for every completion before freeing what the kernel writes to */
    int32_t r = pants_iocp_close(p);
    CHECK(r == 0, "close: %d (completions of cancelled polls did not arrive)", r);
    pants_ws_close(c1);
    pants_ws_close(c2);
    pants_ws_close(lst);
}

/* What the Java side checks when it loads pants.dll (io.pants.posix.ShimAbi). */
static void test_contract_exports(void) {
    current = "the contract's exports (pants_abi, pants_abi_names)";
    int32_t abi[PANTS_ABI_COUNT];
    CHECK(pants_abi(abi, PANTS_ABI_COUNT) == PANTS_ABI_COUNT, "pants_abi's count");
    CHECK(abi[PANTS_ABI_VERSION] == PANTS_SHIM_VERSION, "version %d", abi[PANTS_ABI_VERSION]);
    CHECK(abi[PANTS_ABI_FLUSH_ENTRY_SIZE] == 24 && abi[PANTS_ABI_FLUSH_ENTRY_RESULT] == 16, "pants_flush_entry: %d bytes, result at %d",
          abi[PANTS_ABI_FLUSH_ENTRY_SIZE], abi[PANTS_ABI_FLUSH_ENTRY_RESULT]);
    CHECK(abi[PANTS_ABI_IOCP_EVENT_SIZE] == 16 && abi[PANTS_ABI_IOCP_EVENT_BITS] == 8, "pants_iocp_event: %d bytes, bits at %d",
          abi[PANTS_ABI_IOCP_EVENT_SIZE], abi[PANTS_ABI_IOCP_EVENT_BITS]);
    char names[4096];
    CHECK(pants_abi_names(PANTS_TABLE_SOCKET, names, sizeof names) == PANTS_SOCKET_COUNT, "socket table's count");
    CHECK(strncmp(names, "AF_INET,AF_INET6,AF_UNIX,", 25) == 0, "socket table's names: %s", names);
    CHECK(pants_abi_names(PANTS_TABLE_IOCP, names, sizeof names) == PANTS_IOCP_COUNT, "iocp table's count");
    CHECK(strstr(names, ",FAILED_POLL,CTL_ADD,CTL_MOD,CTL_DEL") != NULL, "iocp table's names: %s", names);
    CHECK(pants_abi_names(PANTS_TABLE_COUNT, names, sizeof names) < 0, "an unknown table was answered");
    CHECK(pants_abi_names(PANTS_TABLE_SOCKET, names, 8) < 0, "a buffer too small was written past");
}

/* The record's states (pants_iocp.c's sock_record) seen from outside: freed neither too early nor never. */
static void test_deregister_in_every_state(void) {
    current = "deregister while queued, polled and cancelling; register again after";
    int64_t p = pants_iocp_create();
    CHECK(p > 0, "create: %lld", (long long) p);
    int64_t lst, c, s;
    CHECK(listener_and_pair(&lst, &c, &s), "connected pair");
    /* queued, never polled: the record goes with the next wait */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s, RECEIVE, 20) == 0, "add");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_DEL, s, 0, 0) == 0, "del while queued");
    CHECK(reported_now(p, 20) == 0, "reported after it was deregistered");
    /* forgotten: the same socket registers again, and its poll is in flight */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s, RECEIVE, 21) == 0, "add again");
    CHECK(reported_now(p, 21) == 0, "reported with nothing to read");
    /* adding SEND cancels that poll in the next wait: deregister before (or just after) the
       cancellation completes, then make it readable: nothing may be reported for it */
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_MOD, s, RECEIVE | SEND, 21) == 0, "mod");
    event evs[8];
    CHECK(wait_once(p, evs, 8, 0) >= 0, "the wait that cancels");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_DEL, s, 0, 0) == 0, "del while cancelling");
    CHECK(pants_ws_send(c, "x", 1) == 1, "send");
    CHECK(reported_now(p, 21) == 0, "reported after it was deregistered while cancelling");
    /* close waits for every completion: a record freed too early or never would show here */
    CHECK(pants_iocp_close(p) == 0, "close: a cancelled poll's completion did not arrive");
    close_pair(lst, c, s);
}

static void test_completed_before_its_cancellation(int64_t p) {
    current = "a poll that completed before its cancellation still reports its bits";
    int64_t lst, c, s;
    CHECK(listener_and_pair(&lst, &c, &s), "connected pair");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, s, RECEIVE, 22) == 0, "add");
    CHECK(reported_now(p, 22) == 0, "reported with nothing to read");
    /* the poll completes (data arrived) before the wait that would cancel it for the new interest */
    CHECK(pants_ws_send(c, "x", 1) == 1, "send");
    CHECK(ready_within(s, 0), "the byte did not arrive");
    CHECK(pants_iocp_ctl(p, PANTS_IOCP_MOD, s, RECEIVE | SEND, 22) == 0, "mod");
    int64_t bits = wait_for(p, 22, RECEIVE);
    CHECK(bits & RECEIVE, "the completed poll's RECEIVE was lost (bits %llx)", (long long) bits);
    deregister_and_close(p, lst, c, s);
}

#define PAIRS 100

static void test_many_sockets(void) {
    current = "many sockets (100 connections, half of them sent to)";
    static int64_t clients[PAIRS], servers[PAIRS];
    static int seen[PAIRS];
    int64_t p = pants_iocp_create();
    CHECK(p > 0, "create");
    uint16_t port;
    int64_t lst = listener(&port);
    for (int i = 0; i < PAIRS; i++) {
        CHECK(pair(lst, port, &clients[i], &servers[i]), "pair %d", i);
        CHECK(pants_iocp_ctl(p, PANTS_IOCP_ADD, servers[i], RECEIVE | DISCONNECT, 1000 + i) == 0, "add %d", i);
    }
    int32_t quiet = wait_once(p, (event[8]) {0}, 8, QUIET_MS);
    CHECK(quiet == 0, "%d events before anything was sent", quiet);
    /* every other client sends: exactly those are reported, each with its own data word */
    for (int i = 0; i < PAIRS; i += 2) CHECK(pants_ws_send(clients[i], "x", 1) == 1, "send %d", i);
    int found = 0;
    event evs[256];
    for (int round = 0; round < 20 && found < PAIRS / 2; round++) {
        int32_t n = wait_once(p, evs, 256, WAIT_MS);
        CHECK(n >= 0, "wait: %d", n);
        for (int32_t j = 0; j < n; j++) {
            int64_t i = evs[j].data - 1000;
            CHECK(i >= 0 && i < PAIRS, "unknown data word %lld", (long long) evs[j].data);
            CHECK(i % 2 == 0, "socket %lld was reported but nothing was sent to it", (long long) i);
            char b;
            if (!seen[i]) {
                CHECK(pants_ws_recv(servers[i], &b, 1) == 1, "recv %lld", (long long) i);
                seen[i] = 1;
                found++;
            }
        }
    }
    CHECK(found == PAIRS / 2, "%d of %d sockets reported", found, PAIRS / 2);
    for (int i = 0; i < PAIRS; i++) {
        pants_iocp_ctl(p, PANTS_IOCP_DEL, servers[i], 0, 0);
        pants_ws_close(servers[i]);
        pants_ws_close(clients[i]);
    }
    CHECK(pants_iocp_close(p) == 0, "close");
    pants_ws_close(lst);
}

/*
 * Whether AFD polls work at all here: one poll on a listener with a pending connection. Under
 * an emulation without IOCTL_AFD_POLL this is where it shows, and it is said plainly.
 */
static int afd_poll_works(int64_t p) {
    current = "AFD poll support";
    uint16_t port;
    int64_t lst = listener(&port);
    int64_t c = pants_ws_socket(AF_INET);
    if (lst < 0 || c < 0 || start_connect(c, port) < 0) {
        printf("SKIP the loopback sockets for the probe could not be made\n");
        return 0;
    }
    int32_t r = pants_iocp_ctl(p, PANTS_IOCP_ADD, lst, ACCEPT, 99);
    int64_t bits = r == 0 ? wait_for(p, 99, ACCEPT | POLL_FAILED) : 0;
    pants_iocp_ctl(p, PANTS_IOCP_DEL, lst, 0, 0);
    pants_ws_close(c);
    pants_ws_close(lst);
    if (r < 0 || !(bits & ACCEPT)) {
        char msg[256];
        pants_strerror(r < 0 ? -r : 0, msg, sizeof msg);
        printf("UNSUPPORTED IOCTL_AFD_POLL does not work here: %s (ctl %d, bits %llx)\n",
               r < 0 ? msg : "the poll never reported a pending connection", r, (long long) bits);
        return 0;
    }
    printf("ok   %s\n", current);
    return 1;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (pants_ws_startup() != 0) { printf("FAIL WSAStartup\n"); return 1; }
    int32_t k[PANTS_IOCP_COUNT];
    int32_t count = pants_iocp_constants(k, PANTS_IOCP_COUNT);
    if (count != PANTS_IOCP_COUNT) { printf("FAIL pants_iocp_constants exported %d values\n", count); return 1; }
    RECEIVE = k[PANTS_IOCP_AFD_POLL_RECEIVE]; SEND = k[PANTS_IOCP_AFD_POLL_SEND];
    DISCONNECT = k[PANTS_IOCP_AFD_POLL_DISCONNECT]; ABORT = k[PANTS_IOCP_AFD_POLL_ABORT];
    CONNECT = k[PANTS_IOCP_AFD_POLL_CONNECT]; ACCEPT = k[PANTS_IOCP_AFD_POLL_ACCEPT];
    CONNECT_FAIL = k[PANTS_IOCP_AFD_POLL_CONNECT_FAIL]; POLL_FAILED = k[PANTS_IOCP_FAILED_POLL];
    (void) ABORT;

    int64_t p = pants_iocp_create();
    if (p < 0) {
        char msg[256];
        pants_strerror((int32_t) -p, msg, sizeof msg);
        printf("UNSUPPORTED the poller cannot be created (no \\Device\\Afd?): %s (%lld)\n", msg, (long long) p);
        return 2;
    }
    if (!afd_poll_works(p)) return 2;
    RUN(test_contract_exports());
    RUN(test_accept_and_connect(p));
    RUN(test_connect_refused(p));
    RUN(test_read_readiness_and_eof(p));
    RUN(test_write_readiness(p));
    RUN(test_interest_change(p));
    RUN(test_gathered_send(p));
    RUN(test_completed_before_its_cancellation(p));
    int32_t closed = pants_iocp_close(p);
    current = "close with nothing in flight";
    if (closed != 0) { failures++; printf("FAIL %s: %d\n", current, closed); } else printf("ok   %s\n", current);
    RUN(test_wake_from_another_thread());
    RUN(test_cancel_on_close());
    RUN(test_deregister_in_every_state());
    RUN(test_many_sockets());
    printf(failures ? "%d FAILED\n" : "all passed\n", failures);
    return failures ? 1 : 0;
}
