// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import io.pants.BackendTest;
import io.pants.CapturedLog;
import io.pants.http.JdkClient;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A JDK-API application's access log: lines on the logger io.pants.httpserver.access at DEBUG, when it logs DEBUG. */
@JdkClient.Uses
class JdkAccessLogTest {
    @BackendTest
    void completedResponsesAreLoggedWhenTheAccessLoggerLogsDebug(String backend) throws Exception {
        Logger access = Logger.getLogger("io.pants.httpserver.access"); // held: JUL keeps loggers weakly
        Level before = access.getLevel();
        access.setLevel(Level.FINE);
        try (CapturedLog log = new CapturedLog(); RunningApplication s = RunningApplication.start(backend)) {
            assertEquals(200, JdkClient.get(s.uri("/")).statusCode());
            LogRecord r = log.await("the access log line", x -> x.getLoggerName().equals("io.pants.httpserver.access"));
            assertTrue(r.getMessage().contains("\"GET /\" 200 " + JdkApiApplication.HELLO.length() + " "), r.getMessage());
        } finally {
            access.setLevel(before);
        }
    }
}
