// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pants.FuzzInputs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the request-head parser ({@link RequestHeadParser}) the way a connection drives it:
 * {@code findEnd} over bytes as they arrive, then {@code parse} of the complete head.
 *
 * <p>Properties: a head fails only with an {@link HttpException} (a 4xx or 5xx); finding its end
 * in two steps gives what one step gives; a head that parses, written out again, parses to the
 * same request. See CONTRIBUTING.md's "Fuzz tests" for the stage in {@code mvn verify} and long runs.
 */
class RequestHeadParserFuzzTest {
    private static final int MAX_LINE = 256, MAX_HEAD = 1024;

    @FuzzTest(maxDuration = "5m")
    void headParsesOrFailsWithAnHttpError(byte[] b) {
        Outcome whole = findEnd(b), inSteps = findEnd(b, FuzzInputs.cuts(b));
        assertEquals(whole, inSteps, "findEnd in one step vs in steps at " + Arrays.toString(FuzzInputs.cuts(b)));
        if (whole.length < 0) return;

        RequestHeadParser r;
        try {
            r = parse(b, whole.length);
        } catch (HttpException e) {
            assertHttpError(e);
            return;
        }
        byte[] again = serialise(r);
        // ": " may make a line longer than it came: no limits to trip over here
        RequestHeadParser reader = new RequestHeadParser(1 << 20, 1 << 20);
        assertEquals(again.length, reader.findEnd(again, 0, again.length), "the end of the written-out head");
        assertSameRequest(describe(r), parse(again, again.length));
    }

    /** Parses the head {@code b[0, length)} with a parser of its own, as the connection does: the parser holds the result. */
    private static RequestHeadParser parse(byte[] b, int length) {
        RequestHeadParser r = new RequestHeadParser(1 << 20, 1 << 20);
        r.parse(b, 0, length);
        return r;
    }

    /** What {@code findEnd} said: the head's length or -1, or the status it failed with. */
    private record Outcome(int length, int status) {}

    /** {@code findEnd} over {@code b[0, cut)} for each cut in turn, then over all of {@code b}. */
    private static Outcome findEnd(byte[] b, int... cuts) {
        RequestHeadParser p = new RequestHeadParser(MAX_LINE, MAX_HEAD);
        try {
            for (int cut : cuts) {
                int early = p.findEnd(b, 0, cut);
                if (early >= 0) return new Outcome(early, 0); // complete early: the connection stops there
            }
            return new Outcome(p.findEnd(b, 0, b.length), 0);
        } catch (HttpException e) {
            assertHttpError(e);
            return new Outcome(-1, e.status());
        }
    }

    private static void assertHttpError(HttpException e) {
        assertTrue(e.status() >= 400 && e.status() <= 599, "status " + e.status());
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "an error without a message");
    }

    /** The head as a client would send it: request line, each field as it was read, an empty line. */
    static byte[] serialise(RequestHeadParser r) {
        StringBuilder s = new StringBuilder().append(r.method()).append(' ').append(r.target()).append(' ').append(r.version()).append("\r\n");
        HttpHeaders headers = r.headers();
        for (int i = 0; i < headers.size(); i++) s.append(headers.name(i)).append(": ").append(headers.value(i)).append("\r\n");
        return s.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void assertSameRequest(List<Object> expected, RequestHeadParser actual) {
        assertEquals(expected, describe(actual), "the request after writing it out and reading it again");
    }

    private static List<Object> describe(RequestHeadParser r) {
        List<Object> d = new ArrayList<>(List.of(r.method(), r.target(), r.version(), r.rawPath(), r.path(), String.valueOf(r.query()),
                r.isHttp11(), r.keepAlive(), r.chunked(), r.expectContinue(), r.isHeadMethod(), r.contentLength()));
        HttpHeaders headers = r.headers();
        for (int i = 0; i < headers.size(); i++) d.add(headers.name(i) + ": " + headers.value(i));
        return d;
    }
}
