package io.pants.benchmarks;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reading wrk's report (wrk 4.1, as Debian ships it, with --latency). */
class WrkTest {
    private static final String REPORT = """
            Running 1s test @ http://127.0.0.1:18089/
              1 threads and 10 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     6.11ms   17.38ms 100.27ms   90.92%
                Req/Sec    31.93k    26.20k   64.79k    50.00%
              Latency Distribution
                 50%  137.00us
                 75%    1.01ms
                 90%   17.88ms
                 99%   86.39ms
              31822 requests in 1.00s, 2.37MB read
            Requests/sec:  31669.13
            Transfer/sec:      2.36MB
            """;

    @Test
    void readsRequestsRateAndPercentiles() throws IOException {
        Wrk.Result r = Wrk.parse(REPORT);
        assertEquals(31822, r.requests());
        assertEquals(1.0, r.seconds(), 1e-9);
        assertEquals(31669.13, r.perSecond(), 1e-6);
        assertEquals(137_000, r.p50Nanos());
        assertEquals(86_390_000, r.p99Nanos());
        assertEquals(0, r.errors());
    }

    @Test
    void countsSocketErrorsAndBadStatuses() throws IOException {
        String withErrors = REPORT.replace("Requests/sec:",
                "  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 5\nRequests/sec:");
        assertEquals(15, Wrk.parse(withErrors).errors());
    }

    @Test
    void refusesWhatIsNotAReport() {
        assertThrows(IOException.class, () -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"));
        assertThrows(IOException.class, () -> Wrk.parse(REPORT.replace("     99%   86.39ms\n", "")), "no p99");
    }
}
