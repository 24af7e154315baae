// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;

import static io.pants.ReadDelimiterTest.ascii;
import static io.pants.ReadDelimiterTest.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link ReadDelimiter#custom}: a small protocol decoded from the stream's own buffer, over real
 * sockets, with {@link ReadDelimiterTest}'s client, which waits after each send until the server
 * has read it (so every send is a read of its own).
 */
@ExtendWith(NoDescriptorLeaks.class)
class CustomDecoderTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();

    /**
     * The protocol: {@code '#'}, a one-byte length and that many bytes; anything else is a line
     * up to {@code '\n'}. What waits for more is bounded by the stream's buffer limit, a
     * {@code '#'} message announcing more is refused at once.
     */
    static final class LengthOrLine implements ReadDelimiter.Decoder {
        final Stream stream;
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        /** Each call: the bytes it was handed, and how many it took. */
        final List<List<Integer>> calls = new CopyOnWriteArrayList<>();
        /** Each call's buffer and start: where the stream keeps the input. */
        final List<byte[]> buffers = new CopyOnWriteArrayList<>();
        final List<Integer> starts = new CopyOnWriteArrayList<>();
        /** Reading pauses after this message; null: never. */
        volatile String pauseAfter;
        /** A message that makes the decoder set {@link ReadDelimiter#none()} for the rest. */
        volatile String switchOn;

        LengthOrLine(Stream stream) { this.stream = stream; }

        @Override
        public int decode(byte[] b, int start, int end) {
            int p = start;
            while (p < end) {
                String message;
                int next;
                if (b[p] == '#') {
                    if (end - p < 2) break;
                    int length = b[p + 1] & 0xff;
                    if (2 + length > stream.bufferLimit()) return TOO_LARGE;
                    if (end - p - 2 < length) break;
                    message = new String(b, p + 2, length, StandardCharsets.US_ASCII);
                    next = p + 2 + length;
                } else {
                    int lf = p;
                    while (lf < end && b[lf] != '\n') lf++;
                    if (lf == end) break;
                    message = new String(b, p, lf - p, StandardCharsets.US_ASCII);
                    next = lf + 1;
                }
                messages.add(message);
                p = next;
                if (message.equals(pauseAfter)) {
                    stream.pauseReading();
                    break;
                }
                if (message.equals(switchOn)) {
                    stream.readDelimiter(ReadDelimiter.none());
                    break;
                }
            }
            buffers.add(b);
            starts.add(start);
            calls.add(List.of(end - start, p - start));
            return p - start;
        }

        String take() throws InterruptedException {
            String m = messages.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            if (m == null) fail("no message within " + LoopThread.WAIT + "; calls so far (handed, taken): " + calls);
            return m;
        }

        /** The calls so far, read on the loop: the one that decoded the last message has returned. */
        List<List<Integer>> calls(LoopThread loop) throws Exception {
            return loop.call(() -> List.copyOf(calls));
        }

        /** Nothing more was decoded (meaningful right after a send, which waits for the read). */
        void assertNoMoreMessages() {
            String extra = messages.poll();
            if (extra != null) fail("unexpected message \"" + extra + "\"");
        }
    }

    /** A server stream decoding with {@link LengthOrLine}, set up by {@code setup} before the first read. */
    private static ReadDelimiterTest.Link link(LoopThread loop, CompletableFuture<LengthOrLine> decoder,
                                               Consumer<ReadDelimiterTest.Recorder> setup) throws Exception {
        return new ReadDelimiterTest.Link(loop, () -> new ReadDelimiterTest.Recorder(s -> {
            LengthOrLine d = new LengthOrLine(s);
            setup.accept(s);
            s.readDelimiter(ReadDelimiter.custom(d));
            decoder.complete(d);
        }));
    }

    private static LengthOrLine decoderOf(CompletableFuture<LengthOrLine> decoder) throws Exception {
        return decoder.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    private static byte[] message(String payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('#');
        out.write(payload.length());
        out.writeBytes(ascii(payload));
        return out.toByteArray();
    }

    /**
     * Sent a byte at a time, every message is decoded whole and nothing is taken twice: the
     * stream keeps what the decoder leaves and hands it back with the next byte.
     */
    @BackendTest
    void messagesSentByteByByteAreDecodedWhole(String backend) throws Exception {
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        byte[] input = concat(message("hello"), ascii("a line\n"), message(""), ascii("x\n"));
        try (LoopThread loop = new LoopThread(backend); ReadDelimiterTest.Link l = link(loop, made, s -> { })) {
            for (byte b : input) l.send(new byte[] {b});
            LengthOrLine d = decoderOf(made);
            assertEquals(List.of("hello", "a line", "", "x"), List.of(d.take(), d.take(), d.take(), d.take()));
            d.assertNoMoreMessages();
            int taken = 0, waiting = 0;
            for (List<Integer> call : d.calls(loop)) {
                assertEquals(waiting + 1, call.get(0), "each call is handed what waited plus the new byte: " + d.calls);
                taken += call.get(1);
                waiting = call.get(0) - call.get(1);
            }
            assertEquals(input.length, taken, "every byte taken once");
            l.assertNoMorePieces();
        }
    }

    /**
     * Several messages and the start of one more in a single read: the decoder gets them in one
     * call, where the read put them, takes the complete ones, and is handed the partial one
     * again with the bytes that complete it.
     */
    @BackendTest
    void aReadOfSeveralMessagesIsDecodedInOneCallAndTheRestKept(String backend) throws Exception {
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend); ReadDelimiterTest.Link l = link(loop, made, s -> { })) {
            byte[] first = concat(message("abc"), ascii("one\ntwo\n"), message("z"), ascii("thr"));
            l.send(first);
            LengthOrLine d = decoderOf(made);
            assertEquals(List.of("abc", "one", "two", "z"), List.of(d.take(), d.take(), d.take(), d.take()));
            d.assertNoMoreMessages();
            assertEquals(List.of(List.of(first.length, first.length - 3), List.of(3, 0)), d.calls(loop),
                    "one call takes the complete messages, the next is handed what is left and waits");
            assertTrue(d.buffers.get(0) == d.buffers.get(1) && d.starts.get(1) == d.starts.get(0) + first.length - 3,
                    "what is left is handed on where it was read, not copied");
            l.send("ee\n");
            assertEquals("three", d.take());
            assertEquals(List.of(6, 6), d.calls(loop).get(2), "the kept bytes come back with the new ones");
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void whatWaitsOverTheLimitOverflowsAndClosesByDefault(String backend) throws Exception {
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend);
             ReadDelimiterTest.Link l = link(loop, made, s -> s.bufferLimit(8))) {
            l.write(ascii("a line longer than the limit"));
            l.server.closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals(-1, l.client.getInputStream().read(), "the server closed the connection");
            ReadBufferOverflowException e = l.server.overflows.poll();
            assertTrue(e != null && e.limit() == 8 && e.buffered() > 8, "overflow reported with sizes: " + e);
            log.await("the overflow warning", r -> r.getLevel() == Level.WARNING && r.getMessage().contains("read buffer limit of 8 bytes"));
            decoderOf(made).assertNoMoreMessages();
            assertNull(l.server.pieces.poll(), "the dropped input is not delivered");
        }
    }

    /** A decoder that refuses a message too large overflows at once; a handler that doesn't close goes on with what follows. */
    @BackendTest
    void tooLargeFromTheDecoderOverflowsAtOnce(String backend) throws Exception {
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend); ReadDelimiterTest.Link l = link(loop, made, s -> {
            s.customOverflow = true;
            s.bufferLimit(8);
        })) {
            l.send(new byte[] {'#', (byte) 200});
            ReadBufferOverflowException e = l.server.overflows.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertTrue(e != null, "the announced 200 bytes can never fit an 8-byte limit: overflow on the length byte");
            assertEquals(8, e.limit());
            assertEquals(2, e.buffered());
            l.send("ok\n");
            LengthOrLine d = decoderOf(made);
            assertEquals("ok", d.take(), "the refused input was dropped, what follows is decoded");
            assertTrue(loop.call(l.server::isConnected));
        }
    }

    /** At the end, what the decoder left (a message cut off) is the last piece for onRead, then the stream closes. */
    @BackendTest
    void atEndOfStreamWhatTheDecoderLeftGoesToOnRead(String backend) throws Exception {
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend); ReadDelimiterTest.Link l = link(loop, made, s -> { })) {
            l.send(concat(ascii("one\n"), new byte[] {'#', 5}, ascii("ab")));
            LengthOrLine d = decoderOf(made);
            assertEquals("one", d.take());
            l.assertNoMorePieces();
            l.endAndAwaitClose();
            assertArrayEquals(new byte[] {'#', 5, 'a', 'b'}, l.take(), "the cut-off message, as it came");
            l.assertNoMorePieces();
            d.assertNoMoreMessages();
        }
    }

    /** A pause in the decoder holds the rest of the read in the stream; resuming hands back exactly that rest. */
    @BackendTest
    void aPauseInTheDecoderHoldsTheRestUntilResumed(String backend) throws Exception {
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend); ReadDelimiterTest.Link l = link(loop, made, s -> { })) {
            LengthOrLine d = decoderOf(made);
            d.pauseAfter = "two";
            byte[] rest = concat(ascii("three\n"), message("x"));
            l.send(concat(ascii("one\ntwo\n"), rest));
            assertEquals(List.of("one", "two"), List.of(d.take(), d.take()));
            d.assertNoMoreMessages();
            assertEquals(1, d.calls(loop).size(), "no call while paused: " + d.calls);
            assertTrue(loop.call(l.server::isReadingPaused));
            loop.run(l.server::resumeReading);
            assertEquals(List.of("three", "x"), List.of(d.take(), d.take()));
            assertEquals(List.of(rest.length, rest.length), d.calls(loop).get(1), "handed back exactly the rest, taken whole");
            assertTrue(d.buffers.get(0) == d.buffers.get(1) && d.starts.get(1) == d.starts.get(0) + 8,
                    "the rest waited where it was read");
            l.send("four\n");
            assertEquals("four", d.take());
        }
    }

    /** A delimiter set in the decoder applies to the rest of the read: how a protocol hands over to another (an HTTP upgrade). */
    @BackendTest
    void aDelimiterSetInTheDecoderAppliesToTheRest(String backend) throws Exception {
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend); ReadDelimiterTest.Link l = link(loop, made, s -> { })) {
            LengthOrLine d = decoderOf(made);
            d.switchOn = "SWITCH";
            l.send("a\nSWITCH\nraw\nbytes");
            assertEquals(List.of("a", "SWITCH"), List.of(d.take(), d.take()));
            assertEquals("raw\nbytes", l.takeString(), "the rest, by the new delimiter");
            l.send("more");
            assertEquals("more", l.takeString());
            d.assertNoMoreMessages();
        }
    }

    /** A decoder that says it took more than it was handed is a bug: it is reported, saying what to return, and the stream closes. */
    @BackendTest
    void aDecoderTakingMoreThanItWasHandedClosesTheStream(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend);
             ReadDelimiterTest.Link l = new ReadDelimiterTest.Link(loop, () -> new ReadDelimiterTest.Recorder(
                     s -> s.readDelimiter(ReadDelimiter.custom((b, start, end) -> end - start + 1))))) {
            l.write(ascii("abc"));
            l.server.closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals(-1, l.client.getInputStream().read(), "the server closed the connection");
            log.await("the decoder's error", r -> r.getThrown() instanceof IllegalStateException
                    && r.getThrown().getMessage().contains("returned 4 for 3 bytes; return how many bytes it took"));
        }
    }

    /** startTls in a decoder is refused, saying how to do it instead; the decoder goes on. */
    @BackendTest
    void startTlsInTheDecoderIsRefused(String backend) throws Exception {
        CompletableFuture<IllegalStateException> refused = new CompletableFuture<>();
        CompletableFuture<LengthOrLine> made = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread(backend); ReadDelimiterTest.Link l = new ReadDelimiterTest.Link(loop,
                () -> new ReadDelimiterTest.Recorder(s -> {
                    LengthOrLine lines = new LengthOrLine(s);
                    made.complete(lines);
                    s.readDelimiter(ReadDelimiter.custom((b, start, end) -> {
                        if (!refused.isDone()) {
                            try {
                                s.startTls(SSLContext.getDefault());
                                refused.completeExceptionally(new AssertionError("startTls was accepted in the decoder"));
                            } catch (IllegalStateException e) {
                                refused.complete(e);
                            } catch (Exception e) {
                                refused.completeExceptionally(e);
                            }
                        }
                        return lines.decode(b, start, end);
                    }));
                }))) {
            l.send("STARTTLS\n");
            String message = refused.get(WAIT_MS, TimeUnit.MILLISECONDS).getMessage();
            assertTrue(message.contains("pauseReading(), return what was taken, and call startTls"), message);
            assertEquals("STARTTLS", decoderOf(made).take());
        }
    }

    @Test
    void aDatagramRefusesACustomDecoder() {
        Datagram d = new Datagram() { };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.readDelimiter(ReadDelimiter.custom((b, start, end) -> end - start)));
        assertTrue(e.getMessage().contains("decode each datagram in onRead"), e.getMessage());
    }
}
