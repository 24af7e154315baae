// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.http.wire.HttpWire;

/**
 * This package's framing pieces, for the HTTP client (see {@link HttpWire}): the server's own
 * {@link HeadScanner}, {@link FieldParser}, {@link BodyReader} and {@link ChunkedEncoder}, nothing copied.
 */
final class WireAccess implements HttpWire {
    static {
        HttpWire.Registry.register(new WireAccess());
    }

    private WireAccess() {}

    @Override
    public HeadFinder headFinder(String kind, int maxLine, int maxHead) {
        // a first line over the limit is the peer's fault like any other: 502 for a client's response
        return new HeadScanner(kind, 502, maxLine, maxHead);
    }

    @Override
    public BodyFraming bodyReader(int maxLine, int maxTrailers) {
        // streamed only (the client collects whole bodies itself, after decoding): no whole limit
        return new BodyReader(Long.MAX_VALUE, maxLine, maxTrailers);
    }

    @Override
    public ChunkWriter chunkWriter(Sink out) {
        ByteBuilder scratch = new ByteBuilder(64);
        ByteSink sink = out::put;
        return new ChunkWriter() {
            @Override
            public void chunk(byte[] data, int off, int len) { ChunkedEncoder.putChunk(scratch, data, off, len, sink); }

            @Override
            public void last() { ChunkedEncoder.putLastChunk(sink); }
        };
    }

    @Override
    public HttpHeaders parseFields(byte[] b, int from, int[] end) {
        HttpHeaders headers = new HttpHeaders(8);
        int i = from;
        while (b[i] != '\r') i = FieldParser.parseField(b, i, headers);
        if (b[i + 1] != '\n') throw new HttpException(400, "malformed header section");
        end[0] = i + 2;
        return headers;
    }

    @Override
    public long contentLength(String value) {
        return FieldParser.contentLength(value);
    }
}
