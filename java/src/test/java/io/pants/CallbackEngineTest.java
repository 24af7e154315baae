// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams, servers and datagram sockets made without an engine belong to the engine whose
 * callback makes them, not to the default engine, which may never run; where no engine can be
 * told, they refuse with an error that says how to pass one.
 */
@ExtendWith(NoDescriptorLeaks.class)
class CallbackEngineTest {
    /** A client made without an engine: reports the thread of its onConnect. */
    static final class Client extends Stream {
        final CompletableFuture<Thread> connectedOn = new CompletableFuture<>();

        @Override
        protected void onConnect() { connectedOn.complete(Thread.currentThread()); }
    }

    /** A proxy's pattern: each accepted stream connects a client of its own to a backend. */
    @BackendTest
    void aClientMadeInAServersCallbackConnectsOnThatEngine(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            Thread loopThread = loop.call(Thread::currentThread);
            CompletableFuture<Void> backendAccepted = new CompletableFuture<>();
            SocketAddress backendAddress = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() { backendAccepted.complete(null); }
            }).listen("127.0.0.1", 0).localAddress());
            CompletableFuture<Client> made = new CompletableFuture<>();
            CompletableFuture<Engine> madeOn = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() {
                    Client c = new Client();
                    c.connect(backendAddress);
                    madeOn.complete(c.engine());
                    made.complete(c);
                }
            }).listen("127.0.0.1", 0).port());
            try (Socket user = EchoTest.connect(port)) {
                assertSame(loop.engine, Await.get(madeOn, "the front server to connect a client"),
                        "the engine of a client made in a callback of " + loop.engine);
                Client c = Await.get(made, "the client");
                assertSame(loopThread, Await.get(c.connectedOn, "the client's onConnect"), "onConnect ran on the loop thread");
                Await.get(backendAccepted, "the backend to accept the client");
                loop.run(() -> c.close());
            }
        }
    }

    @BackendTest
    void serversAndDatagramSocketsMadeInACallbackAreOnThatEngine(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            List<Engine> engines = loop.call(() -> {
                Server server = new Server(() -> new Stream() {}).listen("127.0.0.1", 0);
                Datagram datagram = new Datagram() {}.listen("127.0.0.1", 0);
                List<Engine> on = List.of(server.engine(), datagram.engine());
                server.close();
                datagram.close();
                return on;
            });
            assertEquals(List.of(loop.engine, loop.engine), engines, "the engines of a server and a datagram socket made in a callback");
        }
    }

    /**
     * Off any loop thread, with an engine open and no default engine made, "the default engine"
     * is a guess that used to leave the stream on an engine that never runs.
     */
    @BackendTest
    void offTheLoopWithoutADefaultEngineTheEngineMustBeNamed(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            assertTrue(!Engine.defaultEngineMade(), "a test before this one left the default engine open");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Server(() -> new Stream() {}));
            assertTrue(e.getMessage().contains("new Server(engine, factory)") && e.getMessage().contains("engine.execute"), e.getMessage());
            Client client = new Client();
            e = assertThrows(IllegalStateException.class, () -> client.connect("127.0.0.1", 9));
            assertTrue(e.getMessage().contains("new MyStream(engine)") && e.getMessage().contains(Client.class.getName()), e.getMessage());
            assertEquals(null, client.engine(), "the client is on no engine");
            e = assertThrows(IllegalStateException.class, () -> new Datagram() {}.listen("127.0.0.1", 0));
            assertTrue(e.getMessage().contains("new MyDatagram(engine)"), e.getMessage());
            assertTrue(!Engine.defaultEngineMade(), "no default engine was made on the way");
        }
    }
}
