// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A hand-driven nanosecond clock for {@link Engine.Builder#clock}: timers become due only when a
 * test advances it, so timer tests never depend on how fast the machine is.
 */
final class FakeClock implements LongSupplier {
    private final AtomicLong now;

    FakeClock(long startNanos) { this.now = new AtomicLong(startNanos); }

    @Override
    public long getAsLong() { return now.get(); }

    void advance(Duration d) { now.addAndGet(d.toNanos()); }

    /** Moves the clock to {@code start + offset}; offsets let tests name slots like "start + 300 ms". */
    void set(long startNanos, Duration offset) { now.set(startNanos + offset.toNanos()); }
}
