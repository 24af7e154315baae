// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading the JSON line that wrk-summary.lua makes wrk print, and the hook itself when wrk is installed. */
class WrkTest {
    private static final String OUTPUT = """
            Running 1s test @ http://127.0.0.1:18089/
              1 threads and 10 connections
              31822 requests in 1.00s, 2.37MB read
            Requests/sec:  31669.13
            wrk-summary {"requests":31822,"duration_us":1004826,"p50_us":137,"p99_us":86390,"errors_connect":0,"errors_read":0,"errors_write":0,"errors_timeout":0,"errors_status":0}
            """;

    @Test
    void readsRequestsRateAndPercentiles() throws IOException {
        Wrk.Result r = Wrk.parse(OUTPUT);
        assertEquals(31822, r.requests());
        assertEquals(1.004826, r.seconds(), 1e-9);
        assertEquals(31822 / 1.004826, r.perSecond(), 1e-6);
        assertEquals(137_000, r.p50Nanos());
        assertEquals(86_390_000, r.p99Nanos());
        assertEquals(0, r.errors());
    }

    @Test
    void countsSocketErrorsAndBadStatuses() throws IOException {
        String withErrors = OUTPUT.replace("\"errors_connect\":0,\"errors_read\":0,\"errors_write\":0,\"errors_timeout\":0,\"errors_status\":0",
                "\"errors_connect\":1,\"errors_read\":2,\"errors_write\":3,\"errors_timeout\":4,\"errors_status\":5");
        assertEquals(15, Wrk.parse(withErrors).errors());
    }

    @Test
    void refusesWhatIsNotASummary() {
        assertThrows(IOException.class, () -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"));
        assertThrows(IOException.class, () -> Wrk.parse(OUTPUT.replace("\"p99_us\":86390,", "")), "no p99");
    }

    /** The Lua hook against the real wrk, loading a tiny server on loopback for a second. */
    @Test
    @EnabledIf("wrkInstalled")
    void theHookRunsInTheRealWrk() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] hello = "hi".getBytes(StandardCharsets.UTF_8);
        server.createContext("/", e -> { e.sendResponseHeaders(200, hello.length); e.getResponseBody().write(hello); e.close(); });
        server.start();
        try {
            Wrk.Result r = Wrk.run(server.getAddress().getPort(), 2, Duration.ofSeconds(1));
            assertTrue(r.requests() > 0 && r.seconds() > 0.5 && r.p50Nanos() > 0 && r.p50Nanos() <= r.p99Nanos(), r.toString());
            assertEquals(0, r.errors(), r.toString());
        } finally {
            server.stop(0);
        }
    }

    static boolean wrkInstalled() { return Wrk.available(); }
}
