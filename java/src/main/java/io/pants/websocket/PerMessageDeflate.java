// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The permessage-deflate extension (RFC 7692) of one connection: what was agreed, and the
 * compressor and decompressor. A message is deflated with a sync flush and its last four bytes
 * (00 00 ff ff) cut off; the reader puts them back before inflating. With context takeover the
 * LZ77 window carries over from one message to the next; without, each message starts afresh.
 *
 * <p>{@code java.util.zip} always deflates with a 32 KiB window (15 bits) and cannot be told to use
 * less: an offer asking us to compress with a smaller window ({@code server_max_window_bits} to a
 * server, {@code client_max_window_bits=N} to a client) is one we can't honour, and is declined.
 * Inflating takes any window up to 15 bits.
 */
final class PerMessageDeflate {
    static final String NAME = "permessage-deflate";
    /** Messages shorter than this go out uncompressed (the extension allows it): they would not shrink. */
    static final int MIN_COMPRESSED_SIZE = 64;
    private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    /** Whether our compressor / the peer's starts every message afresh. */
    private final boolean resetOurs, resetTheirs;
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    private final Inflater inflater = new Inflater(true);
    private byte[] buffer = new byte[4096];

    private PerMessageDeflate(boolean resetOurs, boolean resetTheirs) {
        this.resetOurs = resetOurs;
        this.resetTheirs = resetTheirs;
    }

    // ---------------------------------------------------------------- negotiation

    /** One extension of a Sec-WebSocket-Extensions list: its name and parameters (lower case; value null if none). */
    record Offer(String name, List<String[]> parameters) {}

    /** A server's acceptance: the Sec-WebSocket-Extensions value of its 101, and the extension. */
    record Agreement(String answer, PerMessageDeflate extension) {}

    /** Parses a Sec-WebSocket-Extensions list: {@code a; x=1, b}. */
    static List<Offer> parse(List<String> elements) {
        List<Offer> offers = new ArrayList<>();
        for (String element : elements) {
            String[] parts = element.split(";");
            List<String[]> parameters = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                if (p.isEmpty()) continue;
                int eq = p.indexOf('=');
                String name = (eq < 0 ? p : p.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
                String value = eq < 0 ? null : unquote(p.substring(eq + 1).strip());
                parameters.add(new String[] {name, value});
            }
            offers.add(new Offer(parts[0].strip().toLowerCase(Locale.ROOT), parameters));
        }
        return offers;
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /** What a client offers: with {@code contextTakeover} false, both sides are asked to reset every message. */
    static String clientOffer(boolean contextTakeover) {
        return contextTakeover ? NAME : NAME + "; client_no_context_takeover; server_no_context_takeover";
    }

    /**
     * A server's answer to the client's offers: the first permessage-deflate offer it can take,
     * or null if it takes none.
     */
    static Agreement accept(List<Offer> offers, boolean contextTakeover) {
        for (Offer o : offers) {
            if (!o.name().equals(NAME)) continue;
            boolean serverReset = !contextTakeover, clientReset = !contextTakeover, ok = true;
            List<String> seen = new ArrayList<>();
            for (String[] p : o.parameters()) {
                if (seen.contains(p[0])) ok = false; // a parameter twice: an invalid offer (RFC 7692 7.1)
                seen.add(p[0]);
                switch (p[0]) {
                    case "server_no_context_takeover" -> serverReset |= p[1] == null;
                    case "client_no_context_takeover" -> clientReset |= p[1] == null;
                    case "server_max_window_bits" -> ok &= "15".equals(p[1]); // we cannot compress with a smaller window
                    case "client_max_window_bits" -> ok &= p[1] == null || validBits(p[1]); // the client's to use; we inflate any
                    default -> ok = false;
                }
                if (p[0].endsWith("no_context_takeover") && p[1] != null) ok = false;
            }
            if (!ok) continue;
            StringBuilder answer = new StringBuilder(NAME);
            if (serverReset) answer.append("; server_no_context_takeover");
            if (clientReset) answer.append("; client_no_context_takeover");
            return new Agreement(answer.toString(), new PerMessageDeflate(serverReset, clientReset));
        }
        return null;
    }

    /**
     * The extension as a server's answer (the client offered {@link #clientOffer}) sets it up.
     *
     * @throws WebSocketHandshakeException if the answer is not one we can work with
     */
    static PerMessageDeflate fromServerAnswer(List<Offer> answer, boolean contextTakeover) throws WebSocketHandshakeException {
        if (answer.size() != 1 || !answer.get(0).name().equals(NAME)) refuse("the server's 101 names extensions we did not offer: " + names(answer));
        boolean clientReset = !contextTakeover, serverReset = !contextTakeover;
        List<String> seen = new ArrayList<>();
        for (String[] p : answer.get(0).parameters()) {
            if (seen.contains(p[0])) refuse("the server's permessage-deflate has " + p[0] + " twice");
            seen.add(p[0]);
            switch (p[0]) {
                case "server_no_context_takeover" -> serverReset = true;
                case "client_no_context_takeover" -> clientReset = true;
                case "server_max_window_bits" -> {
                    if (p[1] == null || !validBits(p[1])) refuse("the server's server_max_window_bits is not 8 to 15: " + p[1]);
                }
                // client_max_window_bits we did not offer: it must not come (RFC 7692 7.1.2.2)
                default -> refuse("the server's permessage-deflate has a parameter we did not offer: " + p[0]);
            }
        }
        return new PerMessageDeflate(clientReset, serverReset);
    }

    private static void refuse(String why) throws WebSocketHandshakeException {
        throw new WebSocketHandshakeException(101, why);
    }

    private static boolean validBits(String v) {
        if (v == null || v.length() > 2 || !v.chars().allMatch(Character::isDigit) || v.startsWith("0")) return false;
        int bits = Integer.parseInt(v);
        return bits >= 8 && bits <= 15;
    }

    private static String names(List<Offer> offers) {
        return offers.stream().map(Offer::name).toList().toString();
    }

    // ---------------------------------------------------------------- the data

    /** The compressed payload of a message, for a frame with RSV1 set. */
    byte[] compress(byte[] data, int off, int len) {
        deflater.setInput(data, off, len);
        int n = 0;
        while (true) {
            if (n == buffer.length) buffer = Arrays.copyOf(buffer, buffer.length * 2);
            int room = buffer.length - n;
            int got = deflater.deflate(buffer, n, room, Deflater.SYNC_FLUSH);
            n += got;
            if (got < room) break; // a flush that did not fill the space it had is complete
        }
        if (resetOurs) deflater.reset();
        // a sync flush ends in an empty stored block, 00 00 ff ff: left out on the wire (RFC 7692 7.2.1)
        if (n >= 4 && buffer[n - 4] == 0 && buffer[n - 3] == 0 && buffer[n - 2] == (byte) 0xff && buffer[n - 1] == (byte) 0xff) n -= 4;
        return Arrays.copyOf(buffer, n);
    }

    /**
     * The message a compressed payload holds.
     *
     * @throws FrameException 1009 once it inflates to more than {@code limit} bytes (however small
     *                        the compressed message: a bomb stops there), 1007 if it is no deflate data
     */
    byte[] decompress(byte[] payload, int off, int len, int limit) throws FrameException {
        byte[] input = Arrays.copyOfRange(payload, off, off + len + TAIL.length);
        System.arraycopy(TAIL, 0, input, len, TAIL.length);
        inflater.setInput(input);
        byte[] out = new byte[Math.max(256, Math.min(limit + 1, 4 * len + 64))];
        int n = 0;
        try {
            while (!inflater.needsInput() && !inflater.finished()) {
                if (n == out.length) {
                    if (out.length > limit) break;
                    out = Arrays.copyOf(out, (int) Math.min((long) limit + 1, 2L * out.length));
                }
                int got = inflater.inflate(out, n, out.length - n);
                n += got;
                if (n > limit) break;
                if (got == 0 && inflater.needsDictionary()) throw new FrameException(WebSocket.INVALID_PAYLOAD, "a compressed message asks for a dictionary");
            }
        } catch (DataFormatException e) {
            throw new FrameException(WebSocket.INVALID_PAYLOAD, "a compressed message that is not deflate data: " + e.getMessage());
        }
        if (n > limit) throw new FrameException(WebSocket.MESSAGE_TOO_BIG, "a compressed message inflating to more than the limit of " + limit + " bytes");
        if (resetTheirs || inflater.finished()) inflater.reset(); // a final block ends the context too
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Frees the native memory of the compressor and decompressor. */
    void end() {
        deflater.end();
        inflater.end();
    }
}
