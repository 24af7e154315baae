// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.PollerSocket;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * What the engine dispatches events to and flushes: a stream, a datagram socket or a listening
 * socket, registered under a token. The engine's only view of its channels; users meet the
 * subclasses. It holds what they all have (engine, socket, token, state, the interest the poller
 * was last told) and the machinery they share: the loop-thread check, calling user code safely,
 * interest updates, {@code close(flush)}, the send-queue water marks and the flush list.
 *
 * @param <S> the kind of socket the subclass holds, so that it uses it without casts
 */
abstract class Channel<S extends PollerSocket> {
    /** Null until the channel opens, for one made without an engine. */
    Engine engine;
    /** Null until the channel opens. */
    S socket;
    /** Under which the engine and the poller know it; -1 while it has none. */
    int token = -1;
    ChannelState state = ChannelState.NEW;
    /** The interest the poller was last given; -1 before registration. */
    private int interest = -1;
    /** On the engine's flush list, see {@link #flushLater()}. */
    private boolean flushListed;

    /** Send-queue water marks; writable: not above the high one, or down to the low one since. */
    private int lowWaterMark = Stream.DEFAULT_LOW_WATER_MARK, highWaterMark = Stream.DEFAULT_HIGH_WATER_MARK;
    private boolean writable = true;

    // ---------------------------------------------------------------- what the engine calls

    /** Readiness without data: READ (the poller did not read), WRITE, HANGUP, ERROR. */
    abstract void handleReady(int events);

    /** Bytes the poller read; the buffer is valid only during the call. */
    abstract void handleReceived(ByteBuffer data);

    /** End of stream (error null) or a read error, found by the poller. */
    abstract void handleReceiveEnded(IOException error);

    /** Closes at once, dropping queued output (the engine's own close uses it too). Does nothing once closed. */
    abstract void closeNow();

    /** Whether events for this channel are stale (it closed earlier in the turn). */
    final boolean isClosedForEvents() { return state == ChannelState.CLOSED; }

    // ---------------------------------------------------------------- shared machinery

    /**
     * The start of a call that opens the channel ({@code what}: {@code "Stream.connect"}) on
     * {@code address}, which must not be null: a channel made without an engine takes the one it
     * is used on ({@link Engine#forNewChannel}; {@code example} names the subclass in the advice
     * to pass one), and the call must come from that engine's loop thread.
     */
    final void opening(String what, String example, SocketAddress address) {
        Objects.requireNonNull(address);
        if (engine == null) {
            engine = Engine.forNewChannel(what.substring(what.indexOf('.') + 1) + "() of " + getClass().getName()
                    + ", made without an engine,", "new " + example + "(engine), whose constructor calls super(engine)");
        }
        engine.checkLoopThread(what);
    }

    /** {@link #opening} of a call that can open the channel only once, from new; {@code once} says so in the error. */
    final void openingOnce(String what, String example, SocketAddress address, String once) {
        opening(what, example, address);
        if (state != ChannelState.NEW) {
            throw new IllegalStateException(what.substring(what.indexOf('.') + 1) + "(): " + this + " is already " + stateName() + "; " + once);
        }
    }

    /** The state in words, for messages; a subclass says it in its own ("not connected", "resolving its peer"). */
    String stateName() { return state.name().toLowerCase(Locale.ROOT); }

    /** Throws, saying to use {@code engine.execute}, when called off the loop thread of a running engine. */
    final void checkThread(String what) {
        if (engine != null) engine.checkLoopThread(what);
    }

    /** Runs a user callback; what it throws is logged with this channel, and the loop carries on. */
    final void safely(String callback, Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            engine.reportError(this, callback, e);
        }
    }

    /** Registered with {@code interest}: the poller is told only of changes from now on. */
    final void registeredWith(int interest) {
        this.interest = interest;
    }

    /** Tells the poller what to report for the socket, unless it knows already. */
    final void setInterest(int want) {
        if (want != interest) {
            interest = want;
            engine.poller().setInterest(socket, want);
        }
    }

    /**
     * {@code close(flush)} for every kind of channel: a channel that was never opened just
     * becomes closed; an open one with output queued and {@code flush} asked for is left to
     * {@link #closeAfterQueue()}; everything else closes now.
     */
    final void close(boolean flush, String what) {
        checkThread(what);
        switch (state) {
            case NEW -> { state = ChannelState.CLOSED; return; }
            case CLOSED -> { return; }
            case CLOSING -> { if (flush) return; }
            case OPEN -> { if (flush && closeAfterQueue()) return; }
            default -> { }
        }
        closeNow();
    }

    /**
     * Starts closing behind the output still queued (CLOSING), if there is any to send; false
     * when it should close now. Only {@link #close(boolean, String)} calls it, for an open channel.
     */
    boolean closeAfterQueue() { return false; }

    /** Closes the socket and gives its token back; a descriptor freed lets paused listeners try again. */
    final void closeSocket() {
        boolean open = socket != null && !socket.isClosed();
        if (socket != null) socket.close();
        if (token >= 0) {
            engine.unregister(token);
            token = -1;
        }
        if (open) engine.pausedListeners.descriptorFreed();
    }

    /** Removes the file a Unix domain socket was bound to (when it closes); a failure is only logged. */
    static void deleteSocketFile(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Engine.LOG.log(Level.WARNING, "could not remove the socket file " + path + ": " + e);
        }
    }

    // ---------------------------------------------------------------- flushing

    /** Puts the channel on the engine's list for the next flush, unless it is on it already. */
    final void flushLater() {
        if (!flushListed) {
            flushListed = true;
            engine.flushLater(this);
        }
    }

    final boolean isFlushListed() { return flushListed; }

    /** The engine took the channel off its flush list, to flush it now. */
    final void takenForFlush() { flushListed = false; }

    // ---------------------------------------------------------------- water marks

    final void setWaterMarks(int low, int high) {
        if (low < 0 || high < low) throw new IllegalArgumentException("need 0 <= low <= high, got " + low + ", " + high);
        this.lowWaterMark = low;
        this.highWaterMark = high;
    }

    /** False from when more than the high water mark was queued until the queue is down to the low one. */
    final boolean writable() { return writable; }

    /** After queueing: whether {@code queued} bytes are above the high water mark (then it is not writable). */
    final boolean filledAboveHighWaterMark(long queued) {
        if (queued <= highWaterMark) return false;
        writable = false;
        return true;
    }

    /** After sending: true, once, when the queue was above the high water mark and is now down to the low one. */
    final boolean drainedToLowWaterMark(long queued) {
        if (writable || queued > lowWaterMark) return false;
        writable = true;
        return true;
    }

    /** The class's simple name, or its full name for an anonymous one: toString's first word. */
    final String typeName() {
        String name = getClass().getSimpleName();
        return name.isEmpty() ? getClass().getName() : name;
    }
}
