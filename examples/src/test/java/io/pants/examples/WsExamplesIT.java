// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebSocket examples, run as {@code java -jar pants-examples.jar ws-echo|ws-chat 0 127.0.0.1}, with the JDK's WebSocket client. */
class WsExamplesIT {
    /** What a JDK client gets, a line each: "text:...", "binary:<length>", "close:<code>". */
    static final class Events implements WebSocket.Listener {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                events.add("text:" + text);
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            events.add("binary:" + data.remaining());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            events.add("close:" + code);
            return null;
        }

        String next(String what) throws InterruptedException {
            String e = events.poll(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) throw new AssertionError("no " + what + " within " + ExampleProcess.WAIT);
            return e;
        }
    }

    private static WebSocket open(HttpClient client, String uri, Events events) throws Exception {
        return client.newWebSocketBuilder().connectTimeout(ExampleProcess.WAIT).buildAsync(URI.create(uri), events)
                .get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void wsEchoSendsEveryMessageBack(String backend) throws Exception {
        try (ExampleProcess app = ExampleProcess.start(backend, "ws-echo", "0", "127.0.0.1")) {
            int port = app.awaitListening("websocket echo", backend);
            HttpClient client = HttpClient.newBuilder().connectTimeout(ExampleProcess.WAIT).build();
            Events events = new Events();
            WebSocket ws = open(client, "ws://127.0.0.1:" + port + "/", events);
            ws.sendText("hello, pants", true).get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("text:hello, pants", events.next("the echo"));
            ws.sendBinary(ByteBuffer.wrap(new byte[1000]), true).get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("binary:1000", events.next("the binary echo"));
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("close:1000", events.next("the close answer"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void wsChatBroadcastsToEveryone(String backend) throws Exception {
        try (ExampleProcess app = ExampleProcess.start(backend, "ws-chat", "0", "127.0.0.1")) {
            int port = app.awaitListening("websocket chat", backend);
            HttpClient client = HttpClient.newBuilder().connectTimeout(ExampleProcess.WAIT).build();
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(ExampleProcess.WAIT).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("new WebSocket("), page.body());
            Events alice = new Events(), bob = new Events();
            WebSocket a = open(client, "ws://127.0.0.1:" + port + "/chat", alice);
            WebSocket b = open(client, "ws://127.0.0.1:" + port + "/chat", bob);
            // bob's handshake is done, but the server may not have put him in the room yet: a
            // message from him goes through the room, so once alice has it, both are in
            b.sendText("bob is here", true).get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("text:bob is here", alice.next("bob's arrival"));
            assertEquals("text:bob is here", bob.next("bob's own message"));
            a.sendText("hi all", true).get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("text:hi all", alice.next("alice's message, to alice"));
            assertEquals("text:hi all", bob.next("alice's message, to bob"));
            a.sendClose(WebSocket.NORMAL_CLOSURE, "").get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("close:1000", alice.next("alice's close answer"));
            b.sendText("alone", true).get(ExampleProcess.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("text:alone", bob.next("bob's message after alice left"));
        }
    }
}
