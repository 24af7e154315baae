// SPDX-License-Identifier: Apache-2.0
package io.pants.nio;

import io.pants.spi.Chunk;
import io.pants.spi.DatagramSocket;
import io.pants.spi.FileRegion;
import io.pants.spi.ListenerSocket;
import io.pants.spi.OutboundQueue;
import io.pants.spi.Poller;
import io.pants.spi.PollerSocket;
import io.pants.spi.ReadyHandler;
import io.pants.spi.StreamSocket;
import io.pants.spi.WriteBatch;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A poller on {@link Selector}. Ready keys are first copied out of the selector and dispatched
 * after {@code select} returns, so user callbacks never run inside the selector's own locks.
 */
final class NioPoller implements Poller {
    private static final int MAX_GATHER = 64;

    private final Selector selector;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final Chunk[] chunks = new Chunk[MAX_GATHER];
    private final ByteBuffer[] buffers = new ByteBuffer[MAX_GATHER];
    private SelectionKey[] ready = new SelectionKey[256];
    private int readyCount;
    /** Datagrams are received here, one at a time; made with the first datagram channel. */
    private ByteBuffer datagramBuffer;

    NioPoller() throws IOException {
        selector = Selector.open();
    }

    @Override
    public String name() { return "nio"; }

    @Override
    public String description() { return "java.nio Selector (" + selector.provider().getClass().getName() + ")"; }

    @Override
    public ListenerSocket listen(SocketAddress address, int backlog) throws IOException {
        return listen(address, backlog, Map.of());
    }

    @Override
    public ListenerSocket listen(SocketAddress address, int backlog, Map<SocketOption<?>, Object> options) throws IOException {
        ServerSocketChannel ch = address instanceof UnixDomainSocketAddress
                ? ServerSocketChannel.open(StandardProtocolFamily.UNIX) : ServerSocketChannel.open();
        try {
            if (address instanceof InetSocketAddress) ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            for (Map.Entry<SocketOption<?>, Object> e : options.entrySet()) NioStream.setChecked(ch, e.getKey(), e.getValue());
            ch.bind(address, backlog);
            ch.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new NioStream(ch, true, false, null);
    }

    /**
     * On Linux, where java.nio sets SO_REUSEPORT, the kernel spreads connections among the
     * listening sockets sharing a port; elsewhere (macOS, Windows) one loop hands them over.
     */
    @Override
    public boolean kernelBalancesListeners() { return REUSEPORT_BALANCES; }

    private static final boolean REUSEPORT_BALANCES = reusePortBalances();

    private static boolean reusePortBalances() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) return false;
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            return ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    /** A channel accepted by another NIO poller and never registered is registered with this one's selector as it is. */
    @Override
    public StreamSocket adopt(StreamSocket accepted) {
        if (!(accepted instanceof NioStream s) || s.listener || s.key != null) {
            throw new IllegalArgumentException("the nio poller can only take over an unregistered stream channel, not " + accepted);
        }
        return s;
    }

    @Override
    public StreamSocket connect(SocketAddress remote) throws IOException {
        SocketChannel ch = remote instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
            ch.configureBlocking(false);
            boolean done = ch.connect(remote);
            return new NioStream(ch, false, !done, remote);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * A DatagramChannel of the bind address's family; the wildcard address gets the default
     * family, dual-stack where IPv6 exists (as the epoll backend's sockets are).
     */
    @Override
    public DatagramSocket openDatagram(SocketAddress bind, Map<SocketOption<?>, Object> options) throws IOException {
        if (bind instanceof UnixDomainSocketAddress u) {
            throw new UnsupportedOperationException("the nio poller has no Unix domain datagram sockets: java.nio supports"
                    + " Unix domain sockets for streams only; use the epoll poller for "
                    + (u.getPath().toString().isEmpty() ? "an unbound Unix datagram socket" : u.getPath()));
        }
        InetSocketAddress isa = (InetSocketAddress) bind;
        if (isa.isUnresolved()) throw new IllegalArgumentException("resolve " + isa.getHostString() + " before binding to it");
        DatagramChannel ch = isa.getAddress().isAnyLocalAddress() ? DatagramChannel.open()
                : DatagramChannel.open(isa.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            ch.configureBlocking(false);
            for (Map.Entry<SocketOption<?>, Object> e : options.entrySet()) setUnchecked(ch, e.getKey(), e.getValue());
            ch.bind(isa);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        // one byte over the largest datagram delivered whole, to tell a datagram that filled it from one cut short
        if (datagramBuffer == null) datagramBuffer = ByteBuffer.allocateDirect(64 * 1024 + 1);
        return new NioDatagram(ch, datagramBuffer);
    }

    @SuppressWarnings("unchecked")
    private static <T> void setUnchecked(DatagramChannel ch, SocketOption<T> option, Object value) throws IOException {
        ch.setOption(option, (T) value);
    }

    @Override
    public void register(PollerSocket socket, int token, int interest, boolean readOnReady) throws IOException {
        NioSocket s = (NioSocket) socket;
        s.token = token;
        s.readOnReady = readOnReady;
        s.interest = interest;
        s.key = s.channel.register(selector, s.ops(interest), s);
    }

    @Override
    public void setInterest(PollerSocket socket, int interest) {
        NioSocket s = (NioSocket) socket;
        s.interest = interest;
        if (s.key != null && s.key.isValid()) s.key.interestOps(s.ops(interest));
    }

    @Override
    public int poll(long timeoutNanos, ReadyHandler handler) throws IOException {
        readyCount = 0;
        if (timeoutNanos == 0) {
            selector.selectNow(this::collect);
        } else if (timeoutNanos < 0) {
            selector.select(this::collect);
        } else {
            // round up: a timer due in 0.3 ms must not turn into a busy select(0)
            selector.select(this::collect, Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999)));
        }
        int n = readyCount;
        for (int i = 0; i < n; i++) {
            SelectionKey key = ready[i];
            ready[i] = null;
            if (key.isValid()) dispatch(key, handler);
        }
        readyCount = 0;
        return n;
    }

    private void collect(SelectionKey key) {
        if (readyCount == ready.length) ready = Arrays.copyOf(ready, readyCount * 2);
        ready[readyCount++] = key;
    }

    private void dispatch(SelectionKey key, ReadyHandler handler) {
        NioSocket s = (NioSocket) key.attachment();
        int ops = key.readyOps();
        if (s.listener) {
            handler.ready(s.token, READ);
            return;
        }
        if (s.connecting) {
            if ((ops & SelectionKey.OP_CONNECT) != 0) handler.ready(s.token, WRITE);
            return;
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            handler.ready(s.token, WRITE);
            if (!key.isValid()) return;
        }
        if ((ops & SelectionKey.OP_READ) != 0 && (s.interest & READ) != 0) {
            if (!s.readOnReady) {
                handler.ready(s.token, READ);
                return;
            }
            readBuffer.clear();
            int n;
            try {
                n = ((SocketChannel) s.channel).read(readBuffer);
            } catch (IOException e) {
                handler.receiveEnded(s.token, e);
                return;
            }
            if (n > 0) handler.received(s.token, readBuffer.flip());
            else if (n < 0) handler.receiveEnded(s.token, null);
        }
    }

    @Override
    public void flush(WriteBatch batch) {
        for (int i = 0, n = batch.size(); i < n; i++) {
            NioSocket s = (NioSocket) batch.socket(i);
            try {
                write((SocketChannel) s.channel, batch.queue(i));
            } catch (IOException e) {
                batch.fail(i, e);
            }
        }
    }

    /** Writes until the queue is empty or the socket is full. */
    private void write(SocketChannel ch, OutboundQueue q) throws IOException {
        while (!q.isEmpty()) {
            FileRegion file = q.headFile();
            if (file != null) {
                long n = transfer(ch, file);
                q.consumeFile(n);
                if (file.remaining() > 0) return;
                continue;
            }
            int k = q.gather(chunks, MAX_GATHER);
            long want = 0;
            for (int j = 0; j < k; j++) {
                buffers[j] = chunks[j].readableBuffer();
                want += chunks[j].readable();
            }
            // one buffer (the usual case) goes through write(): the gathering path costs more
            long n = k == 1 ? ch.write(buffers[0]) : ch.write(buffers, 0, k);
            Arrays.fill(chunks, 0, k, null);
            Arrays.fill(buffers, 0, k, null);
            q.consume(n);
            if (n < want) return;
        }
    }

    private static long transfer(SocketChannel ch, FileRegion file) throws IOException {
        long n = file.channel().transferTo(file.position(), file.remaining(), ch);
        if (n == 0 && file.channel().size() <= file.position()) {
            throw new IOException("file region runs past the end of the file (" + file.channel().size() + " bytes)");
        }
        return n;
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing to recover: the selector's descriptors are released either way
        }
    }
}
