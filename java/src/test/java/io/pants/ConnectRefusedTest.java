// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A connect that the peer refuses ends in onConnectError, never in onConnect. */
@ExtendWith(NoDescriptorLeaks.class)
class ConnectRefusedTest {
    @BackendTest
    void refusedConnectCallsOnConnectErrorNotOnConnect(String backend) throws Exception {
        int port;
        // a port that was free a moment ago and that nothing listens on now
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        AtomicBoolean connected = new AtomicBoolean();
        CompletableFuture<IOException> error = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend)) {
            loop.run(() -> new Stream(loop.engine) {
                @Override protected void onConnect() { connected.set(true); }
                @Override protected void onConnectError(IOException cause) { error.complete(cause); }
                @Override protected void onClose() { closed.complete(null); }
            }.connect("127.0.0.1", port));
            closed.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertFalse(connected.get(), "onConnect was called for a refused connection");
        assertTrue(error.isDone(), "onConnectError was not called before onClose");
        assertInstanceOf(ConnectException.class, error.get(), "the connect error should say the connection was refused");
    }
}
