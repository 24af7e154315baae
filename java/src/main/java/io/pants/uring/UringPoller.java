// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.BatchWriter;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Errors;
import io.pants.posix.Iovec;
import io.pants.posix.PosixPoller;
import io.pants.posix.PosixSocket;
import io.pants.posix.PosixStream;
import io.pants.posix.ReadArena;
import io.pants.posix.Sendfile;
import io.pants.posix.Shim;
import io.pants.posix.ShimSyscalls;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;
import io.pants.posix.SocketIo;
import io.pants.posix.Syscalls;
import io.pants.posix.TurnMemory;
import io.pants.spi.BackendLog;
import io.pants.spi.DatagramQueue;
import io.pants.spi.FileRegion;
import io.pants.spi.OutboundQueue;
import io.pants.spi.PollerSocket;
import io.pants.spi.ReadyHandler;
import io.pants.spi.StreamSocket;
import io.pants.spi.WriteBatch;
import io.pants.uring.Registration.Role;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Linux io_uring behind the readiness SPI, with the kernel doing the work where it can:
 * <ul>
 *   <li>a listener has one multishot accept in flight while it accepts; the engine's
 *       {@code accept()} takes the descriptors it completed with;
 *   <li>a stream has one multishot receive in flight while it reads, into the ring's provided
 *       buffers: each completion is handed to the engine ({@link ReadyHandler#received}) straight
 *       from its buffer, which goes back to the kernel with the next turn; at most epoll's read
 *       budget a turn, the rest kept for the next;
 *   <li>a datagram socket has a multishot recvmsg in flight, into buffers of their own, which
 *       the engine's {@code receive()} takes, and its queued datagrams go out as a chain of
 *       linked sendmsg operations submitted with the turn's wait ({@link UringDatagrams});
 *       {@code Datagram.flush()} sends at once (sendmmsg, as epoll's);
 *   <li>a stream's queued chunks go out as one send (a sendmsg when there are several),
 *       submitted with the turn's wait, and a file by path as a ring read linked to a send
 *       ({@link UringFileSends}); the completion consumes them from the queue and tells the
 *       engine ({@link ReadyHandler#sent}).
 *       {@code Stream.flush()} writes at once ({@link #flushNow}, writev as epoll's);
 *   <li>connect, shutdown and close are operations in the ring (connect and close submitted at
 *       once; a close cancels everything in flight on the descriptor first, hard-linked);
 *   <li>what is still readiness (WRITE interest after a send found the socket full, a stream
 *       or datagram socket that does not read, for its hang-up or error) is a poll (see
 *       {@link #syncPoll}).
 * </ul>
 * A turn is one {@code io_uring_enter}: the operations collected since the last one, the
 * buffers given back, the wait and the completions copied out ({@link UringRing}).
 *
 * <p>Every operation's user data is {@code kind | generation | token} ({@link #userData}): a
 * registration gets a new generation, so a completion of a closed socket's operation that
 * arrives after its token was given to another socket is recognised and dropped (its buffer
 * given back, its accepted descriptor closed), never delivered to the new owner.
 */
final class UringPoller implements PosixPoller {
    /**
     * What an operation was, in the top four bits of its user data. CANCEL is a cancel or a
     * poll's update, whose targets' completions tell what happened; SLOT puts a socket in its
     * registered-file slot or empties it, with a completion only when that failed.
     */
    static final int POLL = 1, RECV = 2, ACCEPT = 3, CONNECT = 4, SHUTDOWN = 5, CLOSE = 6, WAKE = 7, CANCEL = 8,
            SLOT = 9, SEND = 10, RECVMSG = 11, FILE_READ = 12, FILE_SEND = 13, FILE_CANCEL = 14, DATAGRAM_SEND = 15;
    private static final int KIND_SHIFT = 60, GENERATION_SHIFT = 28;
    /** The provided-buffer group of streams' receives. */
    private static final int BUFFER_GROUP = UringRing.STREAM_GROUP;
    /** Bytes handed to a stream per turn, at most: as much as epoll reads of it (the rest waits). */
    private static final int READ_BUDGET = ReadArena.READ_MAX;

    private final String name;
    private final UringConstants constants;
    final SocketConstants sockets;
    final Syscalls sys;
    private final Sockaddr sockaddr;
    private final SocketIo io;
    private final BatchWriter writer;
    private final MessageArena messages;
    private final WriteBatch unregistered = new WriteBatch();
    private final UringRing ring;
    /** The ring's registered-file slots: a stream whose token is below this is in the slot of that number. */
    private final int fixedFiles;
    private final UringFileSends files;
    private final UringDatagrams datagrams;
    private final int wakeFd;
    private final Memory wakeBuffer = new Memory(8);
    private final Memory scratch = new Memory(256);
    private final ByteBuffer scratchView = TurnMemory.view(scratch);
    private final long scratchAddr = Pointer.nativeValue(scratch);
    private volatile boolean closed;
    private boolean wakeArmed;

    private Registration[] byToken = new Registration[64];
    private final ArrayList<Registration> changed = new ArrayList<>();
    /** Listeners and datagram sockets holding what the engine has not taken yet: told again next turn. */
    private final ArrayList<Registration> backlogged = new ArrayList<>();
    /** Streams holding receive completions beyond their budget: delivered next turn, which does not block. */
    private final ArrayList<Registration> deferred = new ArrayList<>();
    /** Sockets whose connect is in flight and that are not registered yet, with the connect's generation. */
    private final Map<PosixSocket, Integer> connecting = new IdentityHashMap<>();
    /** Registrations whose connect is in flight, by the connect's generation (its user data has no token yet). */
    private final Map<Integer, Registration> connects = new HashMap<>();
    private int nextGeneration;
    /** The last turn filled the completion array: more may be waiting, so the next one does not block. */
    private boolean moreWaiting;
    private final UringStats stats = new UringStats();

    UringPoller(String name, UringConstants constants, UringRing ring, boolean linkedFileSends, int fixedFiles) throws IOException {
        this.name = name;
        this.constants = constants;
        this.sockets = SocketConstants.fromShim();
        DatagramConstants layout = DatagramConstants.fromShim();
        this.sys = new ShimSyscalls(layout.sockDgram);
        this.sockaddr = Sockaddr.linux(sockets);
        this.io = new SocketIo(name, sys, sockets, sockaddr, layout, Iovec.fromShim(), 0, Sendfile.Kind.LINUX, false, null);
        this.io.queueThrough(new Queue());
        this.writer = new BatchWriter(io);
        this.messages = new MessageArena(layout, Iovec.fromShim());
        this.ring = ring;
        int slots = fixedFiles > 0 ? ring.registerFiles(fixedFiles) : 0;
        if (slots < 0) {
            BackendLog.LOG.log(System.Logger.Level.DEBUG, () -> "io_uring: no registered files ("
                    + Errors.exception(slots, "io_uring_register", sys, sockets).getMessage() + "); operations name descriptors");
        }
        this.fixedFiles = Math.max(slots, 0);
        this.files = new UringFileSends(this, ring, constants, stats, linkedFileSends);
        this.datagrams = new UringDatagrams(this, ring, constants, stats, sockets, sockaddr, io, layout);
        int ev = UringShim.pants_uring_eventfd();
        if (ev < 0) {
            ring.close();
            throw Errors.exception(ev, "eventfd", sys, sockets);
        }
        wakeFd = ev;
    }

    @Override
    public String name() { return name; }

    @Override
    public String description() { return "io_uring through the native shim " + Shim.location(); }

    /** What the ring did that the tests of its faults look for. */
    UringStats stats() { return stats; }

    /** The io_uring_enter calls the ring made so far. Loop thread only. */
    long systemCalls() { return ring.enters(); }

    static long userData(int kind, int generation, int token) {
        return ((long) kind << KIND_SHIFT) | ((generation & 0xffffffffL) << GENERATION_SHIFT) | token;
    }

    private static int kind(long userData) { return (int) (userData >>> KIND_SHIFT); }

    private static int generation(long userData) { return (int) (userData >>> GENERATION_SHIFT); }

    private static int token(long userData) { return (int) userData & MAX_TOKEN; }

    // ---------------------------------------------------------------- sockets

    /** Linux spreads new connections among the listening sockets bound to one port with SO_REUSEPORT. */
    @Override
    public boolean kernelBalancesListeners() { return true; }

    /** Another io_uring poller's stream sockets, accepted and never registered, are taken over as they are ({@link PosixPoller#adopt}): registered here, this ring takes them on. */
    @Override
    public SocketIo socketIo() { return io; }

    /** A socket whose connect is an operation of the ring, submitted once it is registered. */
    @Override
    public StreamSocket connect(SocketAddress remote) throws IOException {
        if (remote instanceof InetSocketAddress isa && isa.isUnresolved()) {
            throw new IllegalArgumentException("resolve " + isa.getHostString() + " before connecting");
        }
        int family = sockaddr.family(remote);
        int fd = sys.socket(family);
        if (fd < 0) throw Errors.exception(fd, "socket", sys, sockets);
        int length;
        try {
            length = sockaddr.encode(scratchView, remote, family);
        } catch (IllegalArgumentException e) {
            sys.close(fd);
            throw new IOException(e.getMessage(), e);
        }
        // submitted now, not with the next turn: connect() starts connecting, as the SPI says.
        // The kernel copies the address at submission. The socket has no token yet, so the
        // completion is found by its generation, which the registration takes over.
        int generation = ++nextGeneration;
        int rc = ring.submitNow(userData(CONNECT, generation, 0), constants.opConnect, fd, scratchAddr, length);
        if (rc < 0) {
            sys.close(fd);
            throw Errors.exception(rc, "io_uring connect to " + remote, sys, sockets);
        }
        PosixStream s = io.adopt(fd, family, remote);
        connecting.put(s, generation);
        return s;
    }


    // ---------------------------------------------------------------- interest

    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) {
        PosixSocket s = (PosixSocket) socket;
        s.token = token;
        s.wanted = interest;
        Integer connect = connecting.remove(s);
        Role role = readOnReady ? Role.STREAM : s.isDatagram() ? Role.DATAGRAM : s.remoteAddress() == null ? Role.LISTENER : Role.PLAIN;
        Registration r = new Registration(s, token, connect != null ? connect : ++nextGeneration, role);
        r.wanted = interest;
        if (connect != null) {
            r.connectPending = true;
            connects.put(connect, r);
        }
        if (token >= byToken.length) byToken = Arrays.copyOf(byToken, Math.max(token + 1, byToken.length * 2));
        byToken[token] = r;
        if (role == Role.STREAM && token < fixedFiles) {
            // a stream's operations name its slot: no descriptor lookup, nor file reference taken
            // and dropped, per operation. Its token is free for the slot: a closed socket's
            // token is given again only after its close emptied the slot, which is queued first.
            r.slot = token;
            add(userData(SLOT, r.generation, token), constants.opInstall, s.fd, 0, token);
        }
        queue(r);
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        PosixSocket s = (PosixSocket) socket;
        s.wanted = interest;
        Registration r = registration(s);
        if (r == null || r.wanted == interest) return;
        r.wanted = interest;
        queue(r);
    }

    private Registration registration(PosixSocket s) {
        int t = s.token;
        if (t < 0 || t >= byToken.length) return null;
        Registration r = byToken[t];
        return r != null && r.socket == s ? r : null;
    }

    /** Whether {@code r} is still registered (not closed since). */
    boolean isLive(Registration r) { return byToken[r.token] == r; }

    /** Has {@code r}, holding what the engine has not taken, told of it again next turn. */
    void backlog(Registration r) {
        if (!backlogged.contains(r)) backlogged.add(r);
    }

    void queue(Registration r) {
        if (!r.queued) {
            r.queued = true;
            changed.add(r);
        }
    }

    /** Turns each changed registration's wishes into the operations that get it there. */
    private void collectChanges() {
        for (int i = 0; i < changed.size(); i++) {
            Registration r = changed.get(i);
            r.queued = false;
            if (byToken[r.token] != r) continue; // closed since
            sync(r);
        }
        changed.clear();
    }

    private void sync(Registration r) {
        int fd = r.socket.fd;
        if (r.connectPending) return; // nothing else until the connect completes
        if (r.shutdownQueued) {
            r.shutdownQueued = false;
            addOn(r, userData(SHUTDOWN, r.generation, r.token), constants.opShutdown, 0, sockets.shutWr);
        }
        int poll;
        switch (r.role) {
            case LISTENER -> {
                boolean want = (r.wanted & READ) != 0;
                // descriptors accepted while accepting was paused are announced again
                if (want && r.hasBacklog()) backlog(r);
                if (want && !r.acceptArmed) {
                    r.acceptArmed = true;
                    stats.acceptsArmed++;
                    add(userData(ACCEPT, r.generation, r.token), constants.opAccept, fd, 0, 0);
                } else if (!want && r.acceptArmed && !r.acceptCancelling) {
                    r.acceptCancelling = true;
                    add(userData(CANCEL, r.generation, r.token), constants.opCancel, -1, userData(ACCEPT, r.generation, r.token), 0);
                }
                poll = 0;
            }
            case STREAM -> {
                boolean want = (r.wanted & READ) != 0;
                if (want && !r.recvArmed) {
                    r.recvArmed = true;
                    addOn(r, userData(RECV, r.generation, r.token), constants.opRecv, 0, BUFFER_GROUP);
                } else if (!want && r.recvArmed && !r.recvCancelling) {
                    r.recvCancelling = true;
                    add(userData(CANCEL, r.generation, r.token), constants.opCancel, -1, userData(RECV, r.generation, r.token), 0);
                }
                // the receive reports end of stream and errors; without it, a poll does, as
                // epoll reports EPOLLHUP and EPOLLERR whatever the interest
                // while a send is in flight its completion says when to write again
                poll = ((r.wanted & WRITE) != 0 && !r.sending ? constants.pollOut : 0) | (want ? 0 : constants.pollErr | constants.pollHup);
            }
            case DATAGRAM -> {
                boolean want = datagrams.syncReceive(r);
                // the receive reports errors (a refused earlier send); without it a poll does,
                // which Datagram answers with takeError(), as under epoll
                poll = ((r.wanted & WRITE) != 0 ? constants.pollOut : 0) | (want ? 0 : constants.pollErr);
            }
            default -> poll = ((r.wanted & READ) != 0 ? constants.pollIn | constants.pollRdHup : 0) | ((r.wanted & WRITE) != 0 ? constants.pollOut : 0)
                    | constants.pollErr | constants.pollHup;
        }
        syncPoll(r, poll);
    }

    /**
     * Gets the poll in flight to {@code mask}. Polls are one-shot, re-armed while wanted:
     * level-triggered, as epoll's. But the kernel wakes io_uring's polls on POLLRDHUP whatever
     * the mask, so on a socket whose peer half-closed a one-shot poll completes at once, every
     * turn, with nothing asked for. There the poll becomes multishot, a completion per wake-up
     * (edge-triggered): for POLLOUT, that the socket was full when it completed says the next
     * wake-up is the one that makes room, after which it is one-shot again; a poll for hang-up
     * and error alone is multishot from the start, as they are acted on when first reported.
     */
    private void syncPoll(Registration r, int mask) {
        if (r.pollCancelling || mask == r.pollMask) return; // a cancel in flight: its completion queues the registration again
        long poll = userData(POLL, r.generation, r.token);
        boolean multishot = r.role == Role.STREAM && ((mask & constants.pollOut) == 0 || r.pollEdge);
        if (r.pollMask != 0 && (mask == 0 || multishot != r.pollMulti)) {
            r.pollCancelling = true;
            add(userData(CANCEL, r.generation, r.token), constants.opCancel, -1, poll, 0);
            return;
        }
        if (r.pollMask == 0) {
            addOn(r, poll, multishot ? constants.opPollMulti : constants.opPoll, 0, mask);
        } else {
            // if the poll fired meanwhile the update finds nothing (-ENOENT), and the poll's own
            // completion, still to come, re-arms it
            add(userData(CANCEL, r.generation, r.token), multishot ? constants.opPollUpdateMulti : constants.opPollUpdate, -1, poll, mask);
        }
        r.pollMask = mask;
        r.pollMulti = multishot;
    }

    void add(long userData, int op, int fd, long addr, long arg) {
        warnIfRefused(ring.add(userData, op, fd, addr, arg));
    }

    /** Adds an operation on {@code r}'s socket: on its registered-file slot when it has one, else on its descriptor. */
    private void addOn(Registration r, long userData, int op, long addr, long arg) {
        if (r.slot >= 0) add(userData, op | constants.opFixedFile, r.slot, addr, arg);
        else add(userData, op, r.socket.fd, addr, arg);
    }

    void warnIfRefused(int r) {
        if (r < 0) BackendLog.LOG.log(System.Logger.Level.WARNING, "io_uring submission failed: "
                + Errors.exception(r, "io_uring_enter", sys, sockets).getMessage());
    }

    // ---------------------------------------------------------------- the turn

    @Override
    public int poll(long timeoutNanos, ReadyHandler handler) throws IOException {
        if (closed) throw new IOException("the io_uring poller is closed");
        collectChanges();
        if (!wakeArmed) {
            wakeArmed = true;
            add(userData(WAKE, 0, 0), constants.opRead, wakeFd, Pointer.nativeValue(wakeBuffer), 8);
        }
        backlogged.removeIf(r -> byToken[r.token] != r || !r.hasBacklog() || (r.wanted & READ) == 0);
        boolean backlog = !backlogged.isEmpty() || !deferred.isEmpty();
        long timeout = moreWaiting || backlog ? 0 : timeoutNanos;
        int n = ring.turn(timeout);
        messages.reset();
        if (n < 0) throw Errors.exception(n, "io_uring_enter", sys, sockets);
        moreWaiting = n == ring.maxCompletions;
        if (moreWaiting) {
            // the completion array is full: the kernel may hold more in its overflow list
            // (IORING_FEAT_NODROP), which the next turn, not blocking, moves into the ring
            long state = ring.state();
            if (((int) state & constants.sqCqOverflow) != 0) stats.overflows++;
            stats.dropped = (int) (state >>> 32);
        }
        int delivered = 0;
        if (backlog) delivered += deliverBacklog(handler);
        stats.turns++;
        if (!deferred.isEmpty()) delivered += deliverDeferred(handler);
        // receives last: a send's completion in the same batch first makes room in its queue, so
        // that what the receives bring does not cross the high water mark only because the
        // kernel's answer to the send came second (epoll's writes are done before its reads)
        for (int i = 0; i < n; i++) {
            if (kind(ring.userData(i)) != RECV) delivered += dispatch(ring.userData(i), ring.result(i), ring.flags(i), handler);
        }
        for (int i = 0; i < n; i++) {
            if (kind(ring.userData(i)) == RECV) delivered += dispatch(ring.userData(i), ring.result(i), ring.flags(i), handler);
        }
        delivered += datagrams.announce(handler);
        return delivered;
    }

    /** Listeners whose accepted descriptors the engine left (it takes a bounded number per event) hear of them again. */
    private int deliverBacklog(ReadyHandler handler) {
        Registration[] list = backlogged.toArray(new Registration[0]);
        backlogged.clear();
        int delivered = 0;
        for (Registration r : list) {
            if (byToken[r.token] != r || !r.hasBacklog() || (r.wanted & READ) == 0) continue;
            handler.ready(r.token, READ);
            delivered++;
            if (byToken[r.token] == r && r.hasBacklog() && (r.wanted & READ) != 0) backlog(r);
        }
        return delivered;
    }

    private int dispatch(long userData, int res, int flags, ReadyHandler handler) {
        int kind = kind(userData);
        if (kind == WAKE) {
            wakeArmed = false;
            return 0;
        }
        if (kind == FILE_CANCEL) {
            files.cancelEnded(generation(userData), res);
            return 0;
        }
        if (kind == CANCEL || kind == CLOSE) return 0; // their targets' completions tell
        if (kind == SLOT) {
            // only a failure completes (ENOMEM): the socket's operations then fail with EBADF,
            // which the engine reports as the stream's error
            stats.slotFailures++;
            warnIfRefused(res);
            return 0;
        }
        boolean more = (flags & constants.cqeMore) != 0;
        int buffer = (flags & constants.cqeBuffer) != 0 ? flags >>> constants.bufferShift : -1;
        int token = token(userData);
        Registration r = kind == CONNECT ? connects.remove(generation(userData)) : token < byToken.length ? byToken[token] : null;
        if (r != null && byToken[r.token] != r) r = null;
        if (r == null || r.generation != generation(userData)) {
            // a closed socket's: nobody may see it
            stats.stale++;
            if (buffer >= 0) {
                if (kind == RECVMSG) ring.giveBackDatagram(buffer);
                else ring.giveBack(buffer);
            }
            if (kind == ACCEPT && res >= 0) sys.close(res);
            if (kind == FILE_READ || kind == FILE_SEND) files.opEnded(generation(userData), kind);
            if (kind == DATAGRAM_SEND) datagrams.retiredSendCompleted(generation(userData), res);
            return 0;
        }
        switch (kind) {
            case RECV -> {
                return received(r, res, more, buffer, handler);
            }
            case ACCEPT -> {
                return accepted(r, res, more, handler);
            }
            case POLL -> {
                return polled(r, res, more, handler);
            }
            case CONNECT -> {
                r.connectPending = false;
                if (res < 0) r.socket.reportedError = -res; // finishConnect() reports it: SO_ERROR was consumed
                queue(r);
                handler.ready(r.token, WRITE | (res < 0 ? ERROR : 0));
                return 1;
            }
            case SEND -> {
                return sent(r, res, handler);
            }
            case RECVMSG -> {
                return datagrams.received(r, res, more, buffer);
            }
            case FILE_READ -> {
                return files.readCompleted(r, res, handler);
            }
            case FILE_SEND -> {
                return files.sendCompleted(r, res, handler);
            }
            case DATAGRAM_SEND -> {
                return datagrams.sendCompleted(r, res, handler);
            }
            case SHUTDOWN -> {
                if (res < 0 && res != -sockets.eNotConn) {
                    handler.receiveEnded(r.token, Errors.exception(res, "shutdown", sys, sockets));
                    return 1;
                }
                return 0;
            }
            default -> {
                return 0;
            }
        }
    }

    private int received(Registration r, int res, boolean more, int buffer, ReadyHandler handler) {
        if (!more) {
            r.recvArmed = false;
            r.recvCancelling = false;
            queue(r); // re-armed with the next turn if reading is still wanted
        }
        boolean event = res >= 0 || (res != -constants.eNoBufs && res != -constants.eCanceled);
        if (event && (r.deferredCount() > 0 || overBudget(r, res))) {
            // kept, buffer and all, for the next turn: in order after what is kept already
            r.defer(buffer, res);
            if (r.deferredCount() == 1) deferred.add(r);
            return 0;
        }
        return deliver(r, res, buffer, handler);
    }

    /**
     * A stream gets at most {@link #READ_BUDGET} bytes a turn, as epoll reads at most that much
     * of it: the rest of what its receive brought waits, so that one busy peer can't starve
     * the others' callbacks, nor fill its queue past the high water mark in one turn.
     */
    private boolean overBudget(Registration r, int res) {
        if (r.budgetTurn != stats.turns) {
            r.budgetTurn = stats.turns;
            r.budgetUsed = 0;
        }
        if (r.budgetUsed >= READ_BUDGET) return true;
        if (res > 0) r.budgetUsed += res;
        return false;
    }

    /** What streams kept from earlier turns, within this turn's budget. */
    private int deliverDeferred(ReadyHandler handler) {
        Registration[] list = deferred.toArray(new Registration[0]);
        deferred.clear();
        int delivered = 0;
        for (Registration r : list) {
            while (r.deferredCount() > 0) {
                boolean live = byToken[r.token] == r;
                if (live && overBudget(r, r.deferredResult())) break;
                int buffer = r.deferredBuffer(), res = r.deferredResult();
                r.undefer();
                if (live) delivered += deliver(r, res, buffer, handler);
                else if (buffer >= 0) ring.giveBack(buffer);
            }
            if (r.deferredCount() > 0) {
                deferred.add(r);
            } else if (r.heldReadiness != 0 && byToken[r.token] == r) {
                int held = r.heldReadiness & (HANGUP | ERROR | ((r.wanted & READ) != 0 ? READ : 0));
                r.heldReadiness = 0;
                if (held != 0) {
                    handler.ready(r.token, held);
                    delivered++;
                }
            }
        }
        return delivered;
    }

    private int deliver(Registration r, int res, int buffer, ReadyHandler handler) {
        if (res > 0) {
            stats.receives++;
            try {
                handler.received(r.token, ring.buffer(buffer, res));
            } finally {
                ring.giveBack(buffer);
            }
            return 1;
        }
        if (buffer >= 0) ring.giveBack(buffer);
        if (res == 0) {
            handler.receiveEnded(r.token, null);
            return 1;
        }
        if (res == -constants.eNoBufs) {
            // every buffer is out: the bytes wait in the socket, and the receive is re-armed
            // with the next turn, which gives this turn's buffers back first
            stats.noBuffers++;
            return 0;
        }
        if (res == -constants.eCanceled) {
            stats.cancelled++;
            return 0;
        }
        handler.receiveEnded(r.token, Errors.exception(res, "recv", sys, sockets));
        return 1;
    }

    private int accepted(Registration r, int res, boolean more, ReadyHandler handler) {
        if (!more) {
            r.acceptArmed = false;
            r.acceptCancelling = false;
            queue(r);
        }
        if (res >= 0) {
            r.accepted.push(res);
        } else if (res == -constants.eCanceled) {
            stats.cancelled++;
            return 0;
        } else if (res == -constants.eMFile || res == -constants.eNFile || res == -sockets.eNoMem || res == -constants.eNoBufs) {
            stats.acceptExhausted++;
            r.acceptError = res; // after the descriptors already accepted; the engine pauses accepting
        } else {
            return 0; // the connection died in the backlog (ECONNABORTED) and the like: the accept goes on
        }
        if ((r.wanted & READ) == 0) return 0;
        handler.ready(r.token, READ);
        if (byToken[r.token] == r && r.hasBacklog()) backlog(r);
        return 1;
    }

    private int polled(Registration r, int res, boolean more, ReadyHandler handler) {
        int asked = r.pollMask;
        // the kernel reports POLLRDHUP whether asked or not (a half-close is no hang-up unless asked)
        if (res > 0) res &= asked | constants.pollErr | constants.pollHup;
        if (!more) {
            r.pollMask = 0;
            r.pollMulti = false;
            r.pollCancelling = false;
            queue(r); // re-armed with the next turn while the interest lasts
        }
        if (res < 0) return 0; // cancelled
        if ((asked & constants.pollOut) != 0) {
            if (res == 0 && !more) r.pollEdge = true; // woken by POLLRDHUP while full: wait for a wake-up that makes room
            else if ((res & constants.pollOut) != 0 && r.pollEdge) {
                r.pollEdge = false; // room again: back to level-triggered
                if (more && !r.pollCancelling) {
                    r.pollCancelling = true;
                    add(userData(CANCEL, r.generation, r.token), constants.opCancel, -1, userData(POLL, r.generation, r.token), 0);
                }
            }
        }
        if (res == 0) return 0;
        int ready = ((res & (constants.pollIn)) != 0 && (r.wanted & READ) != 0 ? READ : 0)
                | ((res & constants.pollOut) != 0 && (r.wanted & WRITE) != 0 ? WRITE : 0)
                | ((res & (constants.pollHup | constants.pollRdHup)) != 0 ? HANGUP : 0)
                | ((res & constants.pollErr) != 0 ? ERROR : 0);
        if (r.role == Role.STREAM && r.recvArmed) {
            // the receive reports the connection's end; a failed connection fails the flush too
            ready = (r.wanted & WRITE) != 0 ? WRITE : 0;
        } else if (r.role == Role.STREAM && r.deferredCount() > 0) {
            // the engine answers a hang-up by reading the socket itself: what the receive brought
            // and the budget kept must reach it first, or it reads past them to the end of stream
            // and closes, and they are given back unread
            r.heldReadiness |= ready & ~WRITE;
            ready &= WRITE;
        }
        if (ready == 0) return 0;
        handler.ready(r.token, ready);
        return 1;
    }

    // ---------------------------------------------------------------- writes

    /**
     * Submits each stream's queued chunks as one send or sendmsg, to go with the next wait; file
     * regions at a queue's head go first, by sendfile, at once. Nothing is consumed here: the send's
     * completion consumes what it wrote and tells the engine ({@link ReadyHandler#sent}).
     */
    @Override
    public void flushNow(WriteBatch batch) {
        for (int i = 0, size = batch.size(); i < size; i++) {
            Registration r = registration((PosixSocket) batch.socket(i));
            if (r != null && r.sending) continue; // in order after its send, when that completes
            // a file's bytes read but not sent are read again from the region's position, which is theirs
            if (r != null) UringFileSends.forgetBuffered(r);
            unregistered.clear();
            unregistered.add(batch.socket(i), batch.queue(i));
            writer.flush(unregistered);
            if (unregistered.error(0) != null) batch.fail(i, unregistered.error(0));
        }
        unregistered.clear();
    }

    @Override
    public void flush(WriteBatch batch) {
        for (int i = 0, size = batch.size(); i < size; i++) {
            PosixSocket s = (PosixSocket) batch.socket(i);
            Registration r = registration(s);
            if (r == null || r.role != Role.STREAM) {
                unregistered.clear();
                unregistered.add(s, batch.queue(i));
                writer.flush(unregistered);
                if (unregistered.error(0) != null) batch.fail(i, unregistered.error(0));
                continue;
            }
            if (r.sending) continue; // its completion sends what was queued since
            r.sendQueue = batch.queue(i);
            IOException e = send(r);
            if (e != null) batch.fail(i, e);
        }
        unregistered.clear();
    }

    /** Sends the files at the head of the queue, then submits a send (or sendmsg) for the chunks after them. */
    IOException send(Registration r) {
        OutboundQueue q = r.sendQueue;
        FileRegion file = q.headFile();
        if (file != null && file.path() != null) return files.send(r, file);
        try {
            // a caller's FileChannel has no descriptor to read from: copied through memory at once
            if (!io.sendFiles(r.socket, q)) return null; // the socket is full: WRITE interest polls for it
        } catch (IOException e) {
            return e;
        }
        if (q.isEmpty()) return null;
        if (messages.isFull()) {
            ring.submitQueued(); // the records queued so far go to the kernel before they are reused
            messages.reset();
        }
        int chunks = messages.gather(q);
        if (chunks == 0) return null;
        r.sending = true;
        if (chunks == 1) addOn(r, userData(SEND, r.generation, r.token), constants.opSend, messages.firstAddress(), messages.firstLength());
        else addOn(r, userData(SEND, r.generation, r.token), constants.opSendmsg, messages.message(), 0);
        messages.release();
        return null;
    }

    private int sent(Registration r, int res, ReadyHandler handler) {
        r.sending = false;
        IOException error;
        if (res == -sockets.eAgain) {
            // The socket is non-blocking (the engine's own calls need it), and a send the kernel
            // retried after a wake-up that left it full ends so: WRITE interest polls for room.
            stats.sendsRefused++;
            queue(r);
            return 0;
        }
        if (res < 0) {
            error = Errors.exception(res, "sendmsg", sys, sockets);
        } else {
            stats.sends++;
            r.sendQueue.consume(res);
            error = send(r); // what was queued meanwhile, or the rest of a partial send
        }
        if (!r.sending) queue(r); // WRITE interest polls again if something is left
        handler.sent(r.token, error);
        return 1;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void wakeup() {
        if (!closed) UringShim.pants_eventfd_signal(wakeFd);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ring.close(); // cancels what is in flight
        sys.close(wakeFd);
        for (Registration r : byToken) {
            if (r == null) continue;
            while (!r.accepted.isEmpty()) sys.close(r.accepted.pop());
            UringDatagrams.release(r);
        }
        connecting.clear();
        connects.clear();
        files.close();
        wakeBuffer.close();
        datagrams.close();
        scratch.close();
        writer.close();
        messages.close();
        io.close();
    }

    /** The calls {@link SocketIo} leaves to the ring. */
    private final class Queue implements SocketIo.Queued {
        @Override
        public StreamSocket accept(PosixSocket listener) throws IOException {
            Registration r = registration(listener);
            if (r == null) return null;
            if (r.accepted.isEmpty()) {
                int error = r.acceptError;
                if (error == 0) return null;
                r.acceptError = 0;
                throw Errors.exception(error, "accept", sys, sockets);
            }
            int fd = r.accepted.pop();
            // multishot accept has one address buffer for all its connections: ask the socket
            long lenPtr = sockaddr.prepareReturn(scratchView, scratchAddr);
            SocketAddress remote = UringShim.pants_getpeername(fd, scratchAddr, lenPtr) < 0 ? null : sockaddr.decodeReturned(scratchView);
            return io.adopt(fd, listener.family, remote);
        }

        @Override
        public void shutdownOutput(PosixSocket s) {
            Registration r = registration(s);
            if (r == null || closed) {
                sys.shutdown(s.fd, sockets.shutWr);
                return;
            }
            r.shutdownQueued = true;
            queue(r); // with the next turn; a close before then sends it first
        }

        @Override
        public int receive(PosixSocket s, io.pants.spi.DatagramSink sink, int max) throws IOException {
            Registration r = registration(s);
            return r == null ? 0 : datagrams.take(r, sink, max);
        }

        @Override
        public boolean send(PosixSocket s, DatagramQueue q) {
            Registration r = registration(s);
            if (r == null || closed) return false;
            datagrams.send(r, q);
            return true;
        }

        @Override
        public void close(PosixSocket s) {
            Integer connect = connecting.remove(s);
            Registration r = registration(s);
            if (closed || (r == null && connect == null)) {
                sys.close(s.fd);
                return;
            }
            if (r == null) { // connecting, never registered: the connect in flight is cancelled
                closeAfterCancel(connect, 0, s.fd);
                return;
            }
            if (r.connectPending) connects.remove(r.generation);
            byToken[r.token] = null; // from now on, its completions are stale
            while (r.deferredCount() > 0) {
                if (r.deferredBuffer() >= 0) ring.giveBack(r.deferredBuffer());
                r.undefer();
            }
            while (!r.accepted.isEmpty()) sys.close(r.accepted.pop());
            boolean closeLater = files.retire(r, s) | datagrams.retire(r);
            if (r.shutdownQueued) addOn(r, userData(SHUTDOWN, r.generation, r.token), constants.opShutdown, 0, sockets.shutWr);
            // the slot's reference would keep the socket open after its descriptor's close: emptied
            // first, with the close's submission (or the next turn's, when the close waits). What
            // is in flight on the slot holds the file until it ends, as the cancel makes it do.
            if (r.slot >= 0) add(userData(SLOT, r.generation, r.token), constants.opCloseSlot, -1, 0, r.slot);
            if (closeLater) {
                stats.closesDeferred++;
                return;
            }
            closeAfterCancel(r.generation, r.token, s.fd);
        }
    }

    /** Closes {@code fd} through the ring, after cancelling what it has in flight there; at once when the ring refuses. */
    void closeAfterCancel(int generation, int token, int fd) {
        if (ring.submitNow(userData(CLOSE, generation, token), constants.opCancelClose, fd, 0, 0) < 0) sys.close(fd);
    }
}
