// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read delimiters cut each datagram on its own: pieces never span two datagrams, and the end of
 * a datagram ends its last piece (or, for records and length-prefixed frames, drops a partial
 * one with an error). The sender is a JDK DatagramChannel; after the datagrams under test it
 * sends a marker datagram, read with no delimiter, so the test knows everything before it was
 * delivered.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DatagramDelimiterTest {
    /**
     * Sends each datagram, then {@code marker}, a datagram the delimiter cuts into the one piece
     * {@code markerPiece}; returns the pieces before it. Errors go to {@code errors}, or must not happen.
     */
    private static List<String> cut(String backend, Consumer<Datagram> setup, List<IOException> errors, String marker,
                                    String markerPiece, byte[]... datagrams) throws Exception {
        try (LoopThread loop = new LoopThread(backend); DatagramChannel jdk = DatagramChannel.open()) {
            RecordingDatagram receiver = new RecordingDatagram(loop.engine);
            SocketAddress to = loop.call(() -> {
                setup.accept(receiver);
                return receiver.listen("127.0.0.1", 0).localAddress();
            });
            jdk.bind(new InetSocketAddress("127.0.0.1", 0));
            for (byte[] d : datagrams) jdk.send(ByteBuffer.wrap(d), to);
            jdk.send(ByteBuffer.wrap(ascii(marker)), to);
            List<String> pieces = new ArrayList<>();
            while (true) {
                String piece = new String(receiver.next("pieces, then " + markerPiece).data(), StandardCharsets.ISO_8859_1);
                if (piece.equals(markerPiece)) break;
                pieces.add(piece);
            }
            if (errors != null) errors.addAll(receiver.errors);
            else assertTrue(receiver.errors.isEmpty(), "errors: " + receiver.errors);
            return pieces;
        }
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    @BackendTest
    void lengthPrefixedFramesAreCutWithinEachDatagram(String backend) throws Exception {
        byte[] twoFrames = {0, 3, 'o', 'n', 'e', 0, 3, 't', 'w', 'o'};
        byte[] oneFrame = {0, 5, 't', 'h', 'r', 'e', 'e'};
        List<IOException> errors = new ArrayList<>();
        byte[] partial = {0, 4, 'f', 'o', 'u', 'r', 0, 9, 'c', 'u', 't'}; // the second frame claims 9 bytes, has 3
        List<String> pieces = cut(backend, d -> d.readDelimiter(ReadDelimiter.lengthPrefixed(2)), errors,
                "\0\10<marker>", "<marker>", twoFrames, oneFrame, partial);
        assertEquals(List.of("one", "two", "three", "four"), pieces);
        assertEquals(1, errors.size(), "one error for the partial frame: " + errors);
        assertInstanceOf(ProtocolException.class, errors.get(0));
        assertTrue(errors.get(0).getMessage().contains("5 bytes that are not a complete lengthPrefixed(2, big-endian) frame"),
                errors.get(0).getMessage());
    }

    @BackendTest
    void fixedSizeRecordsAreCutWithinEachDatagram(String backend) throws Exception {
        Struct record = Struct.of("!HI");
        byte[] two = ByteBuffer.allocate(12).putShort((short) 1).putInt(10).putShort((short) 2).putInt(20).array();
        byte[] oneAndAHalf = ByteBuffer.allocate(9).putShort((short) 3).putInt(30).put(new byte[] {9, 9, 9}).array();
        List<IOException> errors = new ArrayList<>();
        List<String> pieces = cut(backend, d -> d.readDelimiter(ReadDelimiter.struct(record)), errors, "<mark>", "<mark>", two, oneAndAHalf);
        assertEquals(3, pieces.size(), "three whole records: " + pieces);
        int[] ids = pieces.stream().mapToInt(p -> record.unpack(ascii(p)).getInt(0)).toArray();
        assertArrayEquals(new int[] {1, 2, 3}, ids);
        assertEquals(30L, record.unpack(ascii(pieces.get(2))).getLong(1));
        assertEquals(1, errors.size(), "one error for the partial record: " + errors);
        assertInstanceOf(ProtocolException.class, errors.get(0));
    }

    @BackendTest
    void separatorsCutEachDatagramAndItsEndEndsTheLastPiece(String backend) throws Exception {
        List<String> pieces = cut(backend, d -> d.readDelimiter(ReadDelimiter.of("\n")), null, "<marker>", "<marker>",
                ascii("cpu:1|c\nmem:2|g\ndisk:3|c"), ascii("net:4|c\n"), ascii("no newline"));
        // "disk:3|c" is not joined with "net:4|c": a piece never spans two datagrams
        assertEquals(List.of("cpu:1|c", "mem:2|g", "disk:3|c", "net:4|c", "no newline"), pieces);
    }

    @BackendTest
    void bytesDelimiterDeliversTheShortRemainder(String backend) throws Exception {
        assertEquals(List.of("abcd", "ef", "ghij"),
                cut(backend, d -> d.readDelimiter(ReadDelimiter.bytes(4)), null, "<mk>", "<mk>", ascii("abcdef"), ascii("ghij")));
    }

    /** Changing the delimiter inside onRead applies to the rest of the same datagram. */
    @BackendTest
    void aDelimiterChangedInOnReadAppliesToTheRestOfTheDatagram(String backend) throws Exception {
        List<String> seen = new ArrayList<>();
        try (LoopThread loop = new LoopThread(backend); DatagramChannel jdk = DatagramChannel.open()) {
            RecordingDatagram receiver = new RecordingDatagram(loop.engine) {
                @Override
                protected void onRead(byte[] data, SocketAddress sender) {
                    super.onRead(data, sender);
                    if (readDelimiter() != ReadDelimiter.none() && data.length == 2) {
                        int length = ((data[0] & 0xff) << 8) | (data[1] & 0xff);
                        readDelimiter(ReadDelimiter.bytes(length));
                    } else {
                        readDelimiter(ReadDelimiter.bytes(2));
                    }
                }
            };
            SocketAddress to = loop.call(() -> receiver.readDelimiter(ReadDelimiter.bytes(2)).listen("127.0.0.1", 0).localAddress());
            jdk.bind(new InetSocketAddress("127.0.0.1", 0));
            jdk.send(ByteBuffer.wrap(new byte[] {0, 3, 'a', 'b', 'c', 0, 1, 'z'}), to);
            for (int i = 0; i < 4; i++) seen.add(new String(receiver.next("piece " + i).data(), StandardCharsets.ISO_8859_1));
        }
        assertEquals(List.of("\0\3", "abc", "\0\1", "z"), seen);
    }
}
