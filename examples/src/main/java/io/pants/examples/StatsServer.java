// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Server;
import io.pants.ServerStats;
import io.pants.Stream;
import io.pants.http.HttpServer;

/**
 * An echo server with its statistics over HTTP: {@code GET /stats} on the second port answers
 * with the engine's {@link io.pants.EngineStats} and the echo server's {@link ServerStats}, one
 * {@code name value} line each. Arguments: ECHO_PORT STATS_PORT [BIND_ADDRESS].
 */
public class StatsServer {
    static class Echo extends Stream {
        @Override protected void onRead(byte[] data) { write(data); }
    }

    public static void main(String[] args) {
        if (!Main.isPort(args[1])) throw new IllegalArgumentException("'" + args[1] + "' is not a port number (0 to 65535)");
        Server echo = new Server(Echo::new);
        HttpServer stats = new HttpServer(request -> {
            if (!request.path().equals("/stats")) {
                request.sendResponse("try GET /stats\n", 404, "text/plain");
                return;
            }
            // the handler runs on the loop thread, which makes both snapshots exact
            ServerStats s = echo.stats();
            String text = Engine.instance().stats().toText()
                    + "echo.connectionsOpen " + s.connectionsOpen() + "\n"
                    + "echo.accepted " + s.accepted() + "\n"
                    + "echo.refused " + s.refused() + "\n"
                    + "echo.acceptPauses " + s.acceptPauses() + "\n";
            request.sendResponse(text, 200, "text/plain");
        });
        int echoPort = Integer.parseInt(args[0]), statsPort = Integer.parseInt(args[1]);
        if (args.length > 2) {
            echo.listen(args[2], echoPort);
            stats.listen(args[2], statsPort);
        } else {
            echo.listen(echoPort);
            stats.listen(statsPort);
        }
        String poller = " (poller: " + Engine.instance().pollerName() + ")";
        System.out.println("echo server listening on port " + echo.port() + poller);
        System.out.println("stats server listening on port " + stats.port() + poller);
        Engine.instance().start();
    }
}
