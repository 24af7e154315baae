// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.BackendTest;
import io.pants.EngineGroup;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.http.HttpServer;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A web application served by an HttpServer on a group: every loop routes, each request on its connection's loop. */
@ExtendWith(NoDescriptorLeaks.class)
class ApplicationGroupTest {

    @BackendTest
    void routesOnEveryLoop(String backend) throws Exception {
        Set<String> offLoop = ConcurrentHashMap.newKeySet();
        Set<Integer> loops = ConcurrentHashMap.newKeySet();
        Application app = new Application().route("/hello/<name>", request -> {
            if (!request.engine().inLoopThread()) offLoop.add(Thread.currentThread().getName());
            loops.add(request.engine().loopIndex());
            return "Hello, " + request.param("name") + "!";
        });
        EngineGroup group = new EngineGroup(3, backend);
        try {
            HttpServer server = new HttpServer(group, app).listen("127.0.0.1", 0);
            group.startThreads();
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    Socket s = new Socket("127.0.0.1", server.port());
                    s.setSoTimeout((int) LoopThread.WAIT.toMillis());
                    open.add(s);
                }
                for (int i = 0; i < open.size(); i++) {
                    Socket s = open.get(i);
                    s.getOutputStream().write(("GET /hello/n" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(all.startsWith("HTTP/1.1 200 "), all);
                    assertTrue(all.endsWith("\r\n\r\nHello, n" + i + "!"), all);
                }
            } finally {
                for (Socket s : open) s.close();
            }
            assertTrue(offLoop.isEmpty(), "handlers off their loop: " + offLoop);
            assertEquals(Set.of(0, 1, 2), loops, "every loop routed some of the 60 connections");
        } finally {
            group.close();
        }
    }
}
