// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.DatagramQueue;
import io.pants.spi.DatagramSink;
import io.pants.spi.DatagramSocket;
import io.pants.spi.Poller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import static io.pants.ChannelState.CLOSED;
import static io.pants.ChannelState.CLOSING;
import static io.pants.ChannelState.NEW;
import static io.pants.ChannelState.OPEN;
import static io.pants.ChannelState.RESOLVING;

/**
 * A datagram socket: UDP over IPv4 and IPv6, or a Unix domain datagram socket. Subclass it and
 * override the callbacks you need; they all run on the engine's loop thread.
 *
 * <pre>{@code
 * class Echo extends Datagram {
 *     @Override protected void onRead(byte[] data, SocketAddress sender) { write(data, sender); }
 * }
 * new Echo().listen(4040);
 * Engine.instance().start();
 * }</pre>
 *
 * <h2>Opening</h2>
 * A datagram socket exists once {@link #listen} bound it to an address (port 0: any free port),
 * or {@link #connect} fixed its peer (it is then bound to any free port, or left unnamed for a
 * Unix domain peer). After {@code listen}, {@code connect} fixes the peer of the bound socket.
 * A connected socket sends with {@link #write(byte[])}, receives only from its peer, and hears
 * of datagrams its peer refused (ICMP port unreachable) through {@link #onError}.
 *
 * <h2>Receiving</h2>
 * Each datagram arrives whole, up to {@link #MAX_SIZE} bytes (larger than any IP datagram),
 * in {@link #onRead(byte[], SocketAddress)} with the sender's address. A larger one (only Unix
 * domain datagrams can be) is cut short by the system: it is not delivered, and
 * {@link #onError} gets a {@link DatagramTruncatedException}.
 *
 * <p>A {@link #readDelimiter(ReadDelimiter) read delimiter} cuts each datagram on its own, as
 * if it were a whole stream that ends with it: pieces never span two datagrams. So
 * {@link ReadDelimiter#struct} and {@link ReadDelimiter#bytes} deliver the fixed-size records a
 * datagram holds, {@link ReadDelimiter#lengthPrefixed} its length-prefixed frames, a byte
 * sequence or a pattern the parts between separators (several newline-separated metrics in one
 * datagram, say); what remains after the last complete piece is delivered as a last, shorter
 * piece, except for {@code struct} and {@code lengthPrefixed}, where a partial record is not a
 * record: it is dropped and reported to {@link #onError} as a {@link ProtocolException}. A
 * datagram bounds its pieces, so there is no buffer limit (as {@link Stream#bufferLimit} is for a
 * stream): the whole datagram is in memory already, and a piece is never longer.
 *
 * <h2>Sending</h2>
 * {@code write(...)} copies the datagram into the send queue and returns at once; queued
 * datagrams go out at the end of the loop turn (or at {@link #flush()}), many per system call
 * on the native backends (on {@code io_uring}, as operations that go with the loop's wait, and
 * count as sent when they have completed). As for streams, {@link #isWritable()} turns false
 * when more than the high water mark of payload is queued, and {@link #onDrain()} follows once
 * the queue is down to the low water mark. A datagram larger than its protocol allows (65507 bytes over IPv4, 65527
 * over IPv6, {@link #MAX_SIZE} for Unix domain sockets) is refused at once by {@code write},
 * with an {@link IllegalArgumentException}; one the system refuses when it is sent (too large
 * for the socket's send buffer, no route, a broadcast without {@link #broadcast(boolean)}) is
 * dropped and reported to {@link #onError}. Nothing is ever truncated.
 *
 * <h2>Broadcast and multicast</h2>
 * Broadcast is opt-in: {@link #broadcast(boolean) broadcast(true)}. Multicast: receivers
 * {@link #joinGroup} a group on an interface (IPv4 or IPv6; a dual-stack socket joins either),
 * senders pick the interface ({@link #multicastInterface}), the TTL or hop limit
 * ({@link #multicastTtl}) and whether their own host hears them ({@link #multicastLoopback}).
 * {@link #option(SocketOption, Object)} sets other socket options; set before {@code listen},
 * they apply before binding (SO_REUSEADDR for several receivers on one port, say).
 *
 * <h2>Backends</h2>
 * The epoll and nio backends have UDP sockets; a backend without datagram sockets (the iocp
 * prototype, for now) throws {@link UnsupportedOperationException} from {@code listen} and
 * {@code connect}. Unix domain datagram sockets need a native backend (epoll):
 * java.nio has Unix domain sockets for streams only, so on the {@code nio} poller
 * {@code listen} and {@code connect} with a Unix domain address throw
 * {@link UnsupportedOperationException}. Also on {@code nio}, an empty datagram can't be sent
 * from a connected socket (java.nio sends nothing for it): it is reported to {@link #onError}.
 *
 * <p>{@link #onClose()} is called exactly once for every datagram socket that was opened,
 * whatever closed it.
 *
 * @since 0.1
 */
public abstract class Datagram extends Channel<DatagramSocket> {
    /** The largest datagram received whole and the largest sent: 64 KiB. */
    public static final int MAX_SIZE = 64 * 1024;
    /** The largest UDP payload over IPv4 (65535 minus the IP and UDP headers). */
    public static final int MAX_IPV4_PAYLOAD = 65_507;
    /** The largest UDP payload over IPv6, without jumbograms. */
    public static final int MAX_IPV6_PAYLOAD = 65_527;
    /** Send-queue water marks, in payload bytes: as for streams. */
    public static final int DEFAULT_LOW_WATER_MARK = Stream.DEFAULT_LOW_WATER_MARK,
            DEFAULT_HIGH_WATER_MARK = Stream.DEFAULT_HIGH_WATER_MARK;

    /** Datagrams taken per readiness event: one system call on native backends; the rest waits a turn. */
    private static final int RECEIVE_BATCH = 32;
    private static final UnixDomainSocketAddress UNNAMED = UnixDomainSocketAddress.of("");

    /** The connected peer (resolved), or null. */
    private SocketAddress peer;
    /** The peer being resolved by connect(host, port). */
    private SocketAddress resolving;
    /** The socket file listen() created, removed on close. */
    private Path unixPath;
    /** Options set before the socket exists: applied before it is bound. */
    private final Map<SocketOption<?>, Object> pendingOptions = new LinkedHashMap<>();
    private final DatagramSink sink = this::received;

    private ReadDelimiter delimiter = ReadDelimiter.none();

    private final DatagramQueue out = new DatagramQueue();
    private boolean writeArmed;
    /** The last wake-up was the socket saying it is writable (checked by sendQueued). */
    private boolean wokenToSend;
    /**
     * Sends refused right after the socket said it was writable, in a row, and the timer that
     * retries them: an unconnected Unix datagram socket is "writable" while its receiver is full.
     */
    private int refusedWakeUps;
    private Timer sendRetry;
    /** Datagrams queued when the last send began: what went is told by how many are left. */
    private int queuedAtSend;
    /** The queue's sent counts already added to the engine's counters. */
    private long sentCounted, sentBytesCounted;

    /**
     * A datagram socket on the engine running the callback that opens it ({@link #listen} or
     * {@link #connect}), or, opened off any loop thread, on the default engine
     * ({@link Engine#instance()}); where that would be a guess (no default engine yet, but
     * others open), opening throws and says to pass one.
     */
    protected Datagram() {}

    /** A datagram socket on {@code engine}. */
    protected Datagram(Engine engine) {
        this.engine = Objects.requireNonNull(engine);
    }

    // ---------------------------------------------------------------- callbacks

    /** The next datagram (or piece of one, see the read delimiter) and who sent it. The array is yours to keep. */
    protected void onRead(byte[] data, SocketAddress sender) {}

    /** The send queue went above the high water mark and is now down to the low one. */
    protected void onDrain() {}

    /**
     * A datagram could not be sent or received, or was refused by its peer; the socket stays
     * open. By default the error is logged as a warning.
     */
    protected void onError(IOException cause) {
        Engine.LOG.log(Level.WARNING, this + ": " + cause.getMessage());
    }

    /** The socket closed. Called once. */
    protected void onClose() {}

    // ---------------------------------------------------------------- opening

    /** Binds to {@code port} on every interface: IPv6 and IPv4 (dual-stack) where IPv6 exists. */
    public Datagram listen(int port) {
        return listen(new InetSocketAddress(port));
    }

    /** Binds to {@code host:port}; a host name is resolved now, on the calling thread. */
    public Datagram listen(String host, int port) {
        return listen(Resolver.forListening(host, port));
    }

    /**
     * Binds to an IP socket address or a Unix domain socket path; the socket file is removed on
     * {@link #close()}.
     *
     * @throws UncheckedIOException if the address can't be bound (in use, not permitted, ...)
     * @throws UnsupportedOperationException for a Unix domain address on a backend without them
     */
    public Datagram listen(SocketAddress address) {
        openingOnce("Datagram.listen", "MyDatagram", address, "a datagram socket binds once");
        open(address);
        if (address instanceof UnixDomainSocketAddress u) unixPath = u.getPath();
        return this;
    }

    private void open(SocketAddress bind) {
        DatagramSocket s;
        try {
            s = engine.poller().openDatagram(bind, pendingOptions);
        } catch (IOException e) {
            String hint = bind instanceof UnixDomainSocketAddress u && !u.getPath().toString().isEmpty()
                    ? " (if no program uses it any more, delete the stale socket file)" : "";
            throw new UncheckedIOException("could not open a datagram socket on " + bind + ": " + e.getMessage() + hint, e);
        }
        int t = engine.register(this);
        try {
            engine.poller().register(s, t, Poller.READ, false);
        } catch (IOException e) {
            s.close();
            engine.unregister(t);
            throw new UncheckedIOException("could not register the datagram socket on " + bind + ": " + e.getMessage(), e);
        }
        socket = s;
        token = t;
        registeredWith(Poller.READ);
        state = OPEN;
        pendingOptions.clear();
    }

    /** Fixes the peer to {@code host:port}; a host name is resolved off the loop thread. */
    public Datagram connect(String host, int port) {
        return connect(InetSocketAddress.createUnresolved(host, port));
    }

    /**
     * Fixes the peer: an IP address (resolved or not) or a Unix domain socket path. Opens the
     * socket first if {@link #listen} did not. With a resolved address the socket is connected
     * when this returns; a host name is resolved off the loop thread, and datagrams written
     * meanwhile with {@link #write(byte[])} go out once it is connected (a failure to resolve
     * goes to {@link #onError}, then the socket closes).
     *
     * @throws UncheckedIOException if the socket can't be opened or connected
     */
    public Datagram connect(SocketAddress address) {
        opening("Datagram.connect", "MyDatagram", address);
        if (state == CLOSING || state == CLOSED) throw new IllegalStateException("connect(): " + this + " is " + stateName());
        if (peer != null || resolving != null) throw new IllegalStateException("connect(): " + this + " is already connected; a datagram socket connects once");
        if (address instanceof InetSocketAddress isa && isa.isUnresolved()) {
            if (!Resolver.isLiteral(isa.getHostString())) {
                resolveThenConnect(isa);
                return this;
            }
            try {
                address = Resolver.literal(isa);
            } catch (UnknownHostException e) {
                throw new UncheckedIOException("connect: not an address: " + isa.getHostString(), e);
            }
        }
        connectResolved(address);
        return this;
    }

    private void connectResolved(SocketAddress address) {
        boolean opened = socket == null;
        if (opened) open(address instanceof UnixDomainSocketAddress ? UNNAMED : new InetSocketAddress(0));
        try {
            socket.connect(address);
        } catch (IOException e) {
            UncheckedIOException failure = new UncheckedIOException("could not connect " + this + " to " + address + ": " + e.getMessage(), e);
            if (opened) closeNow(); // the socket was opened for this peer only
            throw failure;
        }
        peer = address;
        if (!out.isEmpty()) queueFlush();
    }

    private void resolveThenConnect(InetSocketAddress unresolved) {
        resolving = unresolved;
        if (state == NEW) state = RESOLVING;
        Resolver.resolve(engine, unresolved, this::resolvedPeer);
    }

    private void resolvedPeer(InetSocketAddress resolved, UnknownHostException failure) {
        if (resolving == null || state == CLOSING || state == CLOSED) return; // closed meanwhile
        resolving = null;
        if (failure != null) {
            safely("onError", () -> onError(failure));
            closeNow();
            return;
        }
        try {
            connectResolved(resolved);
        } catch (UncheckedIOException ex) {
            safely("onError", () -> onError(ex.getCause()));
            closeNow();
        }
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Sets how each datagram is cut into {@code onRead} pieces; see the class comment.
     *
     * @throws IllegalArgumentException for a {@link ReadDelimiter#custom} decoder, which decodes a stream
     */
    public Datagram readDelimiter(ReadDelimiter d) {
        checkThread("Datagram.readDelimiter");
        if (Objects.requireNonNull(d).decoder() != null) {
            throw new IllegalArgumentException("Datagram.readDelimiter(" + d + "): a custom decoder keeps a stream's input across reads,"
                    + " and a datagram is complete in itself; decode each datagram in onRead");
        }
        this.delimiter = d;
        return this;
    }

    public ReadDelimiter readDelimiter() { return delimiter; }

    @Override
    void handleReady(int events) {
        if (state == CLOSED) return;
        if ((events & Poller.WRITE) != 0 && writeArmed && !isFlushListed()) {
            wokenToSend = true;
            flushLater();
        }
        if ((events & (Poller.READ | Poller.HANGUP | Poller.ERROR)) == 0) return;
        if (state == OPEN) {
            try {
                socket.receive(sink, RECEIVE_BATCH);
            } catch (IOException e) {
                safely("onError", () -> onError(e));
            }
        } else if ((events & Poller.ERROR) != 0) { // closing, not receiving: clear the error it signals
            IOException e = socket.takeError();
            if (e != null) safely("onError", () -> onError(e));
        }
    }

    private boolean received(ByteBuffer data, SocketAddress sender, boolean truncated) {
        if (state != OPEN) return false;
        if (truncated) {
            DatagramTruncatedException e = new DatagramTruncatedException("a datagram from " + describe(sender)
                    + " was larger than the " + MAX_SIZE + " bytes received whole; it was cut short and dropped", sender);
            safely("onError", () -> onError(e));
            return state == OPEN;
        }
        byte[] datagram = new byte[data.remaining()];
        data.get(datagram);
        engine.counters.bytesRead += datagram.length;
        deliver(datagram, sender);
        return state == OPEN;
    }

    private void deliver(byte[] datagram, SocketAddress sender) {
        if (delimiter == ReadDelimiter.none()) { // the common case, and the only one that delivers an empty datagram
            read(datagram, sender);
            return;
        }
        int start = 0, end = datagram.length;
        while (state == OPEN && start < end) {
            ReadDelimiter d = delimiter; // onRead may change it: it applies to the rest of the datagram
            int[] frame = engine.frameScratch; // read back before onRead can run again
            int r = d.frame(datagram, start, end, Integer.MAX_VALUE, frame);
            if (r == ReadDelimiter.FOUND) {
                int from = frame[0], to = frame[1];
                start = frame[2];
                read(Arrays.copyOfRange(datagram, from, to), sender);
            } else if (d.deliversRemainderAtEof()) { // the datagram's end ends the last piece
                read(Arrays.copyOfRange(datagram, start, end), sender);
                break;
            } else {
                ProtocolException e = new ProtocolException("a datagram from " + describe(sender) + " ends with "
                        + (end - start) + " bytes that are not a complete " + d + " frame; they were dropped");
                safely("onError", () -> onError(e));
                break;
            }
        }
    }

    private void read(byte[] piece, SocketAddress sender) {
        engine.counters.messagesRead++;
        try {
            onRead(piece, sender);
        } catch (Throwable e) {
            engine.reportError(this, "onRead", e);
        }
    }

    @Override
    void handleReceived(ByteBuffer data) {
        throw new IllegalStateException("a datagram socket is registered without readOnReady");
    }

    @Override
    void handleReceiveEnded(IOException error) {
        // only reached when the poller failed to register the socket: it can't receive
        if (state == CLOSED) return;
        safely("onError", () -> onError(error));
        closeNow();
    }

    // ---------------------------------------------------------------- writing

    /** Queues {@code data} as one datagram to the connected peer. */
    public Datagram write(byte[] data) {
        return write(data, 0, data.length, null);
    }

    /** Queues {@code len} bytes of {@code data} from {@code off} as one datagram to the connected peer. */
    public Datagram write(byte[] data, int off, int len) {
        return write(data, off, len, null);
    }

    /** Queues {@code data} as one datagram to {@code target}. */
    public Datagram write(byte[] data, SocketAddress target) {
        return write(data, 0, data.length, target);
    }

    /**
     * Queues {@code len} bytes of {@code data} from {@code off} as one datagram to
     * {@code target}, or to the connected peer when {@code target} is null. A connected socket
     * sends to its peer only.
     *
     * @throws IllegalArgumentException if the datagram is larger than its protocol allows, the
     *         target is an unresolved host name, or the socket is connected to another peer
     * @throws IllegalStateException if the socket is not open, or has no peer and no target is given
     */
    public Datagram write(byte[] data, int off, int len, SocketAddress target) {
        Objects.checkFromIndexSize(off, len, data.length);
        checkThread("Datagram.write");
        if (state == NEW) throw new IllegalStateException("write(): " + this + " is not open; listen() or connect() it first");
        if (state != OPEN && state != RESOLVING) {
            throw new IllegalStateException("write(): " + this + " is " + stateName() + "; stop writing in onClose()");
        }
        SocketAddress to = target;
        if (to != null) {
            if (to instanceof InetSocketAddress isa && isa.isUnresolved()) {
                throw new IllegalArgumentException("write(): resolve " + isa.getHostString() + " first; a datagram goes to an address");
            }
            if (resolving != null) throw new IllegalStateException("write(): " + this + " is connecting to " + resolving + "; write(data) sends there");
            if (peer != null) {
                if (!to.equals(peer)) {
                    throw new IllegalArgumentException("write(): " + this + " is connected to " + peer
                            + " and sends there only; use another, unconnected Datagram for " + to);
                }
                to = null;
            }
        } else if (peer == null && resolving == null) {
            throw new IllegalStateException("write(data) sends to the connected peer, and " + this
                    + " is not connected; use write(data, address) or connect() first");
        }
        SocketAddress destination = to != null ? to : peer != null ? peer : resolving;
        int max = maxPayload(destination);
        if (len > max) {
            throw new IllegalArgumentException("write(): a datagram of " + len + " bytes is larger than the " + max
                    + " bytes a datagram to " + destination + " can carry");
        }
        out.add(Arrays.copyOfRange(data, off, off + len), to);
        filledAboveHighWaterMark(out.bytes());
        if (state == OPEN && resolving == null) queueFlush();
        return this;
    }

    private static int maxPayload(SocketAddress to) {
        if (to instanceof UnixDomainSocketAddress) return MAX_SIZE;
        InetSocketAddress isa = (InetSocketAddress) to;
        // an unresolved peer may turn out to be IPv6: its larger limit, the kernel refuses the rest
        return isa.isUnresolved() || isa.getAddress() instanceof Inet6Address ? MAX_IPV6_PAYLOAD : MAX_IPV4_PAYLOAD;
    }

    /**
     * Sends what is queued now rather than at the end of the loop turn: before this returns,
     * with a system call of its own, on every backend (io_uring's turn otherwise submits the
     * sends with its wait). Datagrams already on their way go first: then the rest follows them
     * as at the end of the turn.
     */
    public Datagram flush() {
        checkThread("Datagram.flush");
        if (!waitingToSend() && resolving == null) sendQueued(true);
        return this;
    }

    /** False while more than the high water mark of payload is queued; wait for {@link #onDrain()}. */
    public boolean isWritable() { return writable(); }

    /** Payload bytes queued and not yet sent. */
    public long queuedBytes() { return out.bytes(); }

    /** Datagrams queued and not yet sent. */
    public int queuedDatagrams() { return out.size(); }

    /** Sets the send-queue water marks, in payload bytes (32/64 KiB by default). */
    public Datagram waterMarks(int low, int high) {
        setWaterMarks(low, high);
        return this;
    }

    /** Whether queued datagrams wait for the socket (WRITE armed) or for a retry. */
    private boolean waitingToSend() { return writeArmed || sendRetry != null; }

    private void queueFlush() {
        if (!waitingToSend()) flushLater();
    }

    /** Sends what the socket takes (at the end of the turn), reports what it refused, and arms WRITE for the rest. */
    void sendQueued() {
        sendQueued(false);
    }

    /**
     * Sends what the socket takes, at once ({@code now}) or as the poller sends at the end of
     * a turn (a completion-based poller submits the sends, and {@link #sendCompleted} goes on).
     */
    private void sendQueued(boolean now) {
        // while the peer is resolved, datagrams for it can't go, and the others wait their turn
        if ((state != OPEN && state != CLOSING) || socket == null || resolving != null) return;
        // sends the poller submitted are on their way: their completion sends the rest
        if (out.inFlight() > 0) return;
        queuedAtSend = out.size();
        if (!out.isEmpty()) {
            if (now) socket.sendNow(out);
            else socket.send(out);
        }
        afterSend();
    }

    /** The sends a completion-based poller submitted for this socket completed: what they came to is in the queue. */
    void sendCompleted() {
        if (state == CLOSED || socket == null) return;
        afterSend();
    }

    /** Counts what went, reports what the system refused, and waits for WRITE readiness, a retry or a completion for the rest. */
    private void afterSend() {
        engine.counters.messagesWritten += out.sentCount() - sentCounted;
        engine.counters.bytesWritten += out.sentBytes() - sentBytesCounted;
        sentCounted = out.sentCount();
        sentBytesCounted = out.sentBytes();
        int before = queuedAtSend;
        IOException error;
        while (state != CLOSED && (error = out.takeError()) != null) {
            IOException e = error;
            safely("onError", () -> onError(e));
        }
        if (state == CLOSED) return;
        boolean empty = out.isEmpty();
        // submitted (a completion-based poller): neither readiness nor a retry, the completion tells
        boolean submitted = out.inFlight() > 0;
        boolean wantWrite = !empty && !submitted && sendRetry == null;
        if (!empty && !submitted && out.size() == before && wokenToSend) {
            // told writable, yet nothing went: the readiness can't be trusted for this peer (Linux
            // reports an unconnected Unix datagram socket writable while its receiver is full), so
            // waiting for it would spin. Retry on a timer, backing off from 1 ms to 64 ms.
            wantWrite = false;
            long delay = 1L << Math.min(refusedWakeUps++, 6);
            sendRetry = engine.defer(Duration.ofMillis(delay), this::retrySend);
        } else if (out.size() < before) {
            refusedWakeUps = 0;
        }
        if (!submitted) wokenToSend = false; // else kept for the completion to judge
        if (writeArmed != wantWrite) {
            writeArmed = wantWrite;
            updateInterest();
        }
        if (drainedToLowWaterMark(out.bytes()) && state == OPEN) safely("onDrain", this::onDrain);
        if (state == CLOSING && out.isEmpty()) closeNow();
    }

    // ---------------------------------------------------------------- options

    /**
     * Sets a socket option ({@link StandardSocketOptions}). Before the socket is opened, the
     * option is kept and set before binding.
     *
     * @throws UncheckedIOException if the system refuses it
     * @throws UnsupportedOperationException if the backend doesn't know the option
     */
    public <T> Datagram option(SocketOption<T> option, T value) {
        Objects.requireNonNull(option);
        Objects.requireNonNull(value);
        checkThread("Datagram.option");
        if (state == CLOSING || state == CLOSED) throw new IllegalStateException("option(): " + this + " is " + stateName());
        if (socket == null) {
            pendingOptions.put(option, value);
            return this;
        }
        try {
            socket.setOption(option, value);
        } catch (IOException e) {
            throw new UncheckedIOException("could not set " + option + " to " + value + " on " + this + ": " + e.getMessage(), e);
        }
        return this;
    }

    /** A socket option's value; before the socket is opened, the value set for it, or null. */
    @SuppressWarnings("unchecked")
    public <T> T option(SocketOption<T> option) {
        checkThread("Datagram.option");
        if (socket == null || state == CLOSED) return (T) pendingOptions.get(option);
        try {
            return socket.getOption(option);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + option + " of " + this + ": " + e.getMessage(), e);
        }
    }

    /** Allows sending to broadcast addresses (SO_BROADCAST); off by default. */
    public Datagram broadcast(boolean on) {
        return option(StandardSocketOptions.SO_BROADCAST, on);
    }

    /** The TTL (IPv4) and hop limit (IPv6) of multicast datagrams sent: 0 to 255, 1 by default (this subnet). 0 keeps them on this host. */
    public Datagram multicastTtl(int ttl) {
        if (ttl < 0 || ttl > 255) throw new IllegalArgumentException("multicast TTL must be 0 to 255, got " + ttl);
        return option(StandardSocketOptions.IP_MULTICAST_TTL, ttl);
    }

    /** Whether this host's own members of a group receive the multicast datagrams sent (on by default). */
    public Datagram multicastLoopback(boolean on) {
        return option(StandardSocketOptions.IP_MULTICAST_LOOP, on);
    }

    /** The interface multicast datagrams are sent on (by default the system picks by route). */
    public Datagram multicastInterface(NetworkInterface networkInterface) {
        return option(StandardSocketOptions.IP_MULTICAST_IF, Objects.requireNonNull(networkInterface));
    }

    /** Joins the multicast {@code group} (IPv4 or IPv6) on {@code networkInterface}: its datagrams to this port arrive. */
    public Datagram joinGroup(InetAddress group, NetworkInterface networkInterface) {
        membership(group, networkInterface, true);
        return this;
    }

    /** Leaves a group joined with {@link #joinGroup}. */
    public Datagram leaveGroup(InetAddress group, NetworkInterface networkInterface) {
        membership(group, networkInterface, false);
        return this;
    }

    private void membership(InetAddress group, NetworkInterface networkInterface, boolean join) {
        String what = join ? "joinGroup" : "leaveGroup";
        checkThread("Datagram." + what);
        Objects.requireNonNull(networkInterface);
        if (!group.isMulticastAddress()) throw new IllegalArgumentException(what + "(): " + group.getHostAddress() + " is not a multicast address");
        if (state != OPEN) throw new IllegalStateException(what + "(): " + this + " is " + stateName() + "; listen() first");
        try {
            if (join) socket.joinGroup(group, networkInterface);
            else socket.leaveGroup(group, networkInterface);
        } catch (IOException e) {
            throw new UncheckedIOException(what + "(" + group.getHostAddress() + ", " + networkInterface.getName() + ") failed on "
                    + this + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- closing

    /** Sends what is queued, then closes. */
    public void close() {
        close(true);
    }

    /** Closes after sending what is queued ({@code flush}), or at once, dropping it. */
    public void close(boolean flush) {
        close(flush, "Datagram.close");
    }

    @Override
    boolean closeAfterQueue() {
        if (out.isEmpty() || resolving != null) return false;
        state = CLOSING;
        updateInterest();
        queueFlush();
        return true;
    }

    /** Closes at once; queued datagrams are dropped. */
    public void abort() {
        close(false);
    }

    private void retrySend() {
        sendRetry = null;
        if (state == CLOSED) return;
        wokenToSend = true; // the timer stands in for the readiness we don't trust
        flushLater();
    }

    @Override
    void closeNow() {
        if (state == CLOSED) return;
        state = CLOSED;
        resolving = null;
        if (sendRetry != null) {
            sendRetry.cancel();
            sendRetry = null;
        }
        closeSocket();
        out.clear();
        if (unixPath != null) deleteSocketFile(unixPath);
        safely("onClose", this::onClose);
    }

    // ---------------------------------------------------------------- state

    /** True once open (listening or connected) and until closed or closing. */
    public boolean isOpen() { return state == OPEN; }

    /** True once a peer is fixed with {@link #connect}, while open. */
    public boolean isConnected() { return state == OPEN && peer != null; }

    /** True once closed (or closing, with datagrams still being sent). */
    public boolean isClosed() { return state == CLOSED || state == CLOSING; }

    /** The local address, or null before the socket is opened. */
    public SocketAddress localAddress() { return socket == null ? null : socket.localAddress(); }

    /** The port of the local IP address, handy after {@code listen(0)}. */
    public int port() {
        if (localAddress() instanceof InetSocketAddress isa) return isa.getPort();
        throw new IllegalStateException("port(): " + this + " is not bound to an IP address");
    }

    /** The connected peer (or the one being resolved), or null. */
    public SocketAddress remoteAddress() { return peer != null ? peer : resolving; }

    /** The engine this socket runs on (null until opened, for sockets made without one). */
    public Engine engine() { return engine; }

    private void updateInterest() {
        if (socket == null || state == CLOSED) return;
        int want = (state == OPEN ? Poller.READ : 0) | (writeArmed ? Poller.WRITE : 0);
        setInterest(want);
    }

    private static String describe(SocketAddress a) {
        return a instanceof UnixDomainSocketAddress u && u.getPath().toString().isEmpty() ? "an unnamed Unix domain socket" : String.valueOf(a);
    }

    @Override
    String stateName() {
        return switch (state) {
            case NEW -> "not open";
            case RESOLVING -> "resolving its peer";
            case OPEN -> "open";
            case CLOSING -> "closing";
            default -> "closed";
        };
    }

    @Override
    public String toString() {
        SocketAddress local = localAddress();
        SocketAddress remote = remoteAddress();
        return typeName() + "[" + (local == null ? "" : local) + (remote == null ? "" : " -> " + remote) + ", " + stateName() + "]";
    }
}
