// SPDX-License-Identifier: Apache-2.0
package io.pants.nio;

import io.pants.spi.DatagramQueue;
import io.pants.spi.DatagramSink;
import io.pants.spi.DatagramSocket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link DatagramChannel} registered with a {@link NioPoller}. Receiving loops
 * {@code receive} (java.nio has no batched receive); the receive buffer is the poller's.
 *
 * <p>One limit of java.nio: on a connected channel, {@code write} and {@code send} of an empty
 * buffer send nothing and return 0, so an empty datagram can't be sent from a connected
 * channel. It is reported as a send failure instead of vanishing.
 */
final class NioDatagram extends NioSocket implements DatagramSocket {
    private final DatagramChannel ch;
    private final ByteBuffer buffer;
    private final Map<List<Object>, MembershipKey> memberships = new HashMap<>();
    private SocketAddress local, peer;
    /** A receive error met after datagrams were already taken: thrown by the next receive. */
    private IOException pendingError;

    NioDatagram(DatagramChannel ch, ByteBuffer receiveBuffer) {
        super(ch, false, false);
        this.ch = ch;
        this.buffer = receiveBuffer;
    }

    @Override
    public SocketAddress localAddress() {
        if (local == null && ch.isOpen()) {
            try {
                local = ch.getLocalAddress();
            } catch (IOException e) {
                return null;
            }
        }
        return local;
    }

    @Override
    public SocketAddress remoteAddress() { return peer; }

    @Override
    public void connect(SocketAddress peer) throws IOException {
        ch.connect(peer);
        this.peer = peer;
        local = null; // an unbound channel got its address now
    }

    @Override
    public int receive(DatagramSink sink, int max) throws IOException {
        if (pendingError != null) {
            IOException e = pendingError;
            pendingError = null;
            throw e;
        }
        int n = 0;
        while (n < max) {
            buffer.clear();
            SocketAddress sender;
            try {
                sender = ch.receive(buffer);
            } catch (IOException e) {
                if (n == 0) throw e;
                pendingError = e; // the channel has consumed it: keep it for the next call
                break;
            }
            if (sender == null) break;
            n++;
            // the buffer is one byte larger than the largest datagram delivered whole: a full buffer was cut short
            boolean truncated = !buffer.hasRemaining();
            buffer.flip();
            if (truncated) buffer.limit(buffer.limit() - 1);
            if (!sink.datagram(buffer, sender, truncated)) break;
        }
        return n;
    }

    @Override
    public void send(DatagramQueue q) {
        boolean refusalReported = false;
        while (!q.isEmpty()) {
            byte[] payload = q.data(0);
            SocketAddress target = q.target(0);
            if (payload.length == 0 && peer != null) {
                q.fail(new IOException("java.nio can't send an empty datagram from a connected channel"
                        + " (it sends nothing for an empty buffer); send it from an unconnected one"));
                continue;
            }
            int n;
            try {
                n = target == null ? ch.write(ByteBuffer.wrap(payload)) : ch.send(ByteBuffer.wrap(payload), target);
            } catch (PortUnreachableException e) {
                if (refusalReported) {
                    q.fail(e);
                } else { // the refusal of an earlier datagram, reported by this send, which did not go
                    q.report(e);
                    refusalReported = true;
                }
                continue;
            } catch (IOException | RuntimeException e) {
                SocketAddress to = target != null ? target : peer;
                q.fail(e instanceof IOException io ? io : new IOException("send " + payload.length + " bytes to " + to + ": " + e, e));
                continue;
            }
            // 0 for a non-empty datagram: no room. An empty one sent returns 0 too, and on an
            // unconnected channel it is sent: UDP over loopback never lacks room for it.
            if (n == 0 && payload.length > 0) return;
            q.consume(1);
            refusalReported = false;
        }
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        ch.setOption(option, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return ch.getOption(option);
    }

    @Override
    public void joinGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        memberships.put(List.of(group, networkInterface), ch.join(group, networkInterface));
    }

    @Override
    public void leaveGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        MembershipKey key = memberships.remove(List.of(group, networkInterface));
        if (key == null) throw new IOException("not a member of " + group.getHostAddress() + " on " + networkInterface.getName());
        key.drop();
    }

    /** java.nio has no SO_ERROR read for a channel: a pending error is thrown by the next {@link #receive} instead. */
    @Override
    public IOException takeError() { return null; }

    @Override
    public String toString() { return "datagram channel " + localAddress(); }
}
