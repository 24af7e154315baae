// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pants.FuzzInputs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the chunked-body decoder ({@link ChunkedDecoder}) as a connection drives it: bytes in
 * pieces, what it did not consume kept in front of the next piece.
 *
 * <p>Properties: it fails only with an {@link HttpException} (a 4xx); fed in pieces it decodes
 * (or fails) exactly as fed whole; it never consumes past the body's end; a decoded body with
 * its trailers, chunked again, decodes to the same body and trailers.
 */
class ChunkedDecoderFuzzTest {
    private static final long MAX_BODY = 4096;
    private static final int MAX_LINE = 64, MAX_TRAILERS = 256;

    @FuzzTest(maxDuration = "5m")
    void decodesOrFailsTheSameInPiecesAsWhole(byte[] b) {
        Outcome whole = decode(strict(), b), inPieces = decode(strict(), b, FuzzInputs.cuts(b));
        assertEquals(whole, inPieces, "decoded whole vs in pieces at " + Arrays.toString(FuzzInputs.cuts(b)));
        if (!whole.done) return;
        assertTrue(whole.consumed <= b.length);

        byte[] again = chunked(whole.body, whole.trailers);
        // ": " may make a trailer line a byte longer than it came: no limits to trip over here
        Outcome reread = decode(new ChunkedDecoder(Long.MAX_VALUE, Integer.MAX_VALUE - 2, Integer.MAX_VALUE), again);
        assertTrue(reread.done, "the body chunked again is not complete: " + reread);
        assertEquals(again.length, reread.consumed, "bytes of the body chunked again");
        assertArrayEquals(whole.body, reread.body, "the body, chunked again");
        assertEquals(whole.trailers, reread.trailers, "the trailers, chunked again");
    }

    /** What decoding did: bytes consumed, whether the body ended, its bytes and trailers; or the error status. */
    private record Outcome(int consumed, boolean done, byte[] body, List<String> trailers, int status) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && consumed == x.consumed && done == x.done && Arrays.equals(body, x.body)
                    && trailers.equals(x.trailers) && status == x.status;
        }

        @Override
        public int hashCode() { return consumed; }

        @Override
        public String toString() {
            return "consumed " + consumed + (done ? ", done" : ", not done") + ", " + body.length + " bytes, trailers "
                    + trailers + (status != 0 ? ", failed " + status : "");
        }
    }

    /**
     * Decodes {@code b} arriving in pieces that end at {@code cuts} and at its end; like the
     * connection, stops feeding once the body is done or the decoder failed.
     */
    private static Outcome decode(ChunkedDecoder d, byte[] b, int... cuts) {
        ByteBuilder body = new ByteBuilder(16);
        int consumed = 0;
        try {
            for (int end : append(cuts, b.length)) {
                if (d.isDone()) break;
                if (end <= consumed) continue;
                int n = d.decode(b, consumed, end, body);
                assertTrue(n >= 0 && n <= end - consumed, "consumed " + n + " of " + (end - consumed));
                consumed += n;
            }
        } catch (HttpException e) {
            assertTrue(e.status() >= 400 && e.status() <= 499, "status " + e.status() + ": " + e.getMessage());
            return new Outcome(-1, false, new byte[0], List.of(), e.status());
        }
        return new Outcome(consumed, d.isDone(), body.toArray(), fields(d.trailers()), 0);
    }

    /** Small limits, so that the fuzzer reaches them. */
    private static ChunkedDecoder strict() {
        return new ChunkedDecoder(MAX_BODY, MAX_LINE, MAX_TRAILERS);
    }

    private static int[] append(int[] a, int last) {
        int[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = last;
        return r;
    }

    private static List<String> fields(HttpHeaders h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) out.add(h.name(i) + ": " + h.value(i));
        return out;
    }

    /** {@code body} as one chunk (none if empty), the last chunk, the trailers and the empty line. */
    private static byte[] chunked(byte[] body, List<String> trailers) {
        ByteBuilder out = new ByteBuilder(body.length + 64);
        if (body.length > 0) out.appendHex(body.length).crlf().append(body).crlf();
        out.append((byte) '0').crlf();
        for (String t : trailers) out.appendLatin1(t).crlf();
        return out.crlf().toArray();
    }
}
