// SPDX-License-Identifier: Apache-2.0
package io.pants.http.wire;

import io.pants.http.HttpHeaders;

/**
 * The HTTP/1.1 message framing that {@code io.pants.http} implements for its server and shares
 * with the client in {@code io.pants.http.client}: finding a head's end with its limits, parsing
 * field lines and Content-Length values, reading a body framed by length or chunks, and writing
 * one in chunks. One
 * implementation, so that the server and the client read messages alike.
 *
 * <p>Not API: this package is not exported. The pieces themselves stay package-private in
 * {@code io.pants.http}; they reach the client through this interface, which
 * {@code io.pants.http.WireAccess} implements and registers when it is loaded (the JDK's
 * "shared secrets" pattern: no public class in an exported package, no reflection on private
 * members). Every method throws {@link io.pants.http.HttpException} for what it refuses; the
 * client turns that into its own exception.
 */
public interface HttpWire {
    /** Finds where a head ends as its bytes arrive; see {@code io.pants.http.HeadScanner}. */
    interface HeadFinder {
        /** The head's length if it is complete in {@code b[start, end)}, else -1 (it remembers how far it looked). */
        int findEnd(byte[] b, int start, int end);
    }

    /** Reads a body framed by a Content-Length or chunks, part by part; see {@code io.pants.http.BodyReader}. */
    interface BodyFraming {
        /** A body of {@code length} bytes follows ({@code whole}: collected, else streamed in parts). */
        void startFixed(long length, boolean whole);

        /** A chunked body follows. */
        void startChunked(boolean whole);

        /** Reads what it can of {@code b[start, end)}; returns how many bytes belong to the body. */
        int read(byte[] b, int start, int end);

        boolean isDone();

        /** A streamed body's bytes from the last read, once (null if it had none). */
        byte[] takePart();

        /** A chunked body's trailers, once done; empty for others. */
        HttpHeaders trailers();

        /** Forgets the body. */
        void clear();
    }

    /** Where encoded bytes go; they are only borrowed: a sink that keeps them copies them. */
    interface Sink {
        void put(byte[] b, int off, int len);
    }

    /** Writes a body in chunked coding; see {@code io.pants.http.ChunkedEncoder}. */
    interface ChunkWriter {
        /** {@code data[off, off + len)} as one chunk (none when empty: that would end the body). */
        void chunk(byte[] data, int off, int len);

        /** The last chunk, without trailer fields. */
        void last();
    }

    /** A chunk writer putting its bytes into {@code out}. */
    ChunkWriter chunkWriter(Sink out);

    /** A head finder whose refusals name the message {@code kind} ("response"), with these limits. */
    HeadFinder headFinder(String kind, int maxLine, int maxHead);

    /** A body reader with these limits for chunk-size and trailer lines. */
    BodyFraming bodyReader(int maxLine, int maxTrailers);

    /**
     * Parses the field lines from {@code b[from]} to the head's empty line (the head is complete:
     * {@link HeadFinder#findEnd} found it) into headers; {@code end[0]} is set to just after the
     * empty line.
     */
    HttpHeaders parseFields(byte[] b, int from, int[] end);

    /** A Content-Length value: digits, or a list of identical ones ("5, 5"). */
    long contentLength(String value);

    /** The implementation in {@code io.pants.http}, loaded (and registered) on first use. */
    static HttpWire get() {
        HttpWire w = Registry.wire;
        if (w != null) return w;
        try {
            // its static initializer calls register()
            Class.forName("io.pants.http.WireAccess", true, HttpWire.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("io.pants.http.WireAccess is missing from the library: the jar is incomplete", e);
        }
        w = Registry.wire;
        if (w == null) throw new IllegalStateException("io.pants.http.WireAccess did not register itself");
        return w;
    }

    /** Where {@code io.pants.http} registers the implementation, once. */
    final class Registry {
        private static volatile HttpWire wire;

        private Registry() {}

        public static synchronized void register(HttpWire implementation) {
            if (wire != null) throw new IllegalStateException("the HTTP wire implementation is registered already");
            wire = implementation;
        }
    }
}
