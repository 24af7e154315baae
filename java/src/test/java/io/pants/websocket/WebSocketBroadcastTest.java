// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 1,000 WebSocket connections at once on one server engine, clients on another: every message
 * a client sends reaches all of them, and everything closes cleanly (no descriptor left).
 */
@ExtendWith(NoDescriptorLeaks.class)
class WebSocketBroadcastTest {
    private static final int CLIENTS = 1000, SENDERS = 10, BATCH = 100;

    /** The server side: a message goes to every open chat (loop thread only, so a plain set). */
    static final class Chat extends WebSocket {
        final Set<Chat> room;
        final CountDownLatch left;

        Chat(Set<Chat> room, CountDownLatch left) {
            this.room = room;
            this.left = left;
        }

        @Override protected void onOpen() { room.add(this); }

        @Override protected void onText(String text) {
            for (Chat c : room) c.send(text);
        }

        @Override protected void onClose(int code, String reason) {
            room.remove(this);
            if (code == NORMAL_CLOSURE) left.countDown();
        }
    }

    /** A client that counts what it gets. */
    static final class Member extends WebSocket {
        final CountDownLatch opened, received, closed;
        final AtomicInteger messages = new AtomicInteger();

        Member(CountDownLatch opened, CountDownLatch received, CountDownLatch closed) {
            this.opened = opened;
            this.received = received;
            this.closed = closed;
        }

        @Override protected void onOpen() { opened.countDown(); }

        @Override protected void onText(String text) {
            messages.incrementAndGet();
            received.countDown();
        }

        @Override protected void onClose(int code, String reason) {
            if (code == NORMAL_CLOSURE) closed.countDown();
        }
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(2 * LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(what + ": " + latch.getCount() + " still missing after " + 2 * LoopThread.WAIT.toSeconds() + " s");
        }
    }

    @BackendTest
    void aThousandConnectionsBroadcast(String backend) throws Exception {
        Set<Chat> room = new LinkedHashSet<>();
        CountDownLatch left = new CountDownLatch(CLIENTS);
        try (WsServer s = new WsServer(backend, () -> new Chat(room, left)); LoopThread clients = new LoopThread(backend)) {
            CountDownLatch received = new CountDownLatch(CLIENTS * SENDERS), closed = new CountDownLatch(CLIENTS);
            List<Member> members = new ArrayList<>();
            for (int b = 0; b < CLIENTS / BATCH; b++) {
                CountDownLatch opened = new CountDownLatch(BATCH); // in batches: the accept queue holds a batch easily
                clients.run(() -> {
                    for (int i = 0; i < BATCH; i++) {
                        Member m = new Member(opened, received, closed);
                        members.add(m);
                        m.connect(s.uri("/ws"));
                    }
                });
                await(opened, "connections opened in batch " + b);
            }
            assertEquals(CLIENTS, (int) s.loop.call(room::size), "every connection is in the room");
            clients.run(() -> {
                for (int i = 0; i < SENDERS; i++) members.get(i * (CLIENTS / SENDERS)).send("message " + i);
            });
            await(received, "broadcast messages received");
            for (Member m : members) assertEquals(SENDERS, m.messages.get(), "each member got every message once");
            clients.run(() -> members.forEach(WebSocket::close));
            await(closed, "clients closed normally");
            await(left, "server sides closed normally");
            assertEquals(0, (int) s.loop.call(room::size));
        }
    }
}
