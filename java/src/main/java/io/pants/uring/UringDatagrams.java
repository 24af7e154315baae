// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Iovec;
import io.pants.posix.PosixSocket;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;
import io.pants.posix.SocketIo;
import io.pants.posix.TurnMemory;
import io.pants.spi.DatagramQueue;
import io.pants.spi.DatagramSink;
import io.pants.spi.ReadyHandler;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

import static io.pants.spi.Poller.READ;
import static io.pants.uring.UringPoller.CANCEL;
import static io.pants.uring.UringPoller.DATAGRAM_SEND;
import static io.pants.uring.UringPoller.RECVMSG;
import static io.pants.uring.UringPoller.userData;

/**
 * Datagram sockets on io_uring. Each has a multishot recvmsg in flight while it reads, into the
 * datagrams' provided buffers, which the engine's {@code receive()} takes ({@link #take}); a
 * socket that received in a turn's completions is told once, after the whole batch.
 *
 * <p>What the engine queues goes out as a chain of sendmsg operations linked with IOSQE_IO_LINK
 * (MSG_DONTWAIT), up to {@link DatagramChain#MAX_DATAGRAMS} datagrams and
 * {@link DatagramChain#MAX_BYTES} bytes, submitted with the turn's wait: one chain per socket in
 * flight at a time, so the datagrams leave in the order they were written. The kernel sends them
 * one after the other; one it refuses cancels the rest of the chain. When the last completion
 * has come ({@link #sendCompleted}), those sent are consumed, the refused one is dealt with as
 * the synchronous sendmmsg path deals with it ({@code DatagramIo.sendNow}: after datagrams that
 * went, tried again first; at the head, a refusal of an earlier datagram reported once, then the
 * head failed), the cancelled ones put back to go in order in the next chain, submitted at once,
 * and the engine told. A full socket (EAGAIN) ends the sending:
 * the engine then waits for WRITE readiness, as on epoll. A socket that closes with a chain in
 * flight is closed when the chain's last completion has come: the kernel takes each linked
 * operation's descriptor when it starts it, and by then the number could be another socket's.
 * Loop thread only.
 */
final class UringDatagrams implements AutoCloseable {
    /** A datagram buffer: struct io_uring_recvmsg_out (four 32-bit fields), the sender's address, the payload. */
    private static final int NAME_SIZE = 128, RECVMSG_OUT_SIZE = 16;
    static final int PAYLOAD_OFFSET = RECVMSG_OUT_SIZE + NAME_SIZE;
    private static final UnixDomainSocketAddress UNNAMED = UnixDomainSocketAddress.of("");

    private final UringPoller poller;
    private final UringRing ring;
    private final UringConstants constants;
    private final UringStats stats;
    private final SocketConstants sockets;
    private final Sockaddr sockaddr;
    private final SocketIo io;
    private final DatagramConstants layout;
    private final Memory header = new Memory(128);
    /** The last sender's address, decoded once for the datagrams that follow from it. */
    private final byte[] lastSenderName = new byte[NAME_SIZE];
    private int lastSenderLength = -1;
    private SocketAddress lastSender;
    /** Datagram sockets that received in this turn's completions: told after the batch. */
    private final ArrayList<Registration> announce = new ArrayList<>();
    private final Iovec iov;
    /** Datagrams in a chain, at most: {@link DatagramChain#MAX_DATAGRAMS}, or fewer on a ring with fewer submission entries. */
    private final int chainMax;
    /** Spare chains kept, at most: a burst of sockets sending at once leaves no more than these behind. */
    private static final int SPARE_CHAINS = 8;
    /** Chains whose last completion has come, for the next socket to send. */
    private final ArrayDeque<DatagramChain> spareChains = new ArrayDeque<>();
    /** Chains of closed sockets, by the socket's generation, until their last completion. */
    private final Map<Integer, DatagramChain> retiredChains = new HashMap<>();

    UringDatagrams(UringPoller poller, UringRing ring, UringConstants constants, UringStats stats, SocketConstants sockets,
                   Sockaddr sockaddr, SocketIo io, DatagramConstants layout) {
        this.poller = poller;
        this.ring = ring;
        this.constants = constants;
        this.stats = stats;
        this.sockets = sockets;
        this.sockaddr = sockaddr;
        this.io = io;
        this.layout = layout;
        this.iov = Iovec.fromShim();
        this.chainMax = Math.min(DatagramChain.MAX_DATAGRAMS, ring.sqEntries);
        // the one msghdr every datagram socket's multishot recvmsg is made from (the kernel reads
        // it at submission): the sender's address gets NAME_SIZE bytes of each buffer, no control data
        ByteBuffer view = TurnMemory.view(header);
        for (int i = 0; i < view.capacity(); i += 4) view.putInt(i, 0);
        view.putInt(layout.nameLenOffset, NAME_SIZE);
    }

    /** Arms or cancels {@code r}'s multishot recvmsg as the engine's interest asks; true when it reads. */
    boolean syncReceive(Registration r) {
        boolean want = (r.wanted & READ) != 0;
        if (want && !r.recvArmed) {
            r.recvArmed = true;
            poller.add(userData(RECVMSG, r.generation, r.token), constants.opRecvmsg, r.socket.fd, Pointer.nativeValue(header), UringRing.DATAGRAM_GROUP);
        } else if (!want && r.recvArmed && !r.recvCancelling) {
            r.recvCancelling = true;
            poller.add(userData(CANCEL, r.generation, r.token), constants.opCancel, -1, userData(RECVMSG, r.generation, r.token), 0);
        }
        if (want && r.hasBacklog()) poller.backlog(r);
        return want;
    }

    /** A datagram (or a receive error) kept for the engine's receive(), which the READ readiness it gets asks for. */
    int received(Registration r, int res, boolean more, int buffer) {
        if (!more) {
            r.recvArmed = false;
            r.recvCancelling = false;
            poller.queue(r);
        }
        if (buffer >= 0) {
            stats.datagrams++;
            r.datagrams.push(buffer);
        } else if (res == -constants.eNoBufs) {
            stats.noBuffers++; // the datagrams wait in the socket; re-armed with the next turn
            return 0;
        } else if (res == -constants.eCanceled) {
            stats.cancelled++;
            return 0;
        } else if (res < 0) {
            r.datagramError = res;
        } else {
            return 0;
        }
        if (!r.announced) { // told once the whole batch is in: the engine takes many per receive()
            r.announced = true;
            announce.add(r);
        }
        return 0;
    }

    /** Tells the sockets that received in this turn's completions; returns the events delivered. */
    int announce(ReadyHandler handler) {
        if (announce.isEmpty()) return 0;
        Registration[] list = announce.toArray(new Registration[0]);
        announce.clear();
        int delivered = 0;
        for (Registration r : list) {
            r.announced = false;
            if (!poller.isLive(r) || (r.wanted & READ) == 0 || !r.hasBacklog()) continue;
            handler.ready(r.token, READ);
            delivered++;
            // what the engine's bounded receive() left is told again next turn
            if (poller.isLive(r) && r.hasBacklog() && (r.wanted & READ) != 0) poller.backlog(r);
        }
        return delivered;
    }

    /** The engine's receive(): the datagrams the ring received for {@code r}, up to {@code max}. */
    int take(Registration r, DatagramSink sink, int max) throws IOException {
        PosixSocket s = r.socket;
        int n = 0;
        while (n < max && !r.datagrams.isEmpty()) {
            int id = r.datagrams.pop();
            boolean more;
            try {
                ByteBuffer b = ring.datagramBuffer(id);
                int base = b.position();
                int nameLength = b.getInt(base);
                int payloadLength = b.getInt(base + 8);
                int flags = b.getInt(base + 12);
                int room = ring.datagramBufferSize - PAYLOAD_OFFSET;
                boolean truncated = (flags & layout.msgTrunc) != 0 || payloadLength > room;
                SocketAddress sender = sender(s, b, base + RECVMSG_OUT_SIZE, nameLength);
                b.position(base + PAYLOAD_OFFSET).limit(base + PAYLOAD_OFFSET + Math.min(payloadLength, room));
                n++;
                more = sink.datagram(b, sender, truncated);
            } finally {
                ring.giveBackDatagram(id);
            }
            if (!more) break;
        }
        if (n == 0 && r.datagramError != 0) {
            int error = r.datagramError;
            r.datagramError = 0;
            throw io.datagramError(error, "receive on " + s);
        }
        return n;
    }

    private SocketAddress sender(PosixSocket s, ByteBuffer b, int at, int length) {
        if (length <= 0) return s.family == sockets.afUnix ? UNNAMED : s.remoteAddress(); // an unbound Unix peer has no name
        int len = Math.min(length, NAME_SIZE);
        boolean same = len == lastSenderLength;
        for (int i = 0; same && i < len; i++) same = b.get(at + i) == lastSenderName[i];
        if (same) return lastSender;
        b.get(at, lastSenderName, 0, len);
        lastSenderLength = len;
        lastSender = sockaddr.decode(ByteBuffer.wrap(lastSenderName, 0, len).order(ByteOrder.nativeOrder()), len);
        return lastSender;
    }

    // ---------------------------------------------------------------- sending

    /** The engine's send at flush time: a chain for what {@code q} holds, unless one is in flight (its completion sends the rest). */
    void send(Registration r, DatagramQueue q) {
        r.datagramQueue = q;
        if (r.datagramChain != null) return;
        r.refusalReported = false; // as each synchronous send starts afresh
        submit(r);
    }

    /** Submits a chain for the datagrams at the head of {@code r}'s queue; a head that can't be sent at all is failed first. */
    private void submit(Registration r) {
        DatagramQueue q = r.datagramQueue;
        while (!q.isEmpty()) {
            DatagramChain c = spareChains.isEmpty() ? new DatagramChain(layout, iov) : spareChains.pop();
            IOException unsendable = c.fill(r.socket, q, io, chainMax);
            if (c.length == 0) { // the head can't be sent from this socket at all
                recycle(c);
                q.fail(unsendable != null ? unsendable : new IOException("a datagram of " + q.data(0).length
                        + " bytes is larger than the " + DatagramChain.MAX_BYTES + "-byte send area"));
                continue;
            }
            q.submit(c.length);
            r.datagramChain = c;
            stats.datagramChains++;
            stats.datagramChainLongest = Math.max(stats.datagramChainLongest, c.length);
            poller.warnIfRefused(ring.reserve(c.length)); // the chain whole in one submission
            long userData = userData(DATAGRAM_SEND, r.generation, r.token);
            for (int i = 0; i < c.length; i++) {
                int op = i + 1 < c.length ? constants.opSendmsgLink : constants.opSendmsg;
                poller.add(userData, op, r.socket.fd, c.message(i), layout.msgDontWait);
            }
            return;
        }
    }

    private void recycle(DatagramChain c) {
        if (spareChains.size() < SPARE_CHAINS) spareChains.push(c);
        else c.close();
    }

    /** One of a live socket's chained sends completed; the engine hears once the whole chain has. */
    int sendCompleted(Registration r, int res, ReadyHandler handler) {
        DatagramChain c = r.datagramChain;
        if (c == null || !c.completed(res, constants.eCanceled)) return 0;
        r.datagramChain = null;
        DatagramQueue q = r.datagramQueue;
        PosixSocket s = r.socket;
        int sent = Math.min(c.sent, q.size()), error = c.error;
        recycle(c); // before submit, which may take it again
        if (sent > 0) {
            q.consume(sent);
            stats.datagramsSent += sent;
            r.refusalReported = false;
        }
        boolean more = true;
        if (error == -sockets.eAgain) {
            stats.datagramSendsRefused++;
            more = false; // full: the engine waits for WRITE readiness, then sends again
        } else if (error != 0 && sent == 0 && !q.isEmpty()) {
            if (error == -sockets.eConnRefused && !r.refusalReported) {
                // the refusal is the socket's pending error about an earlier datagram; this one was not sent
                q.report(io.datagramError(error, "an earlier datagram sent from " + s + " to " + s.remoteAddress()));
                r.refusalReported = true;
            } else {
                SocketAddress to = q.target(0) != null ? q.target(0) : s.remoteAddress();
                q.fail(io.datagramError(error, "send " + q.data(0).length + " bytes to " + to));
            }
        }
        // After datagrams that went, a failure is left to the next chain, which starts with the
        // failed one, as sendmmsg returns how many went and leaves the error to the next call:
        // that one fails again (too large, say), or goes (a refusal is the socket's pending error
        // about an earlier datagram, which the attempt consumed). Those cancelled follow it.
        q.putBack();
        if (more) submit(r);
        handler.sent(r.token, null);
        return 1;
    }

    /**
     * A datagram socket closes: the datagrams it did not take go back to the kernel. Returns
     * true when its descriptor must stay open until its chain in flight has completed
     * ({@link #retiredSendCompleted} closes it then).
     */
    boolean retire(Registration r) {
        while (!r.datagrams.isEmpty()) ring.giveBackDatagram(r.datagrams.pop());
        DatagramChain c = r.datagramChain;
        if (c == null) return false;
        r.datagramChain = null;
        c.socketFd = r.socket.fd;
        c.token = r.token;
        retiredChains.put(r.generation, c);
        return true;
    }

    /** A closed socket's chained send completed: after the chain's last, its memory is reused and the socket closed. */
    void retiredSendCompleted(int generation, int res) {
        DatagramChain c = retiredChains.get(generation);
        if (c == null || !c.completed(res, constants.eCanceled)) return;
        retiredChains.remove(generation);
        int fd = c.socketFd;
        c.socketFd = -1;
        recycle(c);
        poller.closeAfterCancel(generation, c.token, fd);
    }

    /** The poller closes, its ring first (which takes what was in flight with it): closed sockets' descriptors are ours to close. */
    @Override
    public void close() {
        for (DatagramChain c : retiredChains.values()) {
            poller.sys.close(c.socketFd);
            c.close();
        }
        retiredChains.clear();
        for (DatagramChain c : spareChains) c.close();
        spareChains.clear();
        header.close();
    }

    /** A live socket's chain, when the poller closes with it in flight. */
    static void release(Registration r) {
        if (r.datagramChain != null) {
            r.datagramChain.close();
            r.datagramChain = null;
        }
    }
}
