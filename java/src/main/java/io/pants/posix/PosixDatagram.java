// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import io.pants.spi.DatagramQueue;
import io.pants.spi.DatagramSink;
import io.pants.spi.DatagramSocket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketOption;

/** A datagram socket of a native POSIX poller; its I/O and options are the poller's {@link DatagramIo}. */
final class PosixDatagram extends PosixSocket implements DatagramSocket {
    private final DatagramIo datagrams;
    /** IP_MULTICAST_IF as set: the kernel answers with an address for IPv4 and an index for IPv6. */
    NetworkInterface multicastInterface;

    PosixDatagram(SocketIo io, DatagramIo datagrams, int fd, int family) {
        super(io, fd, family, null);
        this.datagrams = datagrams;
    }

    @Override
    public boolean isDatagram() { return true; }

    @Override
    public int receive(DatagramSink sink, int max) throws IOException { return datagrams.receive(this, sink, max); }

    @Override
    public void send(DatagramQueue queue) { datagrams.send(this, queue); }

    @Override
    public void sendNow(DatagramQueue queue) { datagrams.sendNow(this, queue); }

    @Override
    public void connect(SocketAddress peer) throws IOException { datagrams.connect(this, peer); }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException { datagrams.setOption(this, option, value); }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException { return datagrams.getOption(this, option); }

    @Override
    public void joinGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        datagrams.membership(this, group, networkInterface, true);
    }

    @Override
    public void leaveGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        datagrams.membership(this, group, networkInterface, false);
    }

    @Override
    public IOException takeError() { return datagrams.takeError(this); }

    @Override
    public String toString() { return "datagram fd " + fd; }
}
