// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two streams relaying to each other, each pausing its reading while the other end is backed up
 * and passing a half-close on: the shape of a TCP proxy. Whatever a stream received before the
 * peer hung up reaches it, in order, before the end of stream, whatever was paused meanwhile.
 */
@ExtendWith(NoDescriptorLeaks.class)
class RelayTest {
    private static final int SIZE = 20 * 1024 * 1024;

    /** One end: what it reads goes out through its peer; it reads no more while the peer can't take it. */
    static class Relay extends Stream {
        Relay peer;

        Relay() {
            autoPause(false); // the pausing is done across the two ends
        }

        @Override protected void onRead(byte[] data) {
            peer.write(data);
            if (!peer.isWritable()) pauseReading();
        }

        @Override protected void onDrain() { peer.resumeReading(); }

        @Override protected void onEndOfInput() { peer.shutdownOutput(); }

        @Override protected void onClose() { peer.close(); }
    }

    /** The end a client connected to: it connects the other end to the upstream server. */
    static final class Downstream extends Relay {
        private final int upstreamPort;

        Downstream(int upstreamPort) { this.upstreamPort = upstreamPort; }

        @Override protected void onConnect() {
            Relay upstream = new Relay();
            upstream.peer = this;
            peer = upstream;
            upstream.connect("127.0.0.1", upstreamPort);
        }
    }

    /** Writes back what it reads; closes after the answer at the end of its input. */
    static final class Echo extends Stream {
        @Override protected void onRead(byte[] data) { write(data); }
    }

    /**
     * The client writes 20 MB and half-closes, through the relay to an echo server on an engine
     * of its own, and reads the echo: the relay's upstream end is paused (the client reads
     * slower than the echo answers) when the echo server closes, with input still to deliver.
     */
    @BackendTest
    void twentyMegabytesThroughARelayThatPausesComeBackWholeAfterAHalfClose(String backend) throws Exception {
        try (LoopThread echoLoop = new LoopThread(backend); LoopThread relayLoop = new LoopThread(backend)) {
            int echoPort = echoLoop.serve(new CompletableFuture<>(), Echo::new);
            int port = relayLoop.serve(new CompletableFuture<>(), () -> new Downstream(echoPort));
            try (Socket c = EchoTest.connect(port)) {
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = c.getOutputStream();
                        for (int pos = 0; pos < SIZE; pos += 64 * 1024) out.write(TestData.bytes(pos, Math.min(64 * 1024, SIZE - pos)));
                        c.shutdownOutput();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                TestData.Checker got = TestData.readToEnd(c.getInputStream(), new TestData.Checker(), 64 * 1024);
                Await.get(sent, "the client to write 20 MB and half-close");
                assertEquals(SIZE, got.count(), "bytes back through the relay before its end of stream");
                assertEquals("ok", got.verdict(), "content back through the relay");
            }
        }
    }
}
