// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what Pants logs (logger {@code io.pants}; System.Logger routes to java.util.logging in
 * the tests) while open. The records are kept from the console meanwhile: the errors these tests
 * provoke on purpose would otherwise bury real failures in stack traces.
 */
public final class CapturedLog implements AutoCloseable {
    // a strong reference: java.util.logging keeps loggers only weakly, and with it our handler
    private final Logger logger = Logger.getLogger("io.pants");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Object changed = new Object();
    private final boolean parentHandlers;
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
            synchronized (changed) { changed.notifyAll(); }
        }

        @Override public void flush() {}

        @Override public void close() {}
    };

    public CapturedLog() {
        handler.setLevel(Level.ALL);
        parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
    }

    public List<LogRecord> records() { return new ArrayList<>(records); }

    /** The records so far that {@code match}. */
    public List<LogRecord> matching(Predicate<LogRecord> match) {
        List<LogRecord> out = new ArrayList<>();
        for (LogRecord r : records) if (match.test(r)) out.add(r);
        return out;
    }

    /** Waits (bounded by {@link LoopThread#WAIT}) for a record that matches; fails with {@code what}. */
    public LogRecord await(String what, Predicate<LogRecord> match) throws InterruptedException {
        long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
        synchronized (changed) {
            while (true) {
                for (LogRecord r : records) if (match.test(r)) return r;
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("no log record for " + what + " within " + LoopThread.WAIT + "; logged: " + describe());
                changed.wait(Math.max(1, Duration.ofNanos(left).toMillis()));
            }
        }
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        for (LogRecord r : records) b.append("\n  ").append(r.getLevel()).append(' ').append(r.getMessage());
        return b.length() == 0 ? "nothing" : b.toString();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(parentHandlers);
    }
}
