// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stream that records its callbacks in order ("connect", "read N", "connectError Class",
 * "close") for tests to check, and counts onClose calls. Input is kept. Read the fields on the
 * loop thread, or once the engine is closed; {@link #closed} hands over a copy of the events.
 */
class Recorder extends Stream {
    final List<String> events = new ArrayList<>();
    final AtomicInteger closes = new AtomicInteger();
    final CompletableFuture<Void> connected = new CompletableFuture<>();
    final CompletableFuture<List<String>> closed = new CompletableFuture<>();
    final CompletableFuture<IOException> connectError = new CompletableFuture<>();
    byte[] received = new byte[0];

    Recorder() {}

    Recorder(Engine engine) {
        super(engine);
    }

    @Override
    protected void onConnect() {
        events.add("connect");
        connected.complete(null);
    }

    @Override
    protected void onRead(byte[] data) {
        events.add("read " + data.length);
        received = EchoTest.concat(received, data);
    }

    @Override
    protected void onConnectError(IOException cause) {
        events.add("connectError " + cause.getClass().getSimpleName());
        connectError.complete(cause);
    }

    @Override
    protected void onClose() {
        closes.incrementAndGet();
        events.add("close");
        closed.complete(List.copyOf(events));
    }
}
