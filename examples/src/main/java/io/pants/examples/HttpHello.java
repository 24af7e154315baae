// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.http.HttpServer;

import java.util.Map;

/**
 * The hello world of HTTP: answers every request with "Hello, World!". Arguments: PORT
 * [BIND_ADDRESS]; on N event loops with {@code -Dpants.loops=N} (or {@code --loops=N}).
 */
public class HttpHello {
    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        HttpServer server = new HttpServer(request -> {
            request.sendStatus(200);
            request.sendHeaders(Map.of("Content-Type", "text/plain"));
            request.send("Hello, World!");
            request.finish();
        });
        if (args.length > 1) server.listen(args[1], port);
        else server.listen(port);
        System.out.println("http-hello server listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
