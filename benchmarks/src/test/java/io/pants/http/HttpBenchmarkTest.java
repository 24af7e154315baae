// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Pollers;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP microbenchmark measures what it says: heads parse to the request, every response arrives whole. */
class HttpBenchmarkTest {
    private final HttpBenchmark benchmark = new HttpBenchmark();

    @Test
    void parsesBothHeads() {
        for (String head : new String[] {"wrk", "browser"}) {
            HttpBenchmark.Parsing p = new HttpBenchmark.Parsing();
            p.head = head;
            p.prepare();
            try {
                for (int i = 0; i < 3; i++) { // the parser is reused across invocations
                    HttpRequest r = benchmark.parseHead(p);
                    assertEquals("GET", r.method());
                    assertEquals(head.equals("wrk") ? "/" : "/articles/2026/11/event-loops.html", r.path());
                    assertTrue(r.header("Host") != null, "Host parsed from the " + head + " head");
                }
            } finally {
                p.close();
            }
        }
    }

    @Test
    void respondsToEveryRequestOfABatchOnEveryBackend() throws IOException {
        for (String backend : new String[] {"epoll", "nio"}) {
            if (!Pollers.available().contains(backend)) continue;
            HttpBenchmark.Serving s = new HttpBenchmark.Serving();
            s.head = "browser";
            s.backend = backend;
            s.prepare();
            try {
                assertTrue(s.responseLength > 60, "a whole hello-world response, not " + s.responseLength + " bytes");
                for (int i = 0; i < 3; i++) {
                    assertEquals(HttpBenchmark.BATCH * s.responseLength, benchmark.respond(s), backend);
                }
            } finally {
                s.close();
            }
        }
    }
}
