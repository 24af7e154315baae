// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.pants.spi.DatagramQueue;
import io.pants.spi.DatagramSink;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The datagram side of a native POSIX poller (epoll, kqueue), created by its {@link SocketIo}
 * with its first datagram socket. A receive takes up to 32
 * datagrams into slots of 64 KiB (so that no IP datagram is ever truncated), a send up to 64
 * queued datagrams copied into a staging area: one crossing each through the shim (recvmmsg and
 * sendmmsg, or the shim's loop of recvmsg and sendmsg where the system has no mmsg calls), a
 * recvmmsg and sendmmsg through JNA on Linux, recvmsg or sendmsg per datagram elsewhere (see
 * {@link LibcSyscalls}). The msghdr arrays are laid out once, with the
 * layout of {@link DatagramConstants}; per call only lengths and addresses change.
 *
 * <p>What differs between the systems: the option numbers and msghdr (from the shim or the
 * table), and IPv4 multicast, which Linux configures by interface index (struct ip_mreqn) and
 * the BSDs by interface address (struct ip_mreq, struct in_addr).
 *
 * <p>Payload slots are allocated with malloc and never cleared: the kernel writes only the
 * bytes it receives, so the resident cost follows the datagrams' sizes, not the slots'.
 */
final class DatagramIo implements AutoCloseable {
    static final int RECEIVE_SLOTS = 32;
    /** Larger than any IP datagram (65527 bytes of payload at most). */
    static final int SLOT_SIZE = 64 * 1024;
    static final int SEND_MAX = 64;
    /** Holds at least one datagram of the largest size the engine sends (64 KiB). */
    static final int SEND_AREA = 256 * 1024;
    private static final int NAME_SIZE = 128; // sockaddr_storage
    private static final UnixDomainSocketAddress UNNAMED = UnixDomainSocketAddress.of("");

    private final SocketIo io;
    private final Syscalls sys;
    private final SocketConstants sockets;
    private final DatagramConstants datagrams;
    private final Iovec iov;
    /**
     * Linux joins IPv4 groups and picks the multicast interface with struct ip_mreqn (by
     * interface index); the BSDs with struct ip_mreq and struct in_addr (by interface address),
     * and some (OpenBSD) take IP_MULTICAST_TTL and _LOOP only as one byte.
     */
    private final boolean linuxMulticast;

    private final Memory receiveMsgs, receiveNames, receiveIovecs, receiveData;
    private final Memory sendMsgs, sendNames, sendIovecs, sendData, option;
    private final long receiveMsgsAddr, sendMsgsAddr, sendDataAddr, optionAddr;
    private final ByteBuffer receiveMsgsView, receiveDataView, sendMsgsView, sendIovecsView, sendDataView, optionView;
    private final ByteBuffer[] receiveNameViews = new ByteBuffer[RECEIVE_SLOTS];
    private final ByteBuffer[] sendNameViews = new ByteBuffer[SEND_MAX];
    private final long[] sendNameAddrs = new long[SEND_MAX];

    /** The last sender decoded, by its raw sockaddr: a peer sending many datagrams is decoded once. */
    private final byte[] lastSenderName = new byte[NAME_SIZE];
    private int lastSenderNameLength = -1;
    private SocketAddress lastSender;
    /** The last destination encoded, by identity: replies to one peer are encoded once. */
    private SocketAddress lastTarget;
    private int lastTargetFamily, lastTargetLength;
    private final byte[] lastTargetName = new byte[NAME_SIZE];

    DatagramIo(SocketIo io) {
        this.io = io;
        this.sys = io.sys;
        this.sockets = io.sockets;
        this.datagrams = io.datagramConstants;
        this.iov = io.iovec;
        this.linuxMulticast = !io.sockaddr.hasLengthByte();
        receiveMsgs = zeroed((long) RECEIVE_SLOTS * datagrams.mmsgSize);
        receiveNames = new Memory((long) RECEIVE_SLOTS * NAME_SIZE);
        receiveIovecs = zeroed((long) RECEIVE_SLOTS * iov.size);
        receiveData = new Memory((long) RECEIVE_SLOTS * SLOT_SIZE);
        sendMsgs = zeroed((long) SEND_MAX * datagrams.mmsgSize);
        sendNames = new Memory((long) SEND_MAX * NAME_SIZE);
        sendIovecs = zeroed((long) SEND_MAX * iov.size);
        sendData = new Memory(SEND_AREA);
        option = zeroed(64);
        receiveMsgsAddr = Pointer.nativeValue(receiveMsgs);
        sendMsgsAddr = Pointer.nativeValue(sendMsgs);
        sendDataAddr = Pointer.nativeValue(sendData);
        optionAddr = Pointer.nativeValue(option);
        receiveMsgsView = view(receiveMsgs);
        receiveDataView = view(receiveData);
        sendMsgsView = view(sendMsgs);
        sendIovecsView = view(sendIovecs);
        sendDataView = view(sendData);
        optionView = view(option);

        long receiveNamesAddr = Pointer.nativeValue(receiveNames), receiveIovecsAddr = Pointer.nativeValue(receiveIovecs);
        long receiveDataAddr = Pointer.nativeValue(receiveData), sendNamesAddr = Pointer.nativeValue(sendNames);
        long sendIovecsAddr = Pointer.nativeValue(sendIovecs);
        ByteBuffer receiveIovecsView = view(receiveIovecs);
        for (int i = 0; i < RECEIVE_SLOTS; i++) {
            int msg = i * datagrams.mmsgSize + datagrams.mmsgHdrOffset;
            putPointer(receiveMsgsView, msg + datagrams.nameOffset, receiveNamesAddr + (long) i * NAME_SIZE);
            putPointer(receiveMsgsView, msg + datagrams.iovOffset, receiveIovecsAddr + (long) i * iov.size);
            putWord(receiveMsgsView, msg + datagrams.iovLenOffset, datagrams.iovLenSize, 1);
            putPointer(receiveIovecsView, i * iov.size + iov.baseOffset, receiveDataAddr + (long) i * SLOT_SIZE);
            receiveIovecsView.putLong(i * iov.size + iov.lenOffset, SLOT_SIZE);
            receiveNameViews[i] = slice(receiveNames, i * NAME_SIZE);
        }
        for (int i = 0; i < SEND_MAX; i++) {
            int msg = i * datagrams.mmsgSize + datagrams.mmsgHdrOffset;
            putPointer(sendMsgsView, msg + datagrams.iovOffset, sendIovecsAddr + (long) i * iov.size);
            putWord(sendMsgsView, msg + datagrams.iovLenOffset, datagrams.iovLenSize, 1);
            sendNameViews[i] = slice(sendNames, i * NAME_SIZE);
            sendNameAddrs[i] = sendNamesAddr + (long) i * NAME_SIZE;
        }
    }

    private static Memory zeroed(long size) {
        Memory m = new Memory(size);
        m.clear();
        return m;
    }

    private static ByteBuffer view(Memory m) {
        return m.getByteBuffer(0, m.size()).order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer slice(Memory m, long offset) {
        return m.getByteBuffer(offset, NAME_SIZE).order(ByteOrder.nativeOrder());
    }

    private static void putPointer(ByteBuffer b, int offset, long address) {
        putWord(b, offset, Native.POINTER_SIZE, address);
    }

    /** Writes a field whose width the platform decides (size_t, socklen_t, a pointer). */
    private static void putWord(ByteBuffer b, int offset, int size, long value) {
        if (size == 8) b.putLong(offset, value);
        else b.putInt(offset, (int) value);
    }

    private static long getWord(ByteBuffer b, int offset, int size) {
        return size == 8 ? b.getLong(offset) : b.getInt(offset) & 0xffffffffL;
    }

    // ---------------------------------------------------------------- opening

    PosixDatagram open(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        boolean wildcard = bind instanceof InetSocketAddress isa && isa.getAddress() != null && isa.getAddress().isAnyLocalAddress();
        boolean unnamed = bind instanceof UnixDomainSocketAddress u && u.getPath().toString().isEmpty();
        if (bind instanceof InetSocketAddress isa && isa.isUnresolved()) {
            throw new IllegalArgumentException("resolve " + isa.getHostString() + " before binding to it");
        }
        int family = wildcard ? sockets.afInet6 : io.sockaddr.family(bind);
        int fd = sys.datagramSocket(family);
        if (fd >= 0 && wildcard && sys.setIntOption(fd, sockets.ipprotoIpv6, sockets.ipv6V6Only, 0) < 0) {
            sys.close(fd); // no dual-stack sockets (OpenBSD has none): plain IPv4
            fd = -1;
        }
        if (fd < 0 && wildcard) { // no IPv6 on this machine, or no dual stack: plain IPv4
            family = sockets.afInet;
            fd = sys.datagramSocket(family);
        }
        if (fd < 0) throw Errors.exception(fd, "socket", sys, sockets);
        PosixDatagram s = new PosixDatagram(io, this, fd, family);
        try {
            for (Map.Entry<SocketOption<?>, Object> e : options.entrySet()) setUnchecked(s, e.getKey(), e.getValue());
            if (!unnamed) {
                int len = encode(scratch(), bind, family);
                check(sys.bind(fd, scratchAddress(), len), "bind " + bind);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void setUnchecked(PosixDatagram s, SocketOption<T> option, Object value) throws IOException {
        setOption(s, option, (T) value);
    }

    void connect(PosixDatagram s, SocketAddress peer) throws IOException {
        int len = encode(scratch(), peer, s.family);
        int r = sys.connect(s.fd, scratchAddress(), len);
        if (r < 0) throw error(r, "connect to " + peer);
        s.remote = peer;
        s.local = null; // an unbound socket got its address now
    }

    /** Addresses for bind and connect are encoded in the socket I/O's scratch memory, as its own are. */
    private ByteBuffer scratch() { return io.scratchView(); }

    private long scratchAddress() { return io.scratchAddress(); }

    int encode(ByteBuffer b, SocketAddress address, int family) throws IOException {
        checkFamily(address, family);
        return io.encode(b, address, family);
    }

    /** Sockaddr writes what it is given; an address the socket's family can't carry is refused here. */
    private void checkFamily(SocketAddress address, int family) throws IOException {
        boolean unix = address instanceof UnixDomainSocketAddress;
        if (unix != (family == sockets.afUnix)) {
            throw new IOException("a " + familyName(family) + " datagram socket can't use the address " + address);
        }
        if (family == sockets.afInet && ((InetSocketAddress) address).getAddress() instanceof Inet6Address) {
            throw new IOException("an IPv4 datagram socket can't reach the IPv6 address " + address);
        }
    }

    private String familyName(int family) {
        return family == sockets.afUnix ? "Unix domain" : family == sockets.afInet ? "IPv4" : "IPv6";
    }

    // ---------------------------------------------------------------- receiving

    int receive(PosixDatagram s, DatagramSink sink, int max) throws IOException {
        if (io.queued != null) return io.queued.receive(s, sink, max);
        int vlen = Math.min(max, RECEIVE_SLOTS);
        for (int i = 0; i < vlen; i++) {
            receiveMsgsView.putInt(i * datagrams.mmsgSize + datagrams.mmsgHdrOffset + datagrams.nameLenOffset, NAME_SIZE); // the kernel overwrites it
        }
        // MSG_TRUNC: msg_len is the datagram's real length even when the slot was too small
        int n = sys.recvmmsg(s.fd, receiveMsgsAddr, vlen, datagrams.msgDontWait | datagrams.msgTrunc);
        if (n == -sockets.eAgain || n == -sockets.eIntr) {
            // the error a userspace kqueue took from the socket to report it (see PosixSocket)
            int taken = s.takeReportedError();
            if (taken != 0) throw error(-taken, "receive on " + s);
            return 0;
        }
        if (n < 0) throw error(n, "receive on " + s);
        for (int i = 0; i < n; i++) {
            int msg = i * datagrams.mmsgSize + datagrams.mmsgHdrOffset;
            long length = getWord(receiveMsgsView, i * datagrams.mmsgSize + datagrams.mmsgLenOffset, datagrams.mmsgLenSize);
            int flags = receiveMsgsView.getInt(msg + datagrams.flagsOffset);
            int nameLength = receiveMsgsView.getInt(msg + datagrams.nameLenOffset);
            boolean truncated = (flags & datagrams.msgTrunc) != 0 || length > SLOT_SIZE;
            int start = i * SLOT_SIZE;
            receiveDataView.limit(start + (int) Math.min(length, SLOT_SIZE)).position(start);
            SocketAddress sender = sender(s, i, nameLength);
            boolean more = sink.datagram(receiveDataView, sender, truncated);
            receiveDataView.clear();
            if (!more) break;
        }
        return n;
    }

    private SocketAddress sender(PosixDatagram s, int slot, int nameLength) {
        if (nameLength <= 0) return s.family == sockets.afUnix ? UNNAMED : s.remote; // an unbound Unix peer has no name
        int len = Math.min(nameLength, NAME_SIZE);
        ByteBuffer name = receiveNameViews[slot];
        if (len == lastSenderNameLength && sameBytes(name, lastSenderName, len)) return lastSender;
        SocketAddress a = io.sockaddr.decode(name, len);
        name.get(0, lastSenderName, 0, len);
        lastSenderNameLength = len;
        lastSender = a;
        return a;
    }

    private static boolean sameBytes(ByteBuffer b, byte[] a, int len) {
        for (int i = 0; i < len; i++) {
            if (b.get(i) != a[i]) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- sending

    /** The sends at flush time: a completion-based poller submits them, to go with its wait. */
    void send(PosixDatagram s, DatagramQueue q) {
        if (io.queued != null && io.queued.send(s, q)) return;
        sendNow(s, q);
    }

    /**
     * Sends at once, up to {@link #SEND_MAX} datagrams per sendmmsg: every send of a readiness
     * poller, and an explicit flush on any ({@code Datagram.flush()}). Not while a
     * completion-based poller has some of the queue in flight: their completion sends the rest,
     * in order.
     */
    void sendNow(PosixDatagram s, DatagramQueue q) {
        if (q.inFlight() > 0) return;
        boolean refusalReported = false;
        while (!q.isEmpty()) {
            int count = 0;
            int used = 0;
            IOException unsendable = null;
            for (int limit = Math.min(SEND_MAX, q.size()); count < limit; count++) {
                byte[] payload = q.data(count);
                if (used + payload.length > SEND_AREA) break;
                int msg = count * datagrams.mmsgSize + datagrams.mmsgHdrOffset;
                SocketAddress target = q.target(count);
                if (target == null) {
                    putPointer(sendMsgsView, msg + datagrams.nameOffset, 0);
                    sendMsgsView.putInt(msg + datagrams.nameLenOffset, 0);
                } else {
                    int nameLength;
                    try {
                        nameLength = encodeTarget(s, target, count);
                    } catch (IOException e) {
                        unsendable = e;
                        break;
                    }
                    putPointer(sendMsgsView, msg + datagrams.nameOffset, sendNameAddrs[count]);
                    sendMsgsView.putInt(msg + datagrams.nameLenOffset, nameLength);
                }
                sendDataView.put(used, payload);
                int vec = count * iov.size;
                putPointer(sendIovecsView, vec + iov.baseOffset, sendDataAddr + used);
                sendIovecsView.putLong(vec + iov.lenOffset, payload.length);
                used += payload.length;
            }
            if (count == 0) { // the head can't be sent from this socket at all
                q.fail(unsendable != null ? unsendable
                        : new IOException("a datagram of " + q.data(0).length + " bytes is larger than the " + SEND_AREA + "-byte send area"));
                continue;
            }
            int n = sys.sendmmsg(s.fd, sendMsgsAddr, count, 0);
            if (n > 0) {
                q.consume(n); // when fewer went, the next call sends the rest or says why not
                refusalReported = false;
                continue;
            }
            if (n == -sockets.eAgain || n == 0) return; // full: WRITE readiness resumes
            if (n == -sockets.eConnRefused && !refusalReported) {
                // the refusal is the socket's pending error about an earlier datagram; this one was not sent
                q.report(error(n, "an earlier datagram sent from " + s + " to " + s.remote));
                refusalReported = true;
                continue;
            }
            SocketAddress to = q.target(0) != null ? q.target(0) : s.remote;
            q.fail(error(n, "send " + q.data(0).length + " bytes to " + to));
        }
    }

    private int encodeTarget(PosixDatagram s, SocketAddress target, int slot) throws IOException {
        ByteBuffer name = sendNameViews[slot];
        if (target == lastTarget && s.family == lastTargetFamily) {
            name.put(0, lastTargetName, 0, lastTargetLength);
            return lastTargetLength;
        }
        int len = encode(name, target, s.family);
        name.get(0, lastTargetName, 0, len);
        lastTarget = target;
        lastTargetFamily = s.family;
        lastTargetLength = len;
        return len;
    }

    // ---------------------------------------------------------------- options

    <T> void setOption(PosixDatagram s, SocketOption<T> option, T value) throws IOException {
        if (option == StandardSocketOptions.SO_BROADCAST) {
            setInt(s, sockets.solSocket, datagrams.soBroadcast, (Boolean) value ? 1 : 0, option);
        } else if (option == StandardSocketOptions.SO_RCVBUF) {
            setInt(s, sockets.solSocket, datagrams.soRcvBuf, (Integer) value, option);
        } else if (option == StandardSocketOptions.SO_SNDBUF) {
            setInt(s, sockets.solSocket, datagrams.soSndBuf, (Integer) value, option);
        } else if (option == StandardSocketOptions.SO_REUSEADDR) {
            setInt(s, sockets.solSocket, sockets.soReuseAddr, (Boolean) value ? 1 : 0, option);
        } else if (option == StandardSocketOptions.SO_REUSEPORT && datagrams.soReusePort >= 0) {
            setInt(s, sockets.solSocket, datagrams.soReusePort, (Boolean) value ? 1 : 0, option);
        } else if (option == StandardSocketOptions.IP_MULTICAST_TTL) {
            setMulticast(s, datagrams.ipMulticastTtl, datagrams.ipv6MulticastHops, (Integer) value, option);
        } else if (option == StandardSocketOptions.IP_MULTICAST_LOOP) {
            setMulticast(s, datagrams.ipMulticastLoop, datagrams.ipv6MulticastLoop, (Boolean) value ? 1 : 0, option);
        } else if (option == StandardSocketOptions.IP_MULTICAST_IF) {
            setMulticastInterface(s, (NetworkInterface) value);
        } else {
            throw new UnsupportedOperationException("the " + io.pollerName + " poller's datagram sockets don't support " + option);
        }
    }

    @SuppressWarnings("unchecked")
    <T> T getOption(PosixDatagram s, SocketOption<T> option) throws IOException {
        Object value;
        if (option == StandardSocketOptions.SO_BROADCAST) value = getInt(s, sockets.solSocket, datagrams.soBroadcast, option) != 0;
        else if (option == StandardSocketOptions.SO_RCVBUF) value = getInt(s, sockets.solSocket, datagrams.soRcvBuf, option);
        else if (option == StandardSocketOptions.SO_SNDBUF) value = getInt(s, sockets.solSocket, datagrams.soSndBuf, option);
        else if (option == StandardSocketOptions.SO_REUSEADDR) value = getInt(s, sockets.solSocket, sockets.soReuseAddr, option) != 0;
        else if (option == StandardSocketOptions.SO_REUSEPORT && datagrams.soReusePort >= 0) value = getInt(s, sockets.solSocket, datagrams.soReusePort, option) != 0;
        else if (option == StandardSocketOptions.IP_MULTICAST_TTL) value = getMulticast(s, datagrams.ipMulticastTtl, datagrams.ipv6MulticastHops, option);
        else if (option == StandardSocketOptions.IP_MULTICAST_LOOP) value = getMulticast(s, datagrams.ipMulticastLoop, datagrams.ipv6MulticastLoop, option) != 0;
        else if (option == StandardSocketOptions.IP_MULTICAST_IF) value = s.multicastInterface;
        else throw new UnsupportedOperationException("the " + io.pollerName + " poller's datagram sockets don't support " + option);
        return (T) value;
    }

    private void setInt(PosixDatagram s, int level, int name, int value, SocketOption<?> option) throws IOException {
        int r = sys.setIntOption(s.fd, level, name, value);
        if (r < 0) throw error(r, "setsockopt " + option + " = " + value + " on " + s);
    }

    private int getInt(PosixDatagram s, int level, int name, SocketOption<?> option) throws IOException {
        int r = sys.getIntOption(s.fd, level, name);
        if (r < 0) throw error(r, "getsockopt " + option + " on " + s);
        return r;
    }

    /**
     * An IPv6 socket's option is set at IPPROTO_IPV6; a dual-stack one also sends to IPv4 groups,
     * so the IPv4 option is set too, where the kernel accepts it (Linux does, like the JDK's own
     * sockets rely on).
     */
    private void setMulticast(PosixDatagram s, int ipv4Name, int ipv6Name, int value, SocketOption<?> option) throws IOException {
        checkIp(s, option);
        if (s.family == sockets.afInet) {
            int r = setIpv4Multicast(s, ipv4Name, value);
            if (r < 0) throw error(r, "setsockopt " + option + " = " + value + " on " + s);
            return;
        }
        setInt(s, sockets.ipprotoIpv6, ipv6Name, value, option);
        setIpv4Multicast(s, ipv4Name, value);
    }

    /** IP_MULTICAST_TTL and _LOOP: an int on Linux, a byte on the BSDs (which all take one; OpenBSD nothing else). */
    private int setIpv4Multicast(PosixDatagram s, int name, int value) {
        if (linuxMulticast) return sys.setIntOption(s.fd, datagrams.ipprotoIp, name, value);
        optionView.put(0, (byte) value);
        return sys.setOption(s.fd, datagrams.ipprotoIp, name, optionAddr, 1);
    }

    /** Read as an int that starts zeroed: a system answering with one byte fills its low end (little-endian). */
    private int getMulticast(PosixDatagram s, int ipv4Name, int ipv6Name, SocketOption<?> option) throws IOException {
        checkIp(s, option);
        return s.family == sockets.afInet ? getInt(s, datagrams.ipprotoIp, ipv4Name, option) : getInt(s, sockets.ipprotoIpv6, ipv6Name, option);
    }

    private void setMulticastInterface(PosixDatagram s, NetworkInterface ni) throws IOException {
        checkIp(s, StandardSocketOptions.IP_MULTICAST_IF);
        if (s.family == sockets.afInet6) {
            setInt(s, sockets.ipprotoIpv6, datagrams.ipv6MulticastIf, ni.getIndex(), StandardSocketOptions.IP_MULTICAST_IF);
        }
        int r;
        if (linuxMulticast) {
            // struct ip_mreqn {in_addr multiaddr; in_addr address; int ifindex}: the interface by index
            optionView.putInt(0, 0).putInt(4, 0).putInt(8, ni.getIndex());
            r = sys.setOption(s.fd, datagrams.ipprotoIp, datagrams.ipMulticastIf, optionAddr, 12);
        } else {
            // struct in_addr: the interface by its IPv4 address
            byte[] address = ipv4AddressOf(ni);
            if (address == null && s.family == sockets.afInet) throw new IOException(ni.getName() + " has no IPv4 address to send multicast from");
            r = address == null ? 0 : sys.setOption(s.fd, datagrams.ipprotoIp, datagrams.ipMulticastIf, optionAddr(address), 4);
        }
        if (r < 0 && s.family == sockets.afInet) throw error(r, "setsockopt IP_MULTICAST_IF " + ni.getName() + " on " + s);
        s.multicastInterface = ni;
    }

    /**
     * Joins or leaves a group. IPv4: on Linux struct ip_mreqn {group, local address, ifindex},
     * on the BSDs struct ip_mreq {group, interface address}; IPv6 everywhere struct ipv6_mreq
     * {group, ifindex}. An IPv4 group on a dual-stack socket goes through IPPROTO_IP.
     */
    void membership(PosixDatagram s, InetAddress group, NetworkInterface ni, boolean join) throws IOException {
        checkIp(s, "multicast groups");
        String what = (join ? "join " : "leave ") + group.getHostAddress() + " on " + ni.getName();
        int r;
        if (group instanceof Inet4Address) {
            int option = join ? datagrams.ipAddMembership : datagrams.ipDropMembership;
            if (linuxMulticast) {
                optionView.put(0, group.getAddress()).putInt(4, 0).putInt(8, ni.getIndex());
                r = sys.setOption(s.fd, datagrams.ipprotoIp, option, optionAddr, 12);
            } else {
                byte[] address = ipv4AddressOf(ni);
                optionView.put(0, group.getAddress()).putInt(4, 0); // INADDR_ANY: the kernel picks when it has no address
                if (address != null) optionView.put(4, address);
                r = sys.setOption(s.fd, datagrams.ipprotoIp, option, optionAddr, 8);
            }
        } else {
            if (s.family != sockets.afInet6) throw new IOException("an IPv4 datagram socket can't " + what);
            optionView.put(0, group.getAddress()).putInt(16, ni.getIndex());
            r = sys.setOption(s.fd, sockets.ipprotoIpv6, join ? datagrams.ipv6JoinGroup : datagrams.ipv6LeaveGroup, optionAddr, 20);
        }
        if (r < 0) throw error(r, what);
    }

    private static byte[] ipv4AddressOf(NetworkInterface ni) {
        return ni.inetAddresses().filter(a -> a instanceof Inet4Address).map(InetAddress::getAddress).findFirst().orElse(null);
    }

    private long optionAddr(byte[] value) {
        optionView.put(0, value);
        return optionAddr;
    }

    private void checkIp(PosixDatagram s, Object what) {
        if (s.family == sockets.afUnix) throw new UnsupportedOperationException(what + " apply to IP datagram sockets, not to Unix domain ones");
    }

    IOException takeError(PosixDatagram s) {
        int err = sys.getIntOption(s.fd, sockets.solSocket, sockets.soError);
        if (err == 0) err = s.takeReportedError(); // a userspace kqueue may have taken it already
        if (err == 0) return null;
        return err < 0 ? error(err, "getsockopt(SO_ERROR) on " + s) : error(-err, "an earlier datagram from " + s);
    }

    // ---------------------------------------------------------------- errors

    /** -errno to the exception Java's own datagram sockets throw for it. */
    IOException error(int negErrno, String what) {
        int errno = -negErrno;
        String message = sys.strerror(errno) + " (errno " + errno + ", " + what + ")";
        if (errno == sockets.eConnRefused) return new PortUnreachableException(message + ": nothing receives at the peer's port");
        if (errno == sockets.eHostUnreach || errno == sockets.eNetUnreach) return new NoRouteToHostException(message);
        if (errno == sockets.eAddrInUse || errno == sockets.eAddrNotAvail) return new BindException(message);
        if (errno == datagrams.eAccess) return new IOException(message + "; sending to a broadcast address needs SO_BROADCAST");
        return new IOException(message);
    }

    private void check(int r, String what) throws IOException {
        if (r < 0) throw io.exception(r, what);
    }

    @Override
    public void close() {
        receiveMsgs.close();
        receiveNames.close();
        receiveIovecs.close();
        receiveData.close();
        sendMsgs.close();
        sendNames.close();
        sendIovecs.close();
        sendData.close();
        option.close();
    }
}
