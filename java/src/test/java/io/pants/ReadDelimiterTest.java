// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * How streams cut their input, over real sockets. The client is a JDK socket that writes in
 * controlled pieces; after each {@link Link#send} it waits until the server stream has read
 * exactly that much, so every send is a separate read on the server (a delimiter split between
 * two sends really is split between two reads) and everything one send completes has been
 * delivered when {@code send} returns.
 */
@ExtendWith(NoDescriptorLeaks.class)
class ReadDelimiterTest {
    private static final long WAIT_MS = LoopThread.WAIT.toMillis();

    /** The server side: records the pieces, the reads under them, overflows and the end. */
    static class Recorder extends Stream {
        final Consumer<Recorder> setup;
        final BlockingQueue<byte[]> pieces = new LinkedBlockingQueue<>();
        /** Sizes of the raw reads, for Link.send to wait on. */
        final BlockingQueue<Integer> reads = new LinkedBlockingQueue<>();
        final List<Integer> readSizes = new CopyOnWriteArrayList<>();
        final BlockingQueue<ReadBufferOverflowException> overflows = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        boolean customOverflow;

        Recorder(Consumer<Recorder> setup) { this.setup = setup; }

        @Override
        protected void onConnect() { setup.accept(this); } // runs before the first read

        @Override
        protected void onRead(byte[] data) { pieces.add(data); }

        @Override
        protected void onOverflowError(ReadBufferOverflowException e) {
            overflows.add(e);
            if (!customOverflow) super.onOverflowError(e);
        }

        @Override
        protected void onClose() { closed.complete(null); }

        /**
         * Every read the poller makes for this stream passes here (whether the poller read it or
         * the stream did). The read is recorded after the stream has handled it, so when the test
         * sees it, the pieces it completed are already in {@link #pieces}.
         */
        @Override
        void handleReceived(ByteBuffer data) {
            int n = data.remaining();
            super.handleReceived(data);
            readSizes.add(n);
            reads.add(n);
        }
    }

    /** A JDK client socket connected to a {@link Recorder}. */
    static final class Link implements AutoCloseable {
        final Socket client = new Socket();
        final Recorder server;
        private long sent, read;

        Link(LoopThread loop, Supplier<Recorder> factory) throws Exception {
            CompletableFuture<Recorder> accepted = new CompletableFuture<>();
            int port = loop.call(() -> new Server(loop.engine, () -> {
                Recorder r = factory.get();
                accepted.complete(r);
                return r;
            }).listen("127.0.0.1", 0).port());
            client.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            client.setSoTimeout((int) WAIT_MS);
            server = accepted.get(WAIT_MS, TimeUnit.MILLISECONDS);
        }

        /** Writes {@code data} in one write and waits until the server has read all of it. */
        void send(byte[] data) throws Exception {
            write(data);
            while (read < sent) {
                Integer n = server.reads.poll(WAIT_MS, TimeUnit.MILLISECONDS);
                if (n == null) fail("the server read " + read + " of " + sent + " bytes sent within " + LoopThread.WAIT);
                read += n;
            }
        }

        void send(String text) throws Exception { send(text.getBytes(StandardCharsets.UTF_8)); }

        /** Writes without waiting for the server to read. */
        void write(byte[] data) throws IOException {
            client.getOutputStream().write(data);
            client.getOutputStream().flush();
            sent += data.length;
        }

        byte[] take() throws InterruptedException {
            byte[] piece = server.pieces.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            if (piece == null) fail("no piece within " + LoopThread.WAIT);
            return piece;
        }

        String takeString() throws InterruptedException { return new String(take(), StandardCharsets.UTF_8); }

        List<String> takeStrings(int n) throws InterruptedException {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(takeString());
            return out;
        }

        /** Nothing more was delivered (meaningful right after a send, which waits for the read). */
        void assertNoMorePieces() {
            byte[] extra = server.pieces.poll();
            if (extra != null) fail("unexpected piece: " + Arrays.toString(extra) + " \"" + new String(extra, StandardCharsets.UTF_8) + "\"");
        }

        /** Ends the client's output and waits for the server stream to deliver what it has and close. */
        void endAndAwaitClose() throws Exception {
            client.shutdownOutput();
            server.closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals(-1, client.getInputStream().read(), "the server closed its side too");
        }

        @Override
        public void close() throws IOException { client.close(); }
    }

    private static Link link(LoopThread loop, Consumer<Recorder> setup) throws Exception {
        return new Link(loop, () -> new Recorder(setup));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- none and byte counts

    @BackendTest
    void noneDeliversEachReadAsItIs(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> { })) {
            l.send("abc");
            l.send("defgh");
            l.send("i");
            List<Integer> reads = l.server.readSizes;
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < reads.size(); i++) {
                String piece = l.takeString();
                assertEquals(reads.get(i), piece.length(), "piece " + i + " is exactly read " + i);
                all.append(piece);
            }
            assertEquals("abcdefghi", all.toString());
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void byteCountDeliversExactlyThatManyBytes(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(4))) {
            l.send("ab");
            l.assertNoMorePieces();
            l.send("cdefg");
            assertEquals("abcd", l.takeString());
            l.assertNoMorePieces();
            l.send("hij");
            assertEquals("efgh", l.takeString());
            l.send("kl");
            assertEquals("ijkl", l.takeString());
            l.send("mnopqrstu"); // two pieces and a bit in one read
            assertEquals(List.of("mnop", "qrst"), l.takeStrings(2));
            l.assertNoMorePieces();
        }
    }

    // ---------------------------------------------------------------- byte sequences

    @BackendTest
    void stringDelimiterIsDroppedAndMaySpanReads(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter("\r\n"))) {
            l.send("one\r\ntwo\r\nthr");
            assertEquals(List.of("one", "two"), l.takeStrings(2), "several pieces from one read");
            l.assertNoMorePieces();
            l.send("ee\r");
            l.assertNoMorePieces();
            l.send("\n"); // the delimiter's second byte comes in a read of its own
            assertEquals("three", l.takeString());
            l.send("\r\n\r\nlast\r\n");
            assertEquals(List.of("", "", "last"), l.takeStrings(3), "back-to-back delimiters give empty pieces");
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void multiByteUtf8DelimiterSplitInsideACharacter(String backend) throws Exception {
        byte[] arrow = "\u2192".getBytes(StandardCharsets.UTF_8); // 3 bytes
        assertEquals(3, arrow.length);
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter("\u2192"))) {
            l.send(concat(ascii("left"), new byte[] {arrow[0]}));
            l.send(new byte[] {arrow[1]});
            l.assertNoMorePieces();
            l.send(concat(new byte[] {arrow[2]}, "r\u00e9sum\u00e9".getBytes(StandardCharsets.UTF_8), arrow));
            assertEquals(List.of("left", "r\u00e9sum\u00e9"), l.takeStrings(2));
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void binaryDelimiter(String backend) throws Exception {
        byte[] delimiter = bytes(0x00, 0xff, 0x00);
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(delimiter))) {
            l.send(bytes(1, 2, 0x00, 0xff));
            l.assertNoMorePieces();
            l.send(bytes(0x00, 3, 0x00, 0x00, 0xff, 0x00, 0xff, 0xff, 0x00, 0xff, 0x00));
            assertArrayEquals(bytes(1, 2), l.take());
            assertArrayEquals(bytes(3, 0x00), l.take(), "a partial match just before the delimiter is data");
            assertArrayEquals(bytes(0xff, 0xff), l.take());
            l.assertNoMorePieces();
        }
    }

    // ---------------------------------------------------------------- patterns

    @BackendTest
    void patternMatchIsDroppedAndMaySpanReads(String backend) throws Exception {
        Pattern semicolon = Pattern.compile("\\s*;\\s*");
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(semicolon))) {
            l.send("a ; b;c");
            assertEquals(List.of("a", "b"), l.takeStrings(2));
            l.assertNoMorePieces();
            l.send("  ");
            l.assertNoMorePieces();
            l.send(";d;");
            assertEquals(List.of("c", "d"), l.takeStrings(2));
            // documented: a match that could grow with more input matches what has arrived so
            // far, so the space that follows in the next read stays with the next piece
            l.send(" e;");
            assertEquals(" e", l.takeString());
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void patternEmptyMatchesAreIgnored(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(Pattern.compile(";*")))) {
            l.send("a;;b;c");
            assertEquals(List.of("a", "b"), l.takeStrings(2), "';*' matches empty everywhere; only ';' runs count");
            l.assertNoMorePieces();
            l.send(";");
            assertEquals("c", l.takeString());
        }
    }

    @BackendTest
    void patternOffsetsAreByteOffsets(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(Pattern.compile("\\|")))) {
            l.send("\u00e9t\u00e9|\u65e5\u672c|x|");
            assertEquals(List.of("\u00e9t\u00e9", "\u65e5\u672c", "x"), l.takeStrings(3), "multi-byte UTF-8 comes through whole");
        }
    }

    // ---------------------------------------------------------------- length prefixes and structs

    @BackendTest
    void twoByteLengthPrefix(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(ReadDelimiter.lengthPrefixed(2)))) {
            l.send(concat(bytes(0, 5), ascii("hello"), bytes(0, 0), bytes(0, 3), ascii("abc")));
            assertEquals(List.of("hello", "", "abc"), l.takeStrings(3), "three frames in one read, one of them empty");
            l.send(bytes(0)); // the prefix split across reads
            l.send(concat(bytes(4), ascii("wo")));
            l.assertNoMorePieces();
            l.send(ascii("rd"));
            assertEquals("word", l.takeString());
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void lengthPrefixSizesAndByteOrders(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            for (int size : new int[] {1, 2, 4, 8}) {
                for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                    String what = size + "-byte " + order + " prefix";
                    // 200 needs the top bit of a byte (unsigned); 300 needs two bytes, whose order matters
                    int length = size == 1 ? 200 : 300;
                    byte[] body = new byte[length];
                    for (int i = 0; i < length; i++) body[i] = (byte) (i * 7);
                    ByteBuffer prefix = ByteBuffer.allocate(8).order(order);
                    switch (size) {
                        case 1 -> prefix.put((byte) length);
                        case 2 -> prefix.putShort((short) length);
                        case 4 -> prefix.putInt(length);
                        default -> prefix.putLong(length);
                    }
                    byte[] framed = concat(Arrays.copyOf(prefix.array(), size), body);
                    try (Link l = link(loop, s -> s.readDelimiter(ReadDelimiter.lengthPrefixed(size, order)))) {
                        int split = Math.max(1, size - 1); // inside the prefix (a 1-byte prefix alone)
                        l.send(Arrays.copyOf(framed, split));
                        l.assertNoMorePieces();
                        l.send(Arrays.copyOfRange(framed, split, framed.length));
                        assertArrayEquals(body, l.take(), what);
                        l.send(concat(framed, framed));
                        assertArrayEquals(body, l.take(), what);
                        assertArrayEquals(body, l.take(), what);
                        l.assertNoMorePieces();
                    }
                }
            }
        }
    }

    @BackendTest
    void structRecords(String backend) throws Exception {
        Struct record = Struct.of("!HI");
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(record))) {
            byte[] both = concat(record.pack(7, 4_000_000_000L), record.pack(65535, 1));
            l.send(Arrays.copyOfRange(both, 0, 4));
            l.assertNoMorePieces();
            l.send(Arrays.copyOfRange(both, 4, 9));
            Struct.Values first = record.unpack(l.take());
            assertEquals(7, first.getInt(0));
            assertEquals(4_000_000_000L, first.getLong(1));
            l.send(Arrays.copyOfRange(both, 9, 12));
            byte[] piece = l.take();
            assertEquals(6, piece.length);
            Struct.Values second = record.unpack(piece);
            assertEquals(65535, second.getInt(0));
            assertEquals(1, second.getInt(1));
            l.assertNoMorePieces();
        }
    }

    /** The talk's pattern: a 2-byte length as a Struct, then exactly that many bytes, switching in onRead. */
    static final class LengthThenBody extends Recorder {
        static final Struct HEADER = Struct.of("!H");
        private boolean header = true;

        LengthThenBody() { super(s -> s.readDelimiter(HEADER)); }

        @Override
        protected void onRead(byte[] data) {
            if (header) {
                readDelimiter(HEADER.unpack(data).getInt(0));
            } else {
                pieces.add(data);
                readDelimiter(HEADER);
            }
            header = !header;
        }
    }

    @BackendTest
    void delimiterChangedInOnReadAppliesAtOnceToTheRestOfTheBuffer(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = new Link(loop, LengthThenBody::new)) {
            // three messages in one read: each switch must cut the data already buffered
            l.send(concat(bytes(0, 5), ascii("hello"), bytes(0, 1), ascii("!"), bytes(0, 11), ascii("hello world"),
                    bytes(0, 3), ascii("ab")));
            assertEquals(List.of("hello", "!", "hello world"), l.takeStrings(3));
            l.assertNoMorePieces();
            l.send(ascii("c"));
            assertEquals("abc", l.takeString());
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void delimiterChangedOutsideOnReadAppliesToWhatIsBuffered(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter("\n"))) {
            l.send("abcdefg");
            l.assertNoMorePieces();
            loop.run(() -> l.server.readDelimiter(2));
            assertEquals(List.of("ab", "cd", "ef"), l.takeStrings(3));
            l.send("h");
            assertEquals("gh", l.takeString());
        }
    }

    // ---------------------------------------------------------------- end of stream

    /**
     * With {@code none} every read is delivered as it comes, so nothing is left at the end in
     * practice; what can be checked is that input held back by a pause, with the end behind it,
     * is all delivered before the stream closes.
     */
    @BackendTest
    void noneDeliversInputHeldBackByAPauseBeforeClosingAtTheEnd(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.pauseReading())) {
            l.write(ascii("tail"));
            l.client.shutdownOutput();
            loop.run(l.server::resumeReading);
            l.server.closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
            StringBuilder all = new StringBuilder();
            for (byte[] p; (p = l.server.pieces.poll()) != null; ) all.append(new String(p, StandardCharsets.US_ASCII));
            assertEquals("tail", all.toString());
            assertEquals(-1, l.client.getInputStream().read());
        }
    }

    @BackendTest
    void atEndOfStreamTheRemainderIsDeliveredForByteCounts(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.readDelimiter(4))) {
            l.send("abcdefghij");
            assertEquals(List.of("abcd", "efgh"), l.takeStrings(2));
            l.assertNoMorePieces();
            l.endAndAwaitClose();
            assertEquals("ij", l.takeString(), "the short remainder, like InputStream.readNBytes");
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void atEndOfStreamTheRemainderIsDeliveredForSequencesAndPatterns(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            try (Link l = link(loop, s -> s.readDelimiter("\n"))) {
                l.send("a\nb\nlast line");
                assertEquals(List.of("a", "b"), l.takeStrings(2));
                l.endAndAwaitClose();
                assertEquals("last line", l.takeString());
                l.assertNoMorePieces();
            }
            try (Link l = link(loop, s -> s.readDelimiter(Pattern.compile(";+")))) {
                l.send("x;;y");
                assertEquals("x", l.takeString());
                l.endAndAwaitClose();
                assertEquals("y", l.takeString());
                l.assertNoMorePieces();
            }
            try (Link l = link(loop, s -> s.readDelimiter("\n"))) {
                l.send("complete\n");
                assertEquals("complete", l.takeString());
                l.endAndAwaitClose();
                l.assertNoMorePieces(); // nothing left: no empty piece at the end
            }
        }
    }

    @BackendTest
    void atEndOfStreamPartialStructAndLengthPrefixedFramesAreDroppedWithAWarning(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            try (Link l = link(loop, s -> s.readDelimiter(Struct.of("!I")))) {
                l.send(bytes(0, 0, 0, 1, 0, 0));
                assertArrayEquals(bytes(0, 0, 0, 1), l.take());
                l.endAndAwaitClose();
                l.assertNoMorePieces();
                LogRecord r = log.await("the dropped 2 bytes", x -> x.getMessage().contains("Dropping 2 bytes"));
                assertEquals(Level.WARNING, r.getLevel());
                assertTrue(r.getMessage().contains("struct(!I)"), r.getMessage());
            }
            try (Link l = link(loop, s -> s.readDelimiter(ReadDelimiter.lengthPrefixed(2)))) {
                l.send(concat(bytes(0, 5), ascii("hello"), bytes(0, 9), ascii("par")));
                assertEquals("hello", l.takeString());
                l.endAndAwaitClose();
                l.assertNoMorePieces();
                LogRecord r = log.await("the dropped 5 bytes", x -> x.getMessage().contains("Dropping 5 bytes"));
                assertEquals(Level.WARNING, r.getLevel());
                assertTrue(r.getMessage().contains("lengthPrefixed(2"), r.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- buffer limit

    @BackendTest
    void overflowClosesTheStreamByDefault(String backend) throws Exception {
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend);
             Link l = link(loop, s -> s.bufferLimit(16).readDelimiter("\n"))) {
            l.write(ascii("x".repeat(40)));
            l.server.closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertEquals(-1, l.client.getInputStream().read(), "the server closed the connection");
            assertNull(l.server.pieces.poll(), "the oversized input was not delivered");
            ReadBufferOverflowException e = l.server.overflows.poll();
            assertTrue(e != null && e.limit() == 16 && e.buffered() > 16, "overflow reported with sizes: " + e);
            log.await("the overflow warning", r -> r.getLevel() == Level.WARNING && r.getMessage().contains("read buffer limit of 16 bytes"));
        }
    }

    @BackendTest
    void customOverflowHandlerGetsTheSizesAndTheStreamGoesOn(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> {
            s.customOverflow = true;
            s.bufferLimit(16).readDelimiter("\n");
        })) {
            l.send(ascii("x".repeat(40)));
            long dropped = 0;
            for (ReadBufferOverflowException e; (e = l.server.overflows.poll()) != null; ) {
                assertEquals(16, e.limit());
                assertTrue(e.buffered() > 16, "buffered " + e.buffered() + " > limit");
                assertTrue(e.getMessage().contains("16"), e.getMessage());
                dropped += e.buffered();
            }
            assertTrue(dropped > 0, "at least one overflow");
            assertTrue(loop.call(l.server::isConnected), "a handler that does not close keeps the stream open");
            // the newline completes whatever arrived after the last overflow (normally nothing):
            // every byte sent was either dropped with an overflow or is in this piece
            l.send("\n");
            byte[] leftover = l.take();
            assertEquals(40, dropped + leftover.length, "bytes dropped by overflows plus bytes left over");
            l.send("ok\n");
            assertEquals("ok", l.takeString());
        }
    }

    @BackendTest
    void lengthPrefixAnnouncingMoreThanTheLimitOverflowsAtOnce(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> {
            s.customOverflow = true;
            s.bufferLimit(100).readDelimiter(ReadDelimiter.lengthPrefixed(2));
        })) {
            l.send(bytes(0x03, 0xe8)); // announces 1000 bytes; only the 2-byte prefix is sent
            ReadBufferOverflowException e = l.server.overflows.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertTrue(e != null, "overflow at once, without waiting for the frame");
            assertEquals(100, e.limit());
            assertEquals(1002, e.buffered(), "the size the frame needs, prefix included: " + e.getMessage());
            assertTrue(e.getMessage().contains("1002"), e.getMessage());
            l.assertNoMorePieces();
        }
    }

    @BackendTest
    void fixedSizeLargerThanTheLimitOverflowsAtOnce(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> {
            s.customOverflow = true;
            s.bufferLimit(8).readDelimiter(Struct.of("16s"));
        })) {
            l.send(bytes(1));
            ReadBufferOverflowException e = l.server.overflows.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertTrue(e != null, "a 16-byte record can never fit an 8-byte limit: overflow on the first byte");
            assertEquals(8, e.limit());
            assertEquals(16, e.buffered());
        }
    }

    /**
     * The buffer limit is the largest line, for byte-sequence and pattern delimiters alike: a
     * 40,000-byte line overflows whether it arrives in one read (once delivered whole) or in
     * many, and is never delivered.
     */
    @BackendTest
    void aLineOverTheLimitOverflowsWhetherItArrivesInOneReadOrMany(String backend) throws Exception {
        byte[] line = ascii("x".repeat(40_000) + "\n");
        Map<String, Consumer<Recorder>> delimiters = Map.of(
                "readDelimiter(\"\\n\")", s -> s.readDelimiter("\n"),
                "readDelimiter(Pattern \\r?\\n)", s -> s.readDelimiter(Pattern.compile("\r?\n")));
        try (CapturedLog log = new CapturedLog(); LoopThread loop = new LoopThread(backend)) {
            for (Map.Entry<String, Consumer<Recorder>> d : delimiters.entrySet()) {
                for (int writeSize : new int[] {line.length, 1000}) {
                    String what = d.getKey() + ", bufferLimit(16), the line in writes of " + writeSize + " bytes";
                    try (Link l = link(loop, s -> {
                        s.bufferLimit(16);
                        d.getValue().accept(s);
                    })) {
                        try {
                            for (int i = 0; i < line.length; i += writeSize) {
                                l.write(Arrays.copyOfRange(line, i, Math.min(line.length, i + writeSize)));
                            }
                        } catch (IOException e) {
                            // the server may close (and reset) the connection as soon as it knows the line is too long
                        }
                        l.server.closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
                        ReadBufferOverflowException e = l.server.overflows.poll();
                        assertTrue(e != null && e.limit() == 16 && e.buffered() > 16, what + ": overflow reported with sizes: " + e);
                        assertNull(l.server.pieces.poll(), what + ": the line was not delivered");
                    }
                }
            }
        }
    }

    /**
     * What waits with a byte-sequence delimiter is the limit plus the delimiter: a line of exactly
     * the limit is delivered while its CRLF arrives in two reads; one byte more overflows. At end
     * of stream, what is left over is no exception to the limit.
     */
    @BackendTest
    void aLineOfExactlyTheLimitIsDeliveredWhileItsDelimiterArrivesInParts(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            try (Link l = link(loop, s -> {
                s.customOverflow = true;
                s.bufferLimit(16).readDelimiter("\r\n");
            })) {
                l.send("0123456789abcdef\r");
                l.assertNoMorePieces();
                assertTrue(l.server.overflows.isEmpty(), "16 bytes and half a delimiter are within a 16-byte limit: " + l.server.overflows);
                l.send("\n");
                assertEquals("0123456789abcdef", l.takeString());
                l.send("0123456789abcdefg\r\n");
                ReadBufferOverflowException e = l.server.overflows.poll(WAIT_MS, TimeUnit.MILLISECONDS);
                assertTrue(e != null && e.limit() == 16, "a 17-byte line overflows a 16-byte limit: " + e);
                l.assertNoMorePieces();
                l.send("0123456789abcdef\r");
                l.endAndAwaitClose();
                l.assertNoMorePieces(); // 17 bytes at end of stream would be a piece over the limit
                e = l.server.overflows.poll();
                assertTrue(e != null && e.buffered() == 17, "the 17 bytes left at end of stream overflow: " + e);
            }
        }
    }

    @BackendTest
    void aLengthPrefixedFrameMayCarryAsManyBytesAsTheLimit(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> {
            s.customOverflow = true;
            s.bufferLimit(16).readDelimiter(ReadDelimiter.lengthPrefixed(2));
        })) {
            l.send(concat(bytes(0, 16), ascii("0123456789abcdef")));
            assertEquals("0123456789abcdef", l.takeString(), "the limit counts the frame, not its prefix");
            l.send(bytes(0, 17));
            ReadBufferOverflowException e = l.server.overflows.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertTrue(e != null && e.buffered() == 19, "17 bytes announced overflow a 16-byte limit: " + e);
        }
    }

    @BackendTest
    void noneDeliversChunksLargerThanTheLimitInPiecesOfTheLimit(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend); Link l = link(loop, s -> s.bufferLimit(16))) {
            byte[] sent = ascii("abcdefghijklmnopqrstuvwxyz0123456789ABCD");
            l.send(sent);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (got.size() < sent.length) {
                byte[] piece = l.take();
                assertTrue(piece.length > 0 && piece.length <= 16, "a piece of " + piece.length + " bytes with bufferLimit(16)");
                got.writeBytes(piece);
            }
            assertArrayEquals(sent, got.toByteArray(), "every byte, in order");
            assertTrue(l.server.overflows.isEmpty(), "none() never overflows: " + l.server.overflows);
            l.assertNoMorePieces();
        }
    }

    // ---------------------------------------------------------------- argument checks

    @Test
    void invalidDelimitersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ReadDelimiter.bytes(0));
        assertThrows(IllegalArgumentException.class, () -> ReadDelimiter.bytes(-1));
        assertThrows(IllegalArgumentException.class, () -> ReadDelimiter.of(""));
        assertThrows(IllegalArgumentException.class, () -> ReadDelimiter.of(new byte[0]));
        for (int size : new int[] {0, 3, 5, 16}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReadDelimiter.lengthPrefixed(size));
            assertTrue(e.getMessage().contains("1, 2, 4 or 8"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> ReadDelimiter.pattern(null));
    }
}
