// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every output chunk a stream takes from its engine's pool comes back, however the stream ends:
 * closed cleanly, reset by the peer with output queued, closed by us with output queued, ended by
 * the peer mid-write (a FIN; on TLS, a truncation), or failing its TLS handshake. Plain streams
 * and TLS 1.2 and 1.3, servers and (on TLS) Pants clients on the same engine.
 */
@ExtendWith(NoDescriptorLeaks.class)
class ChunkLeakTest {
    private static final List<String> PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");
    /** More than the kernel takes at once (a 4 MiB send buffer at most, a small receive buffer): some stays queued. */
    private static final int FLOOD = 8 * 1024 * 1024;

    /**
     * What the client's first byte asks for: 'e' an echo (of that and everything after), 't'
     * {@link #FLOOD} bytes, 'c' those bytes and close() behind them.
     */
    static class Scenario extends Stream {
        private boolean echo;

        @Override protected void onRead(byte[] data) {
            if (echo) {
                write(data);
                return;
            }
            switch (data[0]) {
                case 'e' -> {
                    echo = true;
                    write(data);
                }
                case 't' -> write(TestData.bytes(0, FLOOD));
                case 'c' -> {
                    write(TestData.bytes(0, FLOOD));
                    close();
                }
                default -> throw new IllegalArgumentException("no scenario " + data[0]);
            }
        }
    }

    @BackendTest
    void plainStreams(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.serve(new CompletableFuture<>(), Scenario::new);
            int before = ChunksOutstanding.now(loop);
            try (Socket c = new Socket("127.0.0.1", port)) {
                c.setSoTimeout((int) LoopThread.WAIT.toMillis());
                echoed(c.getOutputStream(), c.getInputStream());
            }
            ChunksOutstanding.assertBackTo(loop, before, 1, "a plain echo closed cleanly");
            for (char scenario : new char[] {'t', 'c'}) {
                try (Socket raw = flooded(loop, port, before, null, scenario)) {
                    reset(raw);
                }
                ChunksOutstanding.assertBackTo(loop, before, 1, "a plain stream reset by the peer in scenario " + scenario);
                try (Socket raw = flooded(loop, port, before, null, scenario)) {
                    raw.shutdownOutput(); // the peer's end of stream while we write: we close behind the queue
                    reset(raw);
                }
                ChunksOutstanding.assertBackTo(loop, before, 1, "a plain stream ended by the peer in scenario " + scenario);
            }
        }
    }

    @BackendTest
    void tlsStreamsClosedCleanly(String backend) throws Exception {
        for (String protocol : PROTOCOLS) {
            try (LoopThread loop = new LoopThread(backend)) {
                int port = TlsFixtures.serve(loop, new CompletableFuture<>(), Scenario::new, server(protocol));
                int before = ChunksOutstanding.now(loop);
                try (SSLSocket c = TlsFixtures.jdkClient(port, protocol)) {
                    echoed(c.getOutputStream(), c.getInputStream());
                } // close_notify
                ChunksOutstanding.assertBackTo(loop, before, 1, "a " + protocol + " echo closed by a JDK client");

                TlsProbe probe = new TlsProbe(loop.engine, "echo this");
                loop.run(() -> probe.tls(TlsConfig.of(TlsFixtures.clientContext()).protocols(protocol)).connect("localhost", port));
                Await.get(probe.connected, "the Pants client's handshake");
                byte[] more = TestData.bytes(0, 300_000);
                loop.run(() -> probe.write(more).close()); // close_notify behind what is queued
                Await.get(probe.closed, "the Pants client to close");
                ChunksOutstanding.assertBackTo(loop, before, 1, "a " + protocol + " echo closed by a Pants client");
            }
        }
    }

    @BackendTest
    void tlsStreamsEndedAbruptlyMidWrite(String backend) throws Exception {
        for (String protocol : PROTOCOLS) {
            try (LoopThread loop = new LoopThread(backend)) {
                int port = TlsFixtures.serve(loop, new CompletableFuture<>(), Scenario::new, server(protocol));
                int before = ChunksOutstanding.now(loop);
                for (char scenario : new char[] {'t', 'c'}) {
                    try (Socket raw = flooded(loop, port, before, protocol, scenario)) {
                        reset(raw);
                    }
                    ChunksOutstanding.assertBackTo(loop, before, 1, "a " + protocol + " stream reset by the peer in scenario " + scenario);
                    try (Socket raw = flooded(loop, port, before, protocol, scenario)) {
                        raw.shutdownOutput(); // a FIN without close_notify: a truncation, and we close
                        reset(raw);
                    }
                    ChunksOutstanding.assertBackTo(loop, before, 1, "a " + protocol + " stream truncated by the peer in scenario " + scenario);
                }
            }
        }
    }

    @BackendTest
    void failedTlsHandshakes(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), Scenario::new, server(null));
            int before = ChunksOutstanding.now(loop);
            for (byte[] input : List.of(TestData.bytes(0, 5000), "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
                try (Socket raw = new Socket("127.0.0.1", port)) {
                    raw.setSoTimeout((int) LoopThread.WAIT.toMillis());
                    raw.getOutputStream().write(input);
                    drain(raw.getInputStream());
                }
                ChunksOutstanding.assertBackTo(loop, before, 1, "a handshake with garbage or plain text");
            }

            // a JDK client that trusts only the system's authorities refuses our certificate
            try (SSLSocket c = (SSLSocket) SSLContext.getDefault().getSocketFactory().createSocket("127.0.0.1", port)) {
                c.setSoTimeout((int) LoopThread.WAIT.toMillis());
                assertThrows(SSLException.class, c::startHandshake, "the JDK client trusts our test certificate");
            }
            ChunksOutstanding.assertBackTo(loop, before, 1, "a handshake the JDK client failed");

            // a Pants client does too, with writes staged for after the handshake
            TlsProbe probe = new TlsProbe(loop.engine, null);
            loop.run(() -> probe.tls(Tls.clientContext()).connect("localhost", port).write(TestData.bytes(0, 100_000)));
            Await.get(probe.closed, "the Pants client to give up");
            assertTrue(probe.error.isDone(), "the Pants client reported the untrusted certificate");
            ChunksOutstanding.assertBackTo(loop, before, 1, "a handshake the Pants client failed with writes staged");
        }
    }

    private static TlsConfig server(String protocol) {
        TlsConfig c = TlsConfig.of(TlsFixtures.serverContext());
        return protocol == null ? c : c.protocols(protocol);
    }

    /** An echo of 100 KB, then the client's end (a FIN, or close_notify) and the server's. */
    private static void echoed(java.io.OutputStream out, InputStream in) throws IOException {
        byte[] message = TestData.bytes(0, 100_000);
        message[0] = 'e';
        out.write(message);
        out.flush();
        byte[] back = new byte[message.length];
        new DataInputStream(in).readFully(back);
        assertArrayEquals(message, back, "the echo");
    }

    /**
     * A client (over TLS if {@code protocol} is not null) that asks for {@code scenario} and
     * reads only the first byte: the server has output queued. Returns the raw socket, to end.
     */
    private static Socket flooded(LoopThread loop, int port, int before, String protocol, char scenario) throws Exception {
        Socket raw = new Socket();
        try {
            raw.setReceiveBufferSize(32 * 1024);
            raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            raw.setSoTimeout((int) LoopThread.WAIT.toMillis());
            java.io.OutputStream out = raw.getOutputStream();
            InputStream in = raw.getInputStream();
            if (protocol != null) {
                // autoClose false: ending the raw socket is the test's, and no close_notify goes with it
                SSLSocket c = (SSLSocket) TlsFixtures.clientContext().getSocketFactory().createSocket(raw, "localhost", port, false);
                c.setEnabledProtocols(new String[] {protocol});
                c.startHandshake();
                out = c.getOutputStream();
                in = c.getInputStream();
            }
            out.write(scenario);
            out.flush();
            assertEquals(TestData.at(0) & 0xff, in.read(), "the first byte of the flood");
            assertTrue(ChunksOutstanding.now(loop) > before, "output waiting in chunks while the client reads nothing");
            return raw;
        } catch (Exception | AssertionError e) {
            raw.close();
            throw e;
        }
    }

    /** Closes with a reset (SO_LINGER 0), and unread input makes it one in any case. */
    private static void reset(Socket raw) throws IOException {
        raw.setSoLinger(true, 0);
        raw.close();
    }

    private static void drain(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) { /* an alert, maybe; then the end */ }
        } catch (java.net.SocketException reset) {
            // the server closed with our input unread: a reset is an end too
        }
    }
}
