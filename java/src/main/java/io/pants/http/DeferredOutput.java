// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * The output of a response that waits its turn: HTTP/1.1 answers pipelined requests in order,
 * so a response finished (or streaming) while an earlier one on the connection is unfinished
 * keeps what it sends here, copied, until it heads the line. Made only for such responses.
 */
final class DeferredOutput {
    private record FilePart(Path path, long offset, long count) {}

    /** byte[] and FilePart, in the order they were sent. */
    private final ArrayList<Object> parts = new ArrayList<>(4);
    private long bytes;

    void add(byte[] b, int off, int len) {
        parts.add(Arrays.copyOfRange(b, off, off + len));
        bytes += len;
    }

    void addFile(Path path, long offset, long count) {
        parts.add(new FilePart(path, offset, count));
    }

    /** The bytes held (files not counted: they are not in memory). */
    long bytes() { return bytes; }

    /** Writes everything held to the connection, in order. */
    void writeTo(HttpConnection connection) {
        for (Object o : parts) {
            if (o instanceof byte[] a) connection.output(a, 0, a.length);
            else if (o instanceof FilePart f) connection.outputFile(f.path, f.offset, f.count);
        }
    }
}
