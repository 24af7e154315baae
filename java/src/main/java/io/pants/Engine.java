// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.ChunkPool;
import io.pants.spi.Poller;
import io.pants.spi.PollerProvider;
import io.pants.spi.ReadyHandler;
import io.pants.spi.WriteBatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The event loop: one thread waits on a {@link Poller}, runs timers, and calls the streams,
 * servers and timers registered with it. Nothing here blocks; everything happens in callbacks.
 *
 * <pre>{@code
 * new Server(Echo::new).listen(4040);
 * Engine.instance().start();          // runs until stop()
 * }</pre>
 *
 * <h2>One turn of the loop</h2>
 * Every call to {@link #poll(Duration)}, and every iteration of {@link #start()}, is one turn:
 * <ol>
 *   <li>run tasks handed in from other threads with {@link #execute(Runnable)};
 *   <li>run timers that are due ({@link #defer}, {@link #cycle}), earliest first, then the
 *       {@link #deadline deadlines} that are due;
 *   <li>run the callbacks scheduled before the turn began ({@link #callback}), then every {@link #loop};
 *   <li>flush queued writes (one native crossing for all streams on the epoll shim, and one
 *       per datagram socket for its batch of datagrams);
 *   <li>wait for I/O, at most until the nearest timer or deadline (not at all if callbacks are pending);
 *       interest changes go in with the wait, and the shim performs the reads in the same call;
 *   <li>dispatch what was ready: accepts, connects, data, end of stream, writability;
 *   <li>flush the writes those callbacks queued.
 * </ol>
 *
 * <h2>Threads</h2>
 * {@link #execute}, {@link #submit} and {@link #stop} are safe from any thread. Every other
 * method of the engine, and of the streams, servers and timers on it, belongs to the loop
 * thread: while the loop runs, a call from another thread throws an
 * {@link IllegalStateException} that says to use {@code execute}. Before the loop starts (or
 * after it returns), the thread that owns the engine may set things up directly.
 *
 * <p>One engine is one thread. To use several cores, run several engines as an
 * {@link EngineGroup} ({@link #group(int)}, or {@code -Dpants.loops=N}): a server on the group
 * accepts on all of them, and each connection lives on one.
 *
 * <h2>Which engine</h2>
 * A {@link Server}, {@link Stream} or {@link Datagram} made without an engine belongs to the
 * engine whose callback makes (or connects) it, so that a client made in a server's callback runs
 * beside it; made off any loop thread, to the default engine, {@link #instance()}. Where that
 * would be a guess (the default engine was never made, other engines are open), it throws, saying
 * to pass the engine: the alternative is a stream on an engine nobody runs, silently never connecting.
 *
 * <h2>Errors</h2>
 * An exception thrown by a user callback is logged (logger {@code io.pants}, through
 * {@link System.Logger}) with the stream or timer it came from, and the loop carries on.
 *
 * @since 0.1
 */
public final class Engine implements Executor, AutoCloseable {
    static final System.Logger LOG = System.getLogger("io.pants");

    private static final int TASKS_PER_TURN = 4096;
    private static final long TRIM_INTERVAL_NANOS = 1_000_000_000L;
    private static final long DEFAULT_SLOW_TURN_NANOS = 50_000_000L;
    private static final Object INSTANCE_LOCK = new Object();
    private static volatile Engine instance;
    /** The engine whose loop runs on this thread (inside its start() or poll()), if any. */
    private static final ThreadLocal<Engine> CURRENT = new ThreadLocal<>();
    /** Engines made and not yet closed, the default one included. */
    private static final AtomicInteger OPEN = new AtomicInteger();

    private final PollerProvider provider;
    private final Poller poller;
    private final LongSupplier clock;
    private final long slowTurnNanos;
    final ChunkPool chunks;
    /** Shared by this engine's TLS streams (see {@link TlsLayer}). */
    final TlsBuffers tlsBuffers = new TlsBuffers();
    private long lastTrim;

    private final TimerHeap timers = new TimerHeap();
    private final DeadlineWheel deadlines;
    private ArrayDeque<Timer> callbacks = new ArrayDeque<>();
    private ArrayDeque<Timer> runningCallbacks = new ArrayDeque<>();
    private final ArrayList<Timer> loops = new ArrayList<>();
    private boolean loopsCancelled;

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** True while the loop is (about to be) blocked in the poller: only then is a wake-up needed. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicReference<Thread> loopThread = new AtomicReference<>();
    /** The group this engine is a loop of, and its place there; null and 0 for an engine on its own. */
    volatile EngineGroup group;
    int indexInGroup;
    private volatile boolean stopRequested;
    private boolean inTurn;
    private boolean closeRequested;
    private volatile boolean closed;

    /** The channels by the token the poller knows them under. */
    private final ChannelTable channels = new ChannelTable();

    /** Streams share one batch, written in one native crossing; a datagram socket sends its own batch. */
    private final FlushList streamsToFlush = new FlushList(64), datagramsToFlush = new FlushList(16);
    private final WriteBatch batch = new WriteBatch();
    private final WriteBatch singleBatch = new WriteBatch();

    /** Where a read delimiter reports a piece's bounds; shared, as only one stream frames at a time. */
    final int[] frameScratch = new int[3];
    /** For the reads the poller leaves to the engine (plain readiness). */
    private ByteBuffer readBuffer;
    /** Listeners out of descriptors, waiting for a close to make room. */
    final PausedListeners pausedListeners = new PausedListeners(this);
    private final Dispatcher dispatcher = new Dispatcher();
    /** Counted by the loop thread, read by {@link #stats()} from any; {@code counters.turns} is the turn number. */
    final LoopCounters counters = new LoopCounters();
    /**
     * When this turn's first event was dispatched (0: none yet). The wait ends there, not when
     * the poller returns: the shim hands over reads inside its wait call, and their callbacks
     * are busy time.
     */
    private long dispatchBegan;

    /** The process-wide engine, created on first use with the best poller available. */
    public static Engine instance() {
        Engine e = instance;
        if (e == null) {
            synchronized (INSTANCE_LOCK) {
                e = instance;
                if (e == null) instance = e = new Engine();
            }
        }
        return e;
    }

    /**
     * The engine whose loop runs on the calling thread (inside its {@link #start()} or
     * {@link #poll}), or null off any loop: on a {@link EngineGroup group}, "the loop I am on".
     *
     * <pre>{@code
     * Engine here = Engine.current();   // in a callback: the stream's own loop
     * }</pre>
     */
    public static Engine current() { return CURRENT.get(); }

    /**
     * The engine a stream, server or client made on this thread without one runs on: the
     * {@link #current() current} loop's, else the default engine ({@link #instance()}). For
     * code that makes channels on behalf of its caller, as {@code HttpClient.create()} does.
     *
     * @throws IllegalStateException off any loop while other engines are open and the default
     *         one was never made: then the caller surely means one of those, and must say which
     */
    public static Engine currentOrDefault() {
        return forNewChannel("Engine.currentOrDefault()", "the engine itself");
    }

    /**
     * The process-wide group of {@code loops} engines, made on first use; its loop 0 is the
     * default engine ({@link #instance()}), and servers made on the default engine without one
     * ({@code new Server(Echo::new)}) before the group existed serve on all its loops:
     *
     * <pre>{@code
     * new Server(Echo::new).listen(4040);
     * Engine.group(8).start();           // 8 loops, threads pants-loop-0 .. pants-loop-7
     * }</pre>
     *
     * @throws IllegalStateException if the default group exists with another size, or the
     *         default engine runs already (make the group before starting it)
     */
    public static EngineGroup group(int loops) { return EngineGroup.defaultGroup(loops); }

    /**
     * The process-wide group ({@link #group(int)}) of {@code -Dpants.loops} engines, or one per
     * available processor without the property ({@link EngineGroup#defaultLoops()}).
     */
    public static EngineGroup group() { return EngineGroup.defaultGroup(EngineGroup.defaultLoops()); }

    /** The group this engine is a loop of, or null for an engine on its own. */
    public EngineGroup engineGroup() { return group; }

    /**
     * This engine's place in its {@link #engineGroup() group}, from 0 (0 for an engine on its
     * own): an index for things kept per loop, such as a buffer each loop reuses.
     */
    public int loopIndex() { return indexInGroup; }

    /** The backend this engine's poller came from: a group makes its other loops with it. */
    PollerProvider provider() { return provider; }

    /** Whether {@link #instance()} has made the default engine (and it is not closed). */
    static boolean defaultEngineMade() { return instance != null; }

    /** An engine on the preferred poller: {@code -Dpants.poller}, else the best available. */
    public Engine() {
        this(builder());
    }

    /** An engine on the named poller ({@code epoll}, {@code epoll-libc}, {@code nio}, ...). */
    public Engine(String pollerName) {
        this(builder().poller(pollerName));
    }

    /** An engine on the given poller backend. */
    public Engine(PollerProvider provider) {
        this(builder().poller(provider));
    }

    private Engine(Builder b) {
        PollerProvider provider = b.provider != null ? b.provider
                : b.pollerName != null ? Pollers.select(b.pollerName) : Pollers.preferred();
        this.provider = provider;
        try {
            this.poller = provider.open();
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the " + provider.name() + " poller: " + e.getMessage(), e);
        }
        this.clock = b.clock;
        this.slowTurnNanos = b.slowTurnNanos;
        this.chunks = new ChunkPool(b.chunkSize, Math.min(b.smallChunkSize, b.chunkSize), b.pooledOutputBytes);
        this.lastTrim = clock.getAsLong();
        OPEN.incrementAndGet();
        this.deadlines = new DeadlineWheel(lastTrim);
    }

    public static Builder builder() { return new Builder(); }

    /**
     * Options for an engine that the constructors don't cover.
     *
     * @since 0.1
     */
    public static final class Builder {
        private PollerProvider provider;
        private String pollerName;
        private LongSupplier clock = System::nanoTime;
        private int chunkSize = 16 * 1024;
        private int smallChunkSize = 1024;
        private long pooledOutputBytes = 64L * 1024 * 1024;
        private long slowTurnNanos = defaultSlowTurnNanos();

        private Builder() {}

        /** Picks the poller by name; see {@link Pollers#available()}. */
        public Builder poller(String name) { this.pollerName = Objects.requireNonNull(name); return this; }

        public Builder poller(PollerProvider provider) { this.provider = Objects.requireNonNull(provider); return this; }

        /** The monotonic clock timers run on, in nanoseconds ({@code System::nanoTime} by default). */
        public Builder clock(LongSupplier nanoClock) { this.clock = Objects.requireNonNull(nanoClock); return this; }

        /**
         * Size of the native memory blocks output is queued in (16 KiB by default). A write of
         * at most {@link #smallOutputChunkSize} bytes to a stream with nothing queued goes into
         * a small block instead.
         */
        public Builder outputChunkSize(int bytes) {
            if (bytes < 256) throw new IllegalArgumentException("outputChunkSize must be at least 256 bytes, got " + bytes);
            this.chunkSize = bytes;
            return this;
        }

        /** Size of the blocks small writes are queued in (1 KiB by default; at most the output chunk size). */
        public Builder smallOutputChunkSize(int bytes) {
            if (bytes < 64) throw new IllegalArgumentException("smallOutputChunkSize must be at least 64 bytes, got " + bytes);
            this.smallChunkSize = bytes;
            return this;
        }

        /**
         * The most native memory the engine keeps for reuse in free output blocks (64 MiB by
         * default). The pool grows to what the load needs (one block per stream written in a
         * turn) and hands back, about once a second, blocks that were not needed since.
         */
        public Builder pooledOutputBytes(long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("pooledOutputBytes must not be negative, got " + bytes);
            this.pooledOutputBytes = bytes;
            return this;
        }

        /**
         * How long a turn may keep the loop busy (outside the wait for I/O) before it is recorded
         * as an {@code io.pants.SlowTurn} JDK Flight Recorder event: 50 ms by default, or
         * {@code -Dpants.slowTurnMillis}. Only a running recording sees the event; without one,
         * a slow turn costs one comparison.
         */
        public Builder slowTurnThreshold(Duration threshold) {
            if (threshold.isNegative()) throw new IllegalArgumentException("slowTurnThreshold must not be negative, got " + threshold);
            this.slowTurnNanos = saturatedNanos(threshold);
            return this;
        }

        private static long defaultSlowTurnNanos() {
            String ms = System.getProperty("pants.slowTurnMillis");
            if (ms == null) return DEFAULT_SLOW_TURN_NANOS;
            try {
                long v = Long.parseLong(ms.trim());
                if (v >= 0) return v * 1_000_000L;
            } catch (NumberFormatException e) {
                // reported below
            }
            LOG.log(Level.WARNING, "-Dpants.slowTurnMillis=" + ms + " is not a number of milliseconds (0 or more); using 50");
            return DEFAULT_SLOW_TURN_NANOS;
        }

        public Engine build() { return new Engine(this); }
    }

    /** The poller's name, e.g. {@code epoll}. */
    public String pollerName() { return poller.name(); }

    /** How the poller is bound, e.g. which native library it loaded. */
    public String pollerDescription() { return poller.description(); }

    Poller poller() { return poller; }

    long now() { return clock.getAsLong(); }

    long turns() { return counters.turns; }

    /**
     * What the engine has done so far: turns, time busy and waiting, tasks, timers, channels,
     * bytes and messages, accepts, flushes. Safe to call from any thread, at any time (also
     * after the engine closed); the snapshot's Javadoc says how consistent it is. Counting costs
     * the loop a few field additions per turn and per read or write, and allocates nothing.
     *
     * <pre>{@code
     * engine.stats().bytesRead();
     * }</pre>
     */
    public EngineStats stats() {
        // on the loop thread the gauge can be exact; elsewhere it is as of the last publication
        if (inLoopThread()) counters.timersPending = timers.size() + deadlines.size();
        return counters.snapshot();
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs the loop on the calling thread until {@link #stop()} is called. The default engine
     * with {@code -Dpants.loops=N} (N above 1) runs the default {@link #group() group} of N
     * loops instead, on their own threads, and returns when the group stops
     * ({@code Engine.group().stop()}).
     */
    public void start() {
        if (this == instance && (group != null || EngineGroup.loopsProperty() > 1)) {
            (group != null ? group : Engine.group()).start();
            return;
        }
        runLoop(null);
    }

    /**
     * The loop of {@link #start()}, on the calling thread; a group's threads run it for each loop,
     * with {@code entered} run once this thread owns the engine ({@link #isRunning()} is true), so
     * that the group can tell its starter when every loop takes work through {@code execute} only.
     */
    void runLoop(Runnable entered) {
        Engine outer;
        try {
            outer = enter("start");
        } finally {
            if (entered != null) entered.run();
        }
        try {
            while (!stopRequested) turn(-1);
        } finally {
            stopRequested = false;
            leave(outer);
        }
    }

    /**
     * Runs one turn of the loop, waiting at most {@code timeout} for I/O; for embedding the
     * engine in another loop. {@link Duration#ZERO} never blocks.
     */
    public void poll(Duration timeout) {
        long nanos = timeout.isNegative() ? 0 : saturatedNanos(timeout);
        Engine outer = enter("poll");
        try {
            turn(nanos);
        } finally {
            leave(outer);
        }
    }

    /**
     * Makes {@link #start()} return after the current turn. Safe from any thread. The default
     * engine, once it is loop 0 of the default {@link #group() group}, stops the whole group, as
     * {@code Engine.instance().stop()} stopped the program's loop before there were several.
     */
    public void stop() {
        EngineGroup g = group;
        if (g != null && indexInGroup == 0 && this == instance && g == EngineGroup.defaultGroupIfMade()) {
            g.stop();
            return;
        }
        stopLoop();
    }

    /** Makes this loop return after the current turn (what a group's stop() does to each loop). */
    void stopLoop() {
        stopRequested = true;
        if (!closed) poller.wakeup();
    }

    /** Whether the loop is running right now (inside {@link #start()} or {@link #poll}). */
    public boolean isRunning() { return loopThread.get() != null; }

    /** Whether the calling thread is the one running the loop. */
    public boolean inLoopThread() { return loopThread.get() == Thread.currentThread(); }

    /** Claims the calling thread for the loop; returns the engine it ran before (one polling another), or null. */
    private Engine enter(String what) {
        if (closed) throw new IllegalStateException("the engine is closed; create a new one");
        Thread me = Thread.currentThread();
        if (!loopThread.compareAndSet(null, me)) {
            Thread t = loopThread.get();
            throw new IllegalStateException(what + "(): the engine is already running on thread '"
                    + (t == null ? "?" : t.getName()) + "'" + (t == me ? " (called from one of its callbacks)" : ""));
        }
        Engine outer = CURRENT.get();
        CURRENT.set(this);
        return outer;
    }

    private void leave(Engine outer) {
        CURRENT.set(outer); // not remove(): an engine polled turn after turn would re-create the entry each time
        loopThread.set(null);
        if (closeRequested) close();
    }

    /**
     * The engine for a stream, server or datagram socket made without one ({@code what} names
     * the call, for the error): the engine whose callback is running on this thread, so that a
     * client made in a server's callback connects on the server's engine. Off any loop thread,
     * the default engine ({@link #instance()}), as the README's programs expect, unless that
     * would be a guess: when it does not exist yet while other engines are open, the caller
     * surely means one of those, and is told how to say which.
     */
    static Engine forNewChannel(String what, String withEngine) {
        Engine current = CURRENT.get();
        if (current != null) return current;
        if (instance == null) {
            int open = OPEN.get();
            if (open > 0) {
                throw new IllegalStateException(what + " on thread '" + Thread.currentThread().getName()
                        + "', which runs no engine, while " + open + (open == 1 ? " engine is" : " engines are")
                        + " open and the default one (Engine.instance()) was never made: which engine is meant? Pass it ("
                        + withEngine + "), or do this inside engine.execute(() -> ...) or a callback of that engine;"
                        + " for the default engine, call Engine.instance() first");
            }
        }
        return instance();
    }

    private void turn(long maxWaitNanos) {
        long began = System.nanoTime(); // not the engine's clock, which a test may drive by hand
        LoopCounters c = counters;
        c.turns++;
        inTurn = true;
        long waitBegan = began, waitEnded = began;
        // what the turn did, should it be slow: the counts as it begins
        long ready0 = c.readyEvents, tasks0 = c.tasksRun, timers0 = c.timersRun, read0 = c.bytesRead, written0 = c.bytesWritten;
        try {
            // callbacks scheduled before this turn run in it; those that its tasks, timers and
            // callbacks schedule wait for the next turn, as callback() promises
            ArrayDeque<Timer> dueCallbacks = takeCallbacks();
            runTasks();
            runDueTimers();
            deadlines.runDue(clock.getAsLong(), this);
            runCallbacks(dueCallbacks);
            runLoops();
            flushWrites();

            long timeout = waitTimeout(maxWaitNanos);
            if (timeout != 0) {
                sleeping.set(true);
                // re-check after publishing that we sleep: a task queued before that saw no sleeper
                if (!tasks.isEmpty() || stopRequested) timeout = 0;
            }
            c.timersPending = timers.size() + deadlines.size();
            c.publish(); // before a wait that may be long: readers see the turn's work so far
            waitBegan = System.nanoTime();
            dispatchBegan = 0;
            try {
                poller.poll(timeout, dispatcher);
            } catch (IOException e) {
                throw new UncheckedIOException("the " + poller.name() + " poller failed: " + e.getMessage(), e);
            } finally {
                if (timeout != 0) sleeping.set(false);
                waitEnded = dispatchBegan != 0 ? dispatchBegan : System.nanoTime();
            }
            flushWrites();
            trimOutputPool();
        } finally {
            channels.endTurn();
            inTurn = false;
            long ended = System.nanoTime();
            long busy = (ended - began) - (waitEnded - waitBegan);
            c.waitingNanos += waitEnded - waitBegan;
            c.busyNanos += busy;
            c.publish();
            if (busy > slowTurnNanos) {
                FlightEvents.slowTurn(c.turns, busy, c.readyEvents - ready0, c.tasksRun - tasks0, c.timersRun - timers0,
                        c.bytesRead - read0, c.bytesWritten - written0, poller.name());
            }
        }
    }

    /** About once a second, frees the pooled output blocks the last second did not use. */
    private void trimOutputPool() {
        if (chunks.pooledBytes() == 0) return; // nothing to hand back; spares an idle turn the clock
        long now = clock.getAsLong();
        if (now - lastTrim >= TRIM_INTERVAL_NANOS) {
            lastTrim = now;
            chunks.trim();
        }
    }

    private long waitTimeout(long maxWaitNanos) {
        // channels on the flush lists: output queued by callbacks of the flush just done
        // (onDrain, onWrite) goes out after this wait, which must therefore not block
        if (!callbacks.isEmpty() || closeRequested || streamsToFlush.size() > 0 || datagramsToFlush.size() > 0) return 0;
        Timer next = timers.peek();
        boolean pooled = chunks.pooledBytes() > 0;
        if (next == null && !pooled && deadlines.size() == 0) return maxWaitNanos;
        long now = clock.getAsLong();
        long until = deadlines.untilNext(now);
        if (next != null) {
            long untilTimer = Math.max(0, next.deadline - now);
            until = until < 0 ? untilTimer : Math.min(until, untilTimer);
        }
        // pooled output memory is handed back by trims, which only turns run: an engine that fell
        // idle after a burst wakes for them (twice at most: the second trim empties the pool)
        if (pooled) {
            long untilTrim = Math.max(0, lastTrim + TRIM_INTERVAL_NANOS - now);
            until = until < 0 ? untilTrim : Math.min(until, untilTrim);
        }
        if (until < 0) return maxWaitNanos;
        return maxWaitNanos < 0 ? until : Math.min(until, maxWaitNanos);
    }

    // ---------------------------------------------------------------- timers

    /** Runs {@code task} once, on the next turn. */
    public Timer callback(Runnable task) {
        checkOpen("callback");
        Timer t = new Timer(this, Timer.Kind.CALLBACK, Objects.requireNonNull(task), 0, 0);
        callbacks.addLast(t);
        return t;
    }

    /**
     * Runs {@code task} on every turn until cancelled. A turn happens when there is I/O, a timer
     * or a callback; a loop alone does not keep the engine from sleeping.
     */
    public Timer loop(Runnable task) {
        checkOpen("loop");
        Timer t = new Timer(this, Timer.Kind.LOOP, Objects.requireNonNull(task), 0, 0);
        loops.add(t);
        return t;
    }

    /** Runs {@code task} once, after {@code delay}. */
    public Timer defer(Duration delay, Runnable task) {
        checkOpen("defer");
        long d = Math.max(0, saturatedNanos(delay));
        Timer t = new Timer(this, Timer.Kind.DEFER, Objects.requireNonNull(task), clock.getAsLong() + d, 0);
        timers.add(t);
        return t;
    }

    /**
     * Runs {@code task} every {@code interval}, first after one interval. Runs keep to the
     * schedule (start + n * interval) instead of drifting with late runs; slots missed while the
     * loop was busy are skipped, not run in a burst.
     */
    public Timer cycle(Duration interval, Runnable task) {
        checkOpen("cycle");
        long i = saturatedNanos(interval);
        if (i <= 0) throw new IllegalArgumentException("cycle interval must be positive, got " + interval);
        Timer t = new Timer(this, Timer.Kind.CYCLE, Objects.requireNonNull(task), clock.getAsLong() + i, i);
        timers.add(t);
        return t;
    }

    /**
     * A deadline on this engine, not armed yet: {@link Deadline#after} arms it, as often as
     * needed, at O(1) cost. For timeouts pushed back all the time (an idle timeout moved on every
     * read); for a one-off delay {@link #defer} is simpler. {@code task} runs on the loop thread
     * each time the armed deadline passes, at most {@link Deadline#RESOLUTION_NANOS} late.
     *
     * <pre>{@code
     * Deadline quiet = engine.deadline(() -> System.out.println("nothing for 10 s"));
     * quiet.after(Duration.ofSeconds(10));
     * }</pre>
     */
    public Deadline deadline(Runnable task) {
        checkOpen("deadline");
        return new Deadline(this, Objects.requireNonNull(task));
    }

    void arm(Deadline d, long at) {
        if (closed) return; // nothing runs any more: a closing stream's last arming is moot
        deadlines.arm(d, at);
    }

    void disarm(Deadline d) {
        deadlines.disarm(d);
    }

    void runDeadline(Deadline d) {
        counters.timersRun++;
        try {
            d.task.run();
        } catch (Throwable e) {
            reportError(d, "deadline task", e);
        }
    }

    void cancelled(Timer t) {
        switch (t.kind) {
            case DEFER, CYCLE -> timers.remove(t);
            case LOOP -> loopsCancelled = true;
            case CALLBACK -> { } // skipped when its turn comes
        }
    }

    private void runDueTimers() {
        if (timers.size() == 0) return;
        long now = clock.getAsLong();
        // timers scheduled by these callbacks wait for the next turn, even when already due
        long firstNew = timers.nextSequence();
        Timer t;
        while ((t = timers.peek()) != null && t.deadline - now <= 0 && t.sequence < firstNew) {
            timers.poll();
            if (t.kind == Timer.Kind.CYCLE) {
                long next = t.deadline + t.interval;
                if (next - now <= 0) next += ((now - next) / t.interval + 1) * t.interval;
                t.deadline = next;
                timers.add(t); // before running, so that cancel() inside the callback removes it
            }
            runTimer(t);
        }
    }

    private ArrayDeque<Timer> takeCallbacks() {
        ArrayDeque<Timer> run = callbacks;
        callbacks = runningCallbacks;
        runningCallbacks = run;
        return run;
    }

    private void runCallbacks(ArrayDeque<Timer> run) {
        Timer t;
        while ((t = run.pollFirst()) != null) {
            if (!t.cancelled) runTimer(t); // a cancel() after this is a harmless no-op
        }
    }

    private void runLoops() {
        for (int i = 0, n = loops.size(); i < n; i++) {
            Timer t = loops.get(i);
            if (!t.cancelled) runTimer(t);
        }
        if (loopsCancelled) {
            loops.removeIf(Timer::isCancelled);
            loopsCancelled = false;
        }
    }

    private void runTimer(Timer t) {
        counters.timersRun++;
        try {
            t.task.run();
        } catch (Throwable e) {
            reportError(t, "timer callback", e);
        }
    }

    // ---------------------------------------------------------------- other threads

    /**
     * Runs {@code task} on the loop thread at the start of a turn (the current one if the loop
     * is still taking tasks, else the next); wakes the loop if it sleeps.
     * Safe from any thread: this is how other threads talk to streams and servers.
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task);
        if (closed) throw new RejectedExecutionException("the engine is closed");
        tasks.add(task);
        counters.tasksQueued.increment();
        if (sleeping.compareAndSet(true, false)) poller.wakeup();
    }

    /** Like {@link #execute}, with the result (or exception) of {@code task} as a future. */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        Objects.requireNonNull(task);
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private void runTasks() {
        Runnable r;
        for (int i = 0; i < TASKS_PER_TURN && (r = tasks.poll()) != null; i++) {
            counters.tasksRun++;
            try {
                r.run();
            } catch (Throwable e) {
                reportError(r, "task passed to execute()", e);
            }
        }
    }

    // ---------------------------------------------------------------- channels

    /** Files {@code ch} under a token, for the poller; returns it. */
    int register(Channel<?> ch) {
        int t = channels.add(ch);
        counters.channelsOpen++;
        return t;
    }

    void unregister(int token) {
        channels.release(token);
        counters.channelsOpen--; // closed now, even though its token is reused only after the turn
    }

    ByteBuffer readBuffer() {
        if (readBuffer == null) readBuffer = ByteBuffer.allocateDirect(64 * 1024);
        return readBuffer.clear();
    }

    // ---------------------------------------------------------------- writes

    /** Flushes {@code ch} at the end of this stage (see {@link Channel#flushLater()}, which lists it once). */
    void flushLater(Channel<?> ch) {
        (ch instanceof Stream ? streamsToFlush : datagramsToFlush).add(ch);
    }

    private void flushWrites() {
        if (streamsToFlush.size() > 0) flushStreams();
        if (datagramsToFlush.size() > 0) flushDatagrams();
    }

    /** Datagram sockets send one by one: a batch per socket (sendmmsg) is already one crossing. */
    private void flushDatagrams() {
        int n = datagramsToFlush.size();
        Channel<?>[] list = datagramsToFlush.take();
        for (int i = 0; i < n; i++) {
            Datagram d = (Datagram) list[i];
            list[i] = null;
            d.takenForFlush();
            d.sendQueued();
        }
    }

    private void flushStreams() {
        int n = streamsToFlush.size();
        Channel<?>[] list = streamsToFlush.take();
        batch.clear();
        int m = 0;
        for (int i = 0; i < n; i++) {
            Stream s = (Stream) list[i];
            s.takenForFlush();
            if (s.addTo(batch)) list[m++] = s;
        }
        if (m > 0) poller.flush(batch);
        for (int i = 0; i < m; i++) ((Stream) list[i]).afterFlush(batch.error(i));
        batch.clear();
        Arrays.fill(list, 0, n, null);
    }

    /** Writes one stream's queue now instead of at the end of the turn. */
    void flushNow(Stream s) {
        singleBatch.clear();
        if (!s.addTo(singleBatch)) return;
        poller.flushNow(singleBatch);
        IOException error = singleBatch.error(0);
        singleBatch.clear();
        s.afterFlush(error);
    }

    // ---------------------------------------------------------------- errors and checks

    /** Logs an exception from user code with where it came from; the loop carries on. */
    void reportError(Object source, String where, Throwable e) {
        if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) throw (VirtualMachineError) e;
        LOG.log(Level.ERROR, "Uncaught exception in " + where + " of " + source + "; the engine carries on", e);
    }

    /**
     * Throws when called on another thread than the one running this engine's loop, naming
     * {@code what} and saying to hand the call over with {@link #execute}: the check every
     * loop-thread-only method of Pants makes, for code built on it (a protocol on a
     * {@link Stream}, as the HTTP server and WebSocket are). Off a running engine, it passes.
     *
     * @param what the call, as the message should name it ({@code "Chat.broadcast"})
     * @throws IllegalStateException on a thread other than the running loop's
     */
    public void checkLoopThread(String what) {
        Thread t = loopThread.get();
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException(what + " was called on thread '" + Thread.currentThread().getName()
                    + "' while the engine runs on thread '" + t.getName()
                    + "'; hand the call to the loop with engine.execute(() -> ...)");
        }
    }

    private void checkOpen(String what) {
        checkLoopThread("Engine." + what);
        if (isClosing()) throw new IllegalStateException("Engine." + what + ": the engine is closed");
    }

    /** Closed, or closing when the turn ends (close() from a callback). */
    boolean isClosing() { return closed || closeRequested; }

    /**
     * Closes every stream and server on this engine (without flushing) and releases the poller.
     * Called from a callback, it takes effect when the current turn ends.
     */
    @Override
    public void close() {
        checkLoopThread("Engine.close");
        if (closed) return;
        if (inTurn) {
            closeRequested = true;
            stopRequested = true;
            return;
        }
        closed = true;
        pausedListeners.clear();
        channels.closeAll();
        channels.endTurn();
        timers.clear();
        deadlines.clear();
        callbacks.clear();
        loops.clear();
        for (Runnable r; (r = tasks.poll()) != null; ) {
            if (r instanceof DroppedTask d) d.dropped();
        }
        poller.close();
        counters.publish();
        OPEN.decrementAndGet();
        synchronized (INSTANCE_LOCK) {
            if (instance == this) instance = null;
        }
    }

    public boolean isClosed() { return closed; }

    /**
     * A task given to {@link #execute} that holds something to release should the engine close
     * before running it: a connection handed over by another loop's acceptor, say.
     */
    interface DroppedTask extends Runnable {
        /** The engine closed without running the task. */
        void dropped();
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "Engine[" + poller.name() + (closed ? ", closed" : "") + "]";
    }

    /** Routes what the poller found to the channel registered under each token. */
    private final class Dispatcher implements ReadyHandler {
        /** Counts the event, and returns the channel it is for; null when that closed earlier in the turn. */
        private Channel<?> dispatching(int token) {
            counters.readyEvents++;
            if (dispatchBegan == 0) dispatchBegan = System.nanoTime();
            return channels.live(token);
        }

        @Override
        public void ready(int token, int events) {
            Channel<?> ch = dispatching(token);
            if (ch != null) ch.handleReady(events);
        }

        @Override
        public void received(int token, ByteBuffer data) {
            Channel<?> ch = dispatching(token);
            if (ch != null) ch.handleReceived(data);
        }

        @Override
        public void receiveEnded(int token, IOException error) {
            Channel<?> ch = dispatching(token);
            if (ch != null) ch.handleReceiveEnded(error);
        }

        /** A completion-based poller's writes completed: as after a flush. */
        @Override
        public void sent(int token, IOException error) {
            Channel<?> ch = dispatching(token);
            if (ch instanceof Stream s) s.afterFlush(error);
            else if (ch instanceof Datagram d) d.sendCompleted();
        }
    }
}
