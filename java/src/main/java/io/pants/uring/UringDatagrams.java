// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.DatagramConstants;
import io.pants.posix.PosixSocket;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;
import io.pants.posix.SocketIo;
import io.pants.posix.TurnMemory;
import io.pants.spi.DatagramSink;
import io.pants.spi.ReadyHandler;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;

import static io.pants.spi.Poller.READ;
import static io.pants.uring.UringPoller.CANCEL;
import static io.pants.uring.UringPoller.RECVMSG;
import static io.pants.uring.UringPoller.userData;

/**
 * Datagram sockets on io_uring: each has a multishot recvmsg in flight while it reads, into the
 * datagrams' provided buffers, which the engine's {@code receive()} takes ({@link #take}); a
 * socket that received in a turn's completions is told once, after the whole batch.
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

    /** A datagram socket closes: the datagrams it did not take go back to the kernel. */
    void closed(Registration r) {
        while (!r.datagrams.isEmpty()) ring.giveBackDatagram(r.datagrams.pop());
    }

    @Override
    public void close() {
        header.close();
    }
}
