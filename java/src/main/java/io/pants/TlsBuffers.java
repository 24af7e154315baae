// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.nio.ByteBuffer;

/**
 * The scratch buffers the TLS streams of one engine share: records are encrypted into
 * {@link #wrapped}, decrypted into {@link #unwrapped}, and files are read into {@link #file}
 * before encryption. One set per engine is enough because its loop thread does one of these
 * at a time and copies the result out (into the send queue, or the stream's input) before the
 * next; so steady-state TLS allocates nothing per record. Heap buffers: the JDK's ciphers work
 * on arrays, and a direct buffer would only be copied to one inside the provider.
 */
final class TlsBuffers {
    /** The largest plaintext of a TLS record (2^14). */
    static final int MAX_PLAINTEXT = 16 * 1024;

    private ByteBuffer wrapped = ByteBuffer.allocate(0), unwrapped = ByteBuffer.allocate(0);
    private final ByteBuffer file = ByteBuffer.allocate(MAX_PLAINTEXT);

    /** Empty, with room for {@code size} bytes (a session's packet size). */
    ByteBuffer wrapped(int size) {
        if (wrapped.capacity() < size) wrapped = ByteBuffer.allocate(size);
        return wrapped.clear();
    }

    /** Empty, with room for {@code size} bytes (a session's application buffer size). */
    ByteBuffer unwrapped(int size) {
        if (unwrapped.capacity() < size) unwrapped = ByteBuffer.allocate(size);
        return unwrapped.clear();
    }

    ByteBuffer file() { return file.clear(); }
}
