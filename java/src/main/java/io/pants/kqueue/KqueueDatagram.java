package io.pants.kqueue;

import io.pants.spi.DatagramQueue;
import io.pants.spi.DatagramSink;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketOption;

/** A datagram socket of a {@link KqueuePoller}; its I/O and options are the poller's {@link DatagramIo}. */
final class KqueueDatagram extends KqueueSocket {
    private final DatagramIo io;
    /** IP_MULTICAST_IF as set: the kernel answers with an address for IPv4 and an index for IPv6. */
    NetworkInterface multicastInterface;

    KqueueDatagram(KqueuePoller poller, DatagramIo io, int fd, int family) {
        super(poller, fd, family, false, null, null);
        this.io = io;
    }

    @Override
    public int receive(DatagramSink sink, int max) throws IOException { return io.receive(this, sink, max); }

    @Override
    public void send(DatagramQueue queue) { io.send(this, queue); }

    @Override
    public void connect(SocketAddress peer) throws IOException { io.connect(this, peer); }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException { io.setOption(this, option, value); }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException { return io.getOption(this, option); }

    @Override
    public void joinGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        io.membership(this, group, networkInterface, true);
    }

    @Override
    public void leaveGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        io.membership(this, group, networkInterface, false);
    }

    @Override
    public IOException takeError() { return io.takeError(this); }

    @Override
    public String toString() { return "datagram fd " + fd; }
}
