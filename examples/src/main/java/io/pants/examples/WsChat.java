// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.http.HttpServer;
import io.pants.web.Application;
import io.pants.websocket.WebSocket;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A chat room: every message sent to {@code ws://HOST:PORT/chat} goes to everyone connected;
 * {@code http://HOST:PORT/} is a page to chat from in a browser. Arguments: PORT [BIND_ADDRESS].
 */
public class WsChat {
    /** Everyone in the room; only the loop thread touches it, so a plain set will do. */
    static final Set<Chat> ROOM = new LinkedHashSet<>();

    static class Chat extends WebSocket {
        @Override protected void onOpen() { ROOM.add(this); }

        @Override protected void onText(String text) {
            for (Chat member : ROOM) {
                // a member that stopped reading is left behind rather than buffered for without end
                if (member.isWritable()) member.send(text);
            }
        }

        @Override protected void onClose(int code, String reason) { ROOM.remove(this); }
    }

    static final String PAGE = """
            <!doctype html><title>Pants chat</title>
            <pre id="log"></pre><input id="say" autofocus placeholder="say something, then Enter">
            <script>
              const ws = new WebSocket(`ws://${location.host}/chat`);
              ws.onmessage = e => log.textContent += e.data + "\\n";
              say.onkeydown = e => { if (e.key === "Enter") { ws.send(say.value); say.value = ""; } };
            </script>
            """;

    public static void main(String[] args) {
        var app = new Application();
        app.route("/", request -> PAGE);
        app.websocket("/chat", Chat::new);

        int port = Integer.parseInt(args[0]);
        HttpServer server = args.length > 1 ? app.listen(args[1], port) : app.listen(port);
        System.out.println("websocket chat listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
