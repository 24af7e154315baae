package io.pants.benchmarks;

/**
 * Latencies in nanoseconds, counted in buckets whose width grows with the value: 32 buckets per
 * power of two, so any percentile it reports is within about 3% of the true one, in a fixed
 * array whatever the number of samples. Not thread-safe: one per client thread.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 5;
    private static final int SUB = 1 << SUB_BITS;
    private final long[] counts = new long[(64 - SUB_BITS + 1) * SUB];
    private long total;

    void record(long nanos) {
        counts[index(Math.max(0, nanos))]++;
        total++;
    }

    long count() { return total; }

    /** The latency at or below which {@code percent} of the samples lie; 0 without samples. */
    long percentile(double percent) {
        if (total == 0) return 0;
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) return upperBound(i);
        }
        throw new AssertionError("the counts add up to less than the total");
    }

    static int index(long v) {
        if (v < SUB) return (int) v;
        int exponent = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
        int shift = exponent - SUB_BITS;
        return (shift + 1) * SUB + (int) ((v >>> shift) & (SUB - 1));
    }

    /** The largest value that falls into bucket {@code i}. */
    static long upperBound(int i) {
        if (i < SUB) return i;
        int shift = i / SUB - 1;
        long lowest = ((long) SUB + (i % SUB)) << shift;
        return lowest + (1L << shift) - 1;
    }
}
