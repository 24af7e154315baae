// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the server name (SNI, RFC 6066) from a TLS ClientHello before any {@code SSLEngine}
 * exists, so that a server can choose the {@code SSLContext} (the certificate) for that name:
 * the JDK lets an engine match names, but not switch to another context. Only the first record
 * is read; a hello split over records, or anything that is not a hello, gets the default context
 * (and the engine then says what is wrong with it).
 */
final class ClientHelloServerName {
    /** {@link #read} needs more bytes. */
    static final String MORE = new String("more");
    private static final int HEADER = 5, HANDSHAKE = 22, CLIENT_HELLO = 1, SERVER_NAME = 0, HOST_NAME = 0;

    private ClientHelloServerName() {}

    /** The host name asked for, null if none (or not a hello), or {@link #MORE}. Reads without moving the buffer's position. */
    static String read(ByteBuffer in) {
        int p = in.position(), end = in.limit();
        if (end - p < HEADER) return MORE;
        if ((in.get(p) & 0xff) != HANDSHAKE) return null;
        int recordEnd = p + HEADER + u16(in, p + 3);
        if (recordEnd > end) return MORE;
        int q = p + HEADER;
        if (q + 4 > recordEnd || (in.get(q) & 0xff) != CLIENT_HELLO) return null;
        q += 4 + 2 + 32; // handshake header, client_version, random
        if (q >= recordEnd) return null;
        q += 1 + (in.get(q) & 0xff); // session_id
        if (q + 2 > recordEnd) return null;
        q += 2 + u16(in, q); // cipher_suites
        if (q >= recordEnd) return null;
        q += 1 + (in.get(q) & 0xff); // compression_methods
        if (q + 2 > recordEnd) return null;
        int extensionsEnd = Math.min(recordEnd, q + 2 + u16(in, q));
        q += 2;
        while (q + 4 <= extensionsEnd) {
            int type = u16(in, q), length = u16(in, q + 2);
            q += 4;
            if (type == SERVER_NAME && q + length <= extensionsEnd) return hostName(in, q, q + length);
            q += length;
        }
        return null;
    }

    /** ServerNameList: a 2-byte length, then (type, 2-byte length, name) entries. */
    private static String hostName(ByteBuffer in, int q, int end) {
        q += 2;
        while (q + 3 <= end) {
            int type = in.get(q) & 0xff, length = u16(in, q + 1);
            q += 3;
            if (q + length > end) return null;
            if (type == HOST_NAME) {
                byte[] name = new byte[length];
                in.get(q, name);
                return new String(name, StandardCharsets.US_ASCII);
            }
            q += length;
        }
        return null;
    }

    private static int u16(ByteBuffer in, int at) {
        return ((in.get(at) & 0xff) << 8) | (in.get(at + 1) & 0xff);
    }
}
