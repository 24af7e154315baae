package io.pants.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest {
    @Test
    void bucketsCoverEveryValueWithinThreePercent() {
        for (long v : new long[] {0, 1, 31, 32, 33, 63, 64, 1_000, 123_456, 1_000_000_007L, Long.MAX_VALUE / 3}) {
            int i = LatencyHistogram.index(v);
            long upper = LatencyHistogram.upperBound(i);
            assertTrue(upper >= v, v + " lies above its bucket's upper bound " + upper);
            assertTrue(i == 0 || LatencyHistogram.upperBound(i - 1) < v, v + " belongs in an earlier bucket");
            assertTrue(upper - v <= Math.max(0, v / 32), v + ": bucket too wide, upper bound " + upper);
        }
    }

    @Test
    void percentilesOfAKnownDistribution() {
        LatencyHistogram h = new LatencyHistogram();
        for (long us = 1; us <= 1000; us++) h.record(us * 1000); // 1 µs .. 1 ms, evenly
        assertEquals(1000, h.count());
        assertEquals(500_000, h.percentile(50), 500_000 / 32.0);
        assertEquals(990_000, h.percentile(99), 990_000 / 32.0);
        assertEquals(1_000_000, h.percentile(100), 1_000_000 / 32.0);
        assertEquals(0, new LatencyHistogram().percentile(50), "no samples");
    }
}
