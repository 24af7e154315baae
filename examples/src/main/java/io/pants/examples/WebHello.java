// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.http.HttpServer;
import io.pants.web.Application;

/** A web application answering {@code GET /} with {@code Hello, World!}. Arguments: PORT [BIND_ADDRESS]. */
public class WebHello {
    public static void main(String[] args) {
        var app = new Application();
        app.route("/", request -> "Hello, World!");

        // app.run(port) would do in a program of your own; listening first lets us say where
        int port = Integer.parseInt(args[0]);
        HttpServer server = args.length > 1 ? app.listen(args[1], port) : app.listen(port);
        System.out.println("web hello listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
