// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.http.HttpServer;
import io.pants.web.Application;
import io.pants.websocket.WebSocket;

/** A WebSocket echo server at {@code ws://HOST:PORT/}: every message comes back as it was sent. Arguments: PORT [BIND_ADDRESS]. */
public class WsEcho {
    /** One connection. Subclass WebSocket, override the callbacks you need; all run on the loop thread. */
    static class Echo extends WebSocket {
        @Override protected void onText(String text) { send(text); }

        @Override protected void onBinary(byte[] data) { send(data); }
    }

    public static void main(String[] args) {
        var app = new Application();
        app.websocket("/", Echo::new);

        int port = Integer.parseInt(args[0]);
        HttpServer server = args.length > 1 ? app.listen(args[1], port) : app.listen(port);
        System.out.println("websocket echo listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
