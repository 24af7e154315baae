// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Splitting input into pieces, per kind of delimiter: 64 KiB of 64-byte messages framed for that
 * kind, cut the way a Stream cuts what it has buffered (find the next piece, copy it into the
 * array {@code onRead} gets). Reported per piece; 64 bytes each, so 1 ns/op is 64 GB/s.
 *
 * <p>In package {@code io.pants} (of this module) because the splitting step is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DelimiterBenchmark {
    private static final int MESSAGE = 64;
    private static final int PIECES = 1024;

    @Param({"none", "bytes", "sequence", "pattern", "struct", "lengthPrefixed"})
    public String kind;

    private ReadDelimiter delimiter;
    private byte[] input;
    private final int[] out = new int[3];

    @Setup
    public void prepare() {
        input = new byte[MESSAGE * PIECES];
        byte[] text = "GET /index.html HTTP/1.1 Host: example.org Accept: */* ok"
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PIECES; i++) {
            int at = i * MESSAGE;
            System.arraycopy(text, 0, input, at, Math.min(text.length, MESSAGE));
            switch (kind) {
                case "sequence", "pattern" -> { input[at + MESSAGE - 2] = '\r'; input[at + MESSAGE - 1] = '\n'; }
                case "lengthPrefixed" -> { input[at] = 0; input[at + 1] = MESSAGE - 2; }
                default -> { }
            }
        }
        delimiter = switch (kind) {
            case "none" -> ReadDelimiter.none();
            case "bytes" -> ReadDelimiter.bytes(MESSAGE);
            case "sequence" -> ReadDelimiter.of("\r\n");
            case "pattern" -> ReadDelimiter.pattern(Pattern.compile("\r?\n"));
            case "struct" -> ReadDelimiter.struct(Struct.of("!HI" + (MESSAGE - 6) + "s"));
            case "lengthPrefixed" -> ReadDelimiter.lengthPrefixed(2);
            default -> throw new IllegalArgumentException(kind);
        };
        int pieces = splitInto(null);
        int expected = kind.equals("none") ? 1 : PIECES;
        if (pieces != expected) throw new IllegalStateException(kind + " found " + pieces + " pieces, not " + expected);
    }

    @Benchmark
    @OperationsPerInvocation(PIECES)
    public int split(Blackhole pieces) {
        return splitInto(pieces);
    }

    /** The pieces found; each copied into {@code pieces} unless it is null (the setup's check). */
    private int splitInto(Blackhole pieces) {
        int start = 0, count = 0;
        while (start < input.length) {
            if (delimiter.frame(input, start, input.length, Integer.MAX_VALUE, out) != ReadDelimiter.FOUND) break;
            if (pieces != null) pieces.consume(Arrays.copyOfRange(input, out[0], out[1]));
            start = out[2];
            count++;
        }
        return count;
    }
}
