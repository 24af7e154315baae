// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.PollerProvider;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several event loops, one {@link Engine} each, on threads of their own ({@code pants-loop-0},
 * {@code pants-loop-1}, ...): how a Pants program uses all cores. A {@link Server} on a group
 * accepts on every loop, and each connection lives on one loop for its whole life
 * ({@link Stream#engine()} says which), so user code still needs no locks: a stream's callbacks
 * all run on its loop's thread, one at a time.
 *
 * <pre>{@code
 * new Server(Echo::new).listen(4040);
 * Engine.group(8).start();      // or Engine.group() for -Dpants.loops, else one loop per processor
 * }</pre>
 *
 * <p>{@link #start()} blocks until {@link #stop()}; {@link #startThreads()} returns at once.
 * {@link #execute} and {@link #stop} are safe from any thread; {@link Engine#current()} is the
 * loop the calling code runs on, and {@code group.next().execute(...)} hands work to another.
 * What a group does to a server (one listening socket per loop with {@code SO_REUSEPORT}, or
 * one acceptor handing connections round robin) is said in {@link Server}.
 *
 * @since 0.1
 */
public final class EngineGroup implements Executor, AutoCloseable {
    /** The system property for the number of loops: {@code -Dpants.loops=8}. */
    public static final String LOOPS_PROPERTY = "pants.loops";

    private static final Object DEFAULT_LOCK = new Object();
    private static EngineGroup defaultGroup;
    /** Servers made on the default engine without one, before the default group existed: they join it. */
    private static final List<Server> FOLLOWERS = new ArrayList<>();

    private final Engine[] engines;
    private final AtomicInteger next = new AtomicInteger();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private Thread[] threads;
    private final AtomicInteger running = new AtomicInteger();
    /** Loops with a listener paused for lack of descriptors: while there are any, every close wakes them. */
    private final AtomicInteger loopsPaused = new AtomicInteger();

    /**
     * A group of {@code loops} new engines on the preferred poller ({@code -Dpants.poller},
     * else the best available).
     *
     * @throws IllegalArgumentException if {@code loops} is not positive
     */
    public EngineGroup(int loops) {
        this(loops, Pollers.preferred());
    }

    /** A group of {@code loops} new engines on the named poller ({@code epoll}, {@code nio}, ...). */
    public EngineGroup(int loops, String pollerName) {
        this(loops, Pollers.select(pollerName));
    }

    /** A group of {@code loops} new engines on the given backend. */
    public EngineGroup(int loops, PollerProvider provider) {
        this(null, checkLoops(loops), enginesOn(provider));
    }

    private static java.util.function.Supplier<Engine> enginesOn(PollerProvider provider) {
        Objects.requireNonNull(provider);
        return () -> new Engine(provider);
    }

    /**
     * A group of {@code loops} engines, each made by {@code engines.build()}: for loops with the
     * options of {@link Engine.Builder} (output chunk sizes, pooled memory, a clock).
     *
     * <pre>{@code
     * new EngineGroup(4, Engine.builder().poller("epoll").pooledOutputBytes(16 << 20));
     * }</pre>
     */
    public EngineGroup(int loops, Engine.Builder engines) {
        this(null, checkLoops(loops), Objects.requireNonNull(engines)::build);
    }

    /** {@code first}, if given, is loop 0; {@code make} makes the other loops. */
    private EngineGroup(Engine first, int loops, java.util.function.Supplier<Engine> make) {
        engines = new Engine[loops];
        try {
            for (int i = 0; i < loops; i++) {
                Engine e = i == 0 && first != null ? first : make.get();
                if (e.group != null) throw new IllegalStateException(e + " is a loop of another group already");
                e.indexInGroup = i;
                engines[i] = e;
            }
        } catch (RuntimeException e) {
            for (Engine made : engines) if (made != null && made != first) made.close();
            throw e;
        }
        for (Engine e : engines) e.group = this;
    }

    private static int checkLoops(int loops) {
        if (loops <= 0) throw new IllegalArgumentException("a group needs at least one loop, got " + loops);
        return loops;
    }

    /** {@code -Dpants.loops}, or the number of available processors without it (or when it is not a positive number). */
    public static int defaultLoops() {
        int n = loopsProperty();
        return n > 0 ? n : Runtime.getRuntime().availableProcessors();
    }

    /**
     * {@code -Dpants.loops}, or {@code otherwise} without it: for code that runs on one engine
     * unless the program asks for more, as the JDK-API provider does.
     */
    public static int configuredLoops(int otherwise) {
        int n = loopsProperty();
        return n > 0 ? n : otherwise;
    }

    /** {@code -Dpants.loops} as a number; 0 when unset or not a positive number (which is logged). */
    static int loopsProperty() {
        String v = System.getProperty(LOOPS_PROPERTY);
        if (v == null || v.isBlank()) return 0;
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        Engine.LOG.log(Level.WARNING, "-D" + LOOPS_PROPERTY + "=" + v + " is not a positive number of loops; ignored");
        return 0;
    }

    /** See {@link Engine#group(int)}. */
    static EngineGroup defaultGroup(int loops) {
        checkLoops(loops);
        List<Server> joining;
        EngineGroup g;
        synchronized (DEFAULT_LOCK) {
            if (defaultGroup != null && !defaultGroup.isClosed()) {
                if (defaultGroup.size() != loops) {
                    throw new IllegalStateException("the default group has " + defaultGroup.size() + " loops already; asked for "
                            + loops + ". Make it once (Engine.group(n)), or make a group of your own: new EngineGroup(n)");
                }
                return defaultGroup;
            }
            Engine first = Engine.instance();
            if (first.isRunning()) {
                throw new IllegalStateException("Engine.group(" + loops + "): the default engine runs already on its own;"
                        + " make the group before starting it, and start the group instead (Engine.group(n).start())");
            }
            g = new EngineGroup(first, loops, enginesOn(first.provider()));
            defaultGroup = g;
            joining = new ArrayList<>(FOLLOWERS);
            FOLLOWERS.clear();
        }
        for (Server s : joining) s.spreadOnto(g);
        return g;
    }

    /** The default group, if it was made (and not closed); null otherwise. */
    static EngineGroup defaultGroupIfMade() {
        synchronized (DEFAULT_LOCK) {
            return defaultGroup != null && !defaultGroup.isClosed() ? defaultGroup : null;
        }
    }

    /**
     * The group a server made on the default engine without one belongs on: the default group
     * if it exists (or {@code -Dpants.loops} asks for one); otherwise none yet, and the server
     * is remembered, to join the default group when it is made.
     */
    static EngineGroup forDefaultServer(Server server) {
        synchronized (DEFAULT_LOCK) {
            EngineGroup g = defaultGroupIfMade();
            if (g != null) return g;
            if (loopsProperty() <= 1) {
                FOLLOWERS.add(server);
                return null;
            }
        }
        return defaultGroup(loopsProperty());
    }

    /** A server that was waiting to join the default group closed. */
    static void forget(Server server) {
        synchronized (DEFAULT_LOCK) {
            FOLLOWERS.remove(server);
        }
    }

    /** How many loops. */
    public int size() { return engines.length; }

    /** Loop {@code i}, from 0. */
    public Engine engine(int i) {
        Objects.checkIndex(i, engines.length);
        return engines[i];
    }

    /** Every loop, in order. */
    public List<Engine> engines() { return List.of(engines); }

    /** The next loop, round robin: where to put new work that belongs to no loop yet. Safe from any thread. */
    public Engine next() {
        return engines[Math.floorMod(next.getAndIncrement(), engines.length)];
    }

    /** Runs {@code task} on the {@link #next()} loop. Safe from any thread. */
    @Override
    public void execute(Runnable task) {
        next().execute(task);
    }

    /** Whether {@code engine} is one of this group's loops. */
    public boolean contains(Engine engine) {
        return engine != null && engine.group == this;
    }

    // ---------------------------------------------------------------- descriptors

    int loopsPausedForDescriptors() { return loopsPaused.get(); }

    void loopPausedForDescriptors(boolean paused) {
        if (paused) loopsPaused.incrementAndGet();
        else loopsPaused.decrementAndGet();
    }

    /** {@code by} closed a descriptor: the loops that wait for one try to accept again. */
    void descriptorFreedBy(Engine by) {
        for (Engine e : engines) if (e != by) e.pausedListeners.descriptorFreedElsewhere();
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs every loop on its own thread ({@code pants-loop-N}) and blocks until all have
     * stopped ({@link #stop()}); an exception that ended a loop is thrown here.
     *
     * @throws IllegalStateException if the group was started already or is closed
     */
    public void start() {
        startThreads();
        boolean interrupted = false;
        while (true) {
            try {
                terminated.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the loops run on; the caller learns of it when they stop
            } catch (java.util.concurrent.ExecutionException e) {
                if (interrupted) Thread.currentThread().interrupt();
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * Starts every loop on its own thread ({@code pants-loop-N}, not daemon threads: they keep
     * the program alive until {@link #stop()}) and returns once each thread owns its loop, so
     * that from then on work for a loop goes through its queue ({@code execute}) and nothing
     * the caller does races a loop's first turn.
     *
     * @return this group
     * @throws IllegalStateException if the group was started already or is closed
     */
    public synchronized EngineGroup startThreads() {
        if (threads != null) throw new IllegalStateException("the group was started already; a group starts once");
        if (isClosed()) throw new IllegalStateException("the group is closed; make a new one");
        threads = new Thread[engines.length];
        running.set(engines.length);
        CountDownLatch entered = new CountDownLatch(engines.length);
        for (int i = 0; i < engines.length; i++) {
            Engine e = engines[i];
            threads[i] = new Thread(() -> runLoop(e, entered::countDown), "pants-loop-" + i);
        }
        for (Thread t : threads) t.start();
        // A caller that listens or connects right after this must not find a loop about to start:
        // "not running" would let it touch that loop's poller from its own thread during the
        // loop's first wait (a registration the wait never sees, on NIO and io_uring).
        boolean interrupted = false;
        while (true) {
            try {
                if (!entered.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the loops of " + this + " did not start within 10 seconds");
                }
                break;
            } catch (InterruptedException ex) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        return this;
    }

    private void runLoop(Engine e, Runnable entered) {
        try {
            e.runLoop(entered);
        } catch (Throwable t) {
            Engine.LOG.log(Level.ERROR, "loop " + e.indexInGroup + " of " + this + " failed; stopping the group", t);
            terminated.completeExceptionally(t);
            stop();
        } finally {
            if (running.decrementAndGet() == 0) terminated.complete(null);
        }
    }

    /** Makes every loop return after its current turn. Safe from any thread. */
    public void stop() {
        for (Engine e : engines) e.stopLoop();
    }

    /**
     * Waits until every loop thread has ended, at most {@code timeout}.
     *
     * @return whether they all ended (true at once for a group never started)
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        Thread[] ts;
        synchronized (this) {
            ts = threads;
        }
        if (ts == null) return true;
        long until = System.nanoTime() + Engine.saturatedNanos(timeout);
        for (Thread t : ts) {
            long left = until - System.nanoTime();
            if (left > 0) TimeUnit.NANOSECONDS.timedJoin(t, left);
            if (t.isAlive()) return false;
        }
        return true;
    }

    /** Whether any loop is running. */
    public boolean isRunning() {
        for (Engine e : engines) if (e.isRunning()) return true;
        return false;
    }

    /**
     * Stops the loops, waits for their threads (at most 10 seconds each) and closes every engine
     * with what is on it. From one of the group's own loops, it only stops them: close the group
     * from another thread once {@link #start()} returned.
     */
    @Override
    public void close() {
        stop();
        Engine here = Engine.current();
        if (contains(here)) return;
        try {
            if (!awaitTermination(Duration.ofSeconds(10))) {
                throw new IllegalStateException("close(): the loops of " + this + " did not stop within 10 seconds");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("close(): interrupted while waiting for the loops to stop", e);
        }
        for (Engine e : engines) e.close();
        synchronized (DEFAULT_LOCK) {
            if (defaultGroup == this) defaultGroup = null;
        }
    }

    /** Whether every engine of the group is closed. */
    public boolean isClosed() {
        for (Engine e : engines) if (!e.isClosed()) return false;
        return true;
    }

    @Override
    public String toString() {
        return "EngineGroup[" + engines.length + " loops, " + engines[0].pollerName() + "]";
    }
}
