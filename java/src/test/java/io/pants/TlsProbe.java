// SPDX-License-Identifier: Apache-2.0
package io.pants;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;

/** A TLS client stream for tests: sends {@code greeting} once connected and records the handshake, the input, errors and the end. */
class TlsProbe extends Stream {
    final CompletableFuture<SSLSession> handshake = new CompletableFuture<>();
    final CompletableFuture<Void> connected = new CompletableFuture<>();
    final CompletableFuture<SSLException> error = new CompletableFuture<>();
    final CompletableFuture<Void> endOfInput = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final byte[] greeting;

    TlsProbe(Engine engine, String greeting) {
        super(engine);
        this.greeting = greeting == null ? null : greeting.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override protected void onTlsHandshake(SSLSession session) { handshake.complete(session); }
    @Override protected void onConnect() {
        connected.complete(null);
        if (greeting != null) write(greeting);
    }
    @Override protected void onRead(byte[] data) { synchronized (received) { received.writeBytes(data); } }
    @Override protected void onTlsError(SSLException e) {
        error.complete(e);
        super.onTlsError(e);
    }
    @Override protected void onEndOfInput() {
        endOfInput.complete(null);
        super.onEndOfInput();
    }
    @Override protected void onClose() {
        handshake.completeExceptionally(new AssertionError("closed without a handshake"));
        closed.complete(null);
    }

    String text() {
        synchronized (received) { return received.toString(java.nio.charset.StandardCharsets.UTF_8); }
    }
}
