// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Run by {@link PollersTest} in a child JVM, so that the backend choice (system property,
 * environment, shim path) starts from a fresh process. Prints what {@link Engine#instance()}
 * chose and what every backend's probe said as {@code KEY=value} lines, then proves the engine works by echoing "ping" over
 * loopback. Any failure (an unknown poller, say) ends the JVM with the exception.
 */
public final class PollerChoiceMain {
    private PollerChoiceMain() {}

    static final class Echo extends Stream {
        @Override
        protected void onRead(byte[] data) { write(data); }
    }

    public static void main(String[] args) throws Exception {
        Engine engine = Engine.instance();
        if (Engine.instance() != engine) throw new AssertionError("Engine.instance() is not one engine");
        new Engine().close(); // a second engine on the preferred poller: the choice must not be logged again
        for (Pollers.Probe p : Pollers.probeAll()) System.out.println("PROBE " + p.name() + "=" + p);
        System.out.println("POLLER=" + engine.pollerName());
        System.out.println("DESCRIPTION=" + engine.pollerDescription());
        try (LoopThread loop = new LoopThread(engine)) {
            int port = loop.call(() -> new Server(engine, Echo::new).listen("127.0.0.1", 0).port());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                byte[] back = new byte[4];
                new DataInputStream(s.getInputStream()).readFully(back);
                System.out.println("ECHO=" + new String(back, StandardCharsets.US_ASCII));
            }
        }
    }
}
