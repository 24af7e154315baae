// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.nio.ByteBuffer;

/**
 * The scratch buffers the TLS streams of one engine share: records are encrypted into
 * {@link #wrapped()}, decrypted into {@link #unwrapped()}, and files are read into {@link #file()}
 * before encryption. One set per engine is enough because its loop thread does one of these
 * at a time and copies the result out (into the send queue, or the stream's input) before the
 * next; so steady-state TLS allocates nothing per record. Heap buffers: the JDK's ciphers work
 * on arrays, and a direct buffer would only be copied to one inside the provider.
 */
final class TlsBuffers {
    /** The largest plaintext of a TLS record (2^14). */
    static final int MAX_PLAINTEXT = 16 * 1024;
    /**
     * Enough for any record the JDK makes or takes (its sessions ask for 16,709 bytes of packet
     * and less of application buffer); an engine that says BUFFER_OVERFLOW gets a larger one.
     */
    private static final int RECORD_ROOM = 18 * 1024;

    /** Made on first use: an engine without TLS streams holds none. */
    private ByteBuffer wrapped, unwrapped, file;

    /** Empty, for a record to be encrypted into. */
    ByteBuffer wrapped() {
        if (wrapped == null) wrapped = ByteBuffer.allocate(RECORD_ROOM);
        return wrapped.clear();
    }

    /** Empty, for a record to be decrypted into. */
    ByteBuffer unwrapped() {
        if (unwrapped == null) unwrapped = ByteBuffer.allocate(RECORD_ROOM);
        return unwrapped.clear();
    }

    /** The engine said BUFFER_OVERFLOW: twice the room. */
    void growWrapped() { wrapped = ByteBuffer.allocate(2 * wrapped.capacity()); }

    void growUnwrapped() { unwrapped = ByteBuffer.allocate(2 * unwrapped.capacity()); }

    /** Empty, for a record's worth of a file to be read into. */
    ByteBuffer file() {
        if (file == null) file = ByteBuffer.allocate(MAX_PLAINTEXT);
        return file.clear();
    }
}
