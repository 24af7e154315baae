// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.LoopThread;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket that records what happens to it, as lines, for the test thread to take with a
 * bounded wait: "open", "text:hello", "binary:<hex>", "ping:<hex>", "pong:<hex>",
 * "close:1000:reason", "error:<message>". Subclasses add behaviour (echoing, say).
 */
class Recorder extends WebSocket {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @Override protected void onOpen() { events.add("open"); }

    @Override protected void onText(String text) { events.add("text:" + text); }

    @Override protected void onBinary(byte[] data) { events.add("binary:" + hex(data)); }

    @Override protected void onPing(byte[] payload) { events.add("ping:" + hex(payload)); }

    @Override protected void onPong(byte[] payload) { events.add("pong:" + hex(payload)); }

    @Override protected void onClose(int code, String reason) { events.add("close:" + code + ":" + reason); }

    @Override protected void onConnectError(IOException cause) { events.add("error:" + cause.getMessage()); }

    /** The next event; fails after {@link LoopThread#WAIT}. */
    String next(String what) throws InterruptedException {
        String e = events.poll(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) throw new AssertionError("timed out after " + LoopThread.WAIT + " waiting for " + what + " on " + this);
        return e;
    }

    /** The next event that starts with {@code prefix}, skipping others (pings, say). */
    String nextStartingWith(String prefix) throws InterruptedException {
        while (true) {
            String e = next("an event starting with '" + prefix + "'");
            if (e.startsWith(prefix)) return e;
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(2 * b.length);
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    /** Echoes every message back, as it came. */
    static class Echo extends Recorder {
        @Override protected void onText(String text) {
            super.onText(text);
            send(text);
        }

        @Override protected void onBinary(byte[] data) {
            super.onBinary(data);
            send(data);
        }
    }
}
