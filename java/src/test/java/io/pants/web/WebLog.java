// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what the web layer logs (logger {@code io.pants.web}) while open, and keeps it from
 * the console: the errors the tests provoke on purpose would bury real failures.
 */
final class WebLog implements AutoCloseable {
    // a strong reference: java.util.logging holds loggers weakly, and our handler with them
    private final Logger logger = Logger.getLogger("io.pants.web");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final boolean parentHandlers;
    private final Handler handler = new Handler() {
        @Override public void publish(LogRecord r) { records.add(r); }

        @Override public void flush() {}

        @Override public void close() {}
    };

    WebLog() {
        handler.setLevel(Level.ALL);
        parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
    }

    /** The SEVERE records (System.Logger's ERROR) so far. */
    List<LogRecord> errors() {
        return records.stream().filter(r -> r.getLevel() == Level.SEVERE).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(parentHandlers);
    }
}
