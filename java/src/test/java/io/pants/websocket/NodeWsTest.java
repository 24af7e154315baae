// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Node's {@code ws} package, an independent implementation, as client against our server and as server for our client. */
@ExtendWith(NoDescriptorLeaks.class)
class NodeWsTest {
    @BackendTest
    void wsAsClientAgainstTheServer(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder.Echo().subprotocols("chat.v2"));
             NodeWs ws = NodeWs.run("ws-client.js", s.uri("/ws").toString(), "echo")) {
            assertEquals("open:chat.v2", ws.next("open"));
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            assertEquals("text:hello from ws \u20ac", ws.next("the text echo"));
            assertEquals("binary:010203", ws.next("the binary echo"));
            String third = ws.next("the pongs and the fragmented echo");
            StringBuilder seen = new StringBuilder(third);
            while (!third.startsWith("text:")) seen.append(' ').append(third = ws.next("the fragmented echo"));
            assertEquals("text:fragment", third);
            assertTrue(seen.toString().contains("pong:" + Recorder.hex(Recorder.utf8("between"))), "the ping between fragments: " + seen);
            assertEquals("close:4000:bye", ws.nextStartingWith("close:"));
            assertEquals("text:hello from ws \u20ac", server.next("text"));
            assertEquals("binary:010203", server.next("binary"));
            assertEquals("ping:" + Recorder.hex(Recorder.utf8("between")), server.next("the ping between fragments"));
            assertEquals("text:fragment", server.next("the fragmented message"));
            assertEquals("ping:70", server.next("the second ping"));
            assertEquals("close:4000:bye", server.next("close"));
        }
    }

    @BackendTest
    void wsGets1009ForAMessageOverTheLimit(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder().subprotocols("chat.v1"));
             NodeWs ws = NodeWs.run("ws-client.js", s.uri("/ws").toString(), "big")) {
            assertEquals("open:chat.v1", ws.next("open"));
            assertEquals("close:1009:", ws.nextStartingWith("close:").substring(0, "close:1009:".length()));
            Recorder server = s.next();
            String close = server.nextStartingWith("close:");
            assertTrue(close.startsWith("close:1009:"), close);
        }
    }

    @BackendTest
    void theClientAgainstAWsServer(String backend) throws Exception {
        try (NodeWs ws = NodeWs.run("ws-server.js"); LoopThread loop = new LoopThread(backend)) {
            String port = ws.next("its port");
            assertTrue(port.startsWith("port:"), port);
            Recorder c = new Recorder();
            loop.run(() -> c.subprotocols("v1", "v2").connect("ws://127.0.0.1:" + port.substring(5) + "/room?x=1"));
            assertEquals("open", c.next("open"));
            assertEquals("open:v2:/room?x=1", ws.next("the server's open"));
            assertEquals("v2", loop.call(c::subprotocol));
            assertEquals("ping:" + Recorder.hex(Recorder.utf8("from ws")), c.next("the server's ping"));
            assertEquals("pong:" + Recorder.hex(Recorder.utf8("from ws")), ws.next("our automatic pong"));
            loop.run(() -> c.send("hello ws"));
            assertEquals("text:hello ws", c.next("the echo"));
            byte[] big = new byte[100_000];
            for (int i = 0; i < big.length; i++) big[i] = (byte) (i % 251);
            loop.run(() -> c.send(big));
            assertEquals("binary:" + Recorder.hex(big), c.next("the binary echo"));
            loop.run(() -> {
                c.sendPart("in ", false);
                c.ping(new byte[] {5});
                c.sendPart("parts", true);
            });
            assertEquals("pong:05", c.next("ws's pong"));
            assertEquals("text:in parts", c.next("the fragmented echo"));
            loop.run(() -> c.send("fragment-me"));
            assertEquals("ping:" + Recorder.hex(Recorder.utf8("mid")), c.next("the ping between ws's fragments"));
            assertEquals("text:fragmented", c.next("ws's fragmented message"));
            loop.run(() -> c.send("close-me"));
            assertEquals("close:4002:server bye", c.next("ws's close"));
            assertEquals("close:4002:server bye", ws.nextStartingWith("close:"));
        }
    }

    @BackendTest
    void theClientClosesAWsServer(String backend) throws Exception {
        try (NodeWs ws = NodeWs.run("ws-server.js"); LoopThread loop = new LoopThread(backend)) {
            String port = ws.next("its port").substring(5);
            Recorder c = new Recorder();
            loop.run(() -> c.connect("ws://127.0.0.1:" + port + "/"));
            assertEquals("open", c.next("open"));
            loop.run(() -> c.close(WebSocket.NORMAL_CLOSURE, "client leaves"));
            assertEquals("close:1000:client leaves", ws.nextStartingWith("close:"));
            assertEquals("close:1000:client leaves", c.nextStartingWith("close:"));
        }
    }

    @BackendTest
    void permessageDeflateWithWsAsClient(String backend) throws Exception {
        try (WsServer s = new WsServer(backend, () -> new Recorder.Echo().subprotocols("chat.v1").permessageDeflate(true));
             NodeWs ws = NodeWs.run("ws-client.js", s.uri("/ws").toString(), "deflate")) {
            assertEquals("open:chat.v1", ws.next("open"));
            assertEquals("extensions:permessage-deflate", ws.next("the agreed extensions"));
            Recorder server = s.next();
            assertEquals("open", server.next("open"));
            assertTrue(s.loop.call(server::isCompressed));
            String big = "compress me ".repeat(1000);
            assertEquals("text:" + big, server.next("the first compressed message"));
            assertEquals("text:" + big, server.next("the second, inflated with the context of the first"));
            assertEquals("binary:" + "07".repeat(5000), server.next("the compressed binary message"));
            assertEquals("text:short", server.next("a short one"));
            assertEquals("text:" + big, ws.next("the compressed echo"));
            assertEquals("text:" + big, ws.next("the second compressed echo"));
            assertEquals("binary:" + "07".repeat(5000), ws.next("the binary echo"));
            assertEquals("text:short", ws.next("the short echo"));
            assertEquals("close:4000:bye", ws.nextStartingWith("close:"));
        }
    }

    @BackendTest
    void permessageDeflateWithAWsServer(String backend) throws Exception {
        for (boolean takeover : new boolean[] {true, false}) {
            try (NodeWs ws = NodeWs.run("ws-server.js", "deflate"); LoopThread loop = new LoopThread(backend)) {
                String port = ws.next("its port").substring(5);
                Recorder c = new Recorder();
                loop.run(() -> c.permessageDeflate(true).deflateContextTakeover(takeover).connect("ws://127.0.0.1:" + port + "/z"));
                assertEquals("open", c.next("open"));
                assertEquals("open::/z:permessage-deflate", ws.next("the server's open"));
                assertTrue(loop.call(c::isCompressed));
                assertTrue(c.next("the server's ping").startsWith("ping:"));
                String big = "squeeze ".repeat(2000);
                loop.run(() -> {
                    c.send(big);
                    c.send(big);
                    c.send("tiny");
                });
                assertEquals("text:" + big, c.next("the compressed echo"));
                assertEquals("text:" + big, c.next("the second compressed echo"));
                assertEquals("text:tiny", c.next("a compressed short echo (ws compresses everything here)"));
                assertEquals("text:" + big, ws.nextStartingWith("text:"));
                loop.run(c::close);
                assertEquals("close:1000:", c.nextStartingWith("close:"));
            }
        }
    }
}
