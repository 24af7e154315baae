// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;

/** Waits, bounded by {@link LoopThread#WAIT}, until a port refuses connections: a server on several loops closes each loop's listener on that loop's next turn. */
public final class Refusals {
    private Refusals() {}

    /** Returns once a connect to 127.0.0.1:{@code port} is refused; fails after {@link LoopThread#WAIT}. */
    public static void awaitRefused(int port) throws Exception {
        long until = System.nanoTime() + LoopThread.WAIT.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            } catch (ConnectException refused) {
                return;
            } catch (SocketException reset) {
                // taken into the backlog of a listener that closed before accepting it: try again
            }
            if (System.nanoTime() - until > 0) throw new AssertionError("port " + port + " still accepts connections after " + LoopThread.WAIT);
            Thread.onSpinWait();
        }
    }
}
