// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static io.pants.ChannelState.OPEN;

/**
 * A stream's input side: the read buffer, the {@link ReadDelimiter} that cuts it into
 * {@code onRead}'s pieces (or the custom decoder that takes its messages from it), the limit on
 * what may wait there, the two pauses that stop reading (the user's and the automatic one) and
 * the end of input. Its {@link Stream} owns one and hands it the plaintext the socket read or TLS
 * decrypted; it calls the stream's callbacks ({@code onRead}, {@code onOverflowError},
 * {@code onEndOfInput}) and tells it when reading stops or starts again, for the poller's interest.
 * Kept apart so that the stream is its connection, output and TLS seam, and this is its framing.
 */
final class StreamInput {
    /** Input buffers up to this size are kept between reads; larger ones are dropped when empty. */
    private static final int KEEP_BUFFER = 8 * 1024;

    private final Stream stream;
    private ReadDelimiter delimiter = ReadDelimiter.none();
    private byte[] in;
    private int inStart, inEnd;
    private int bufferLimit = Stream.DEFAULT_BUFFER_LIMIT;
    private boolean readingPaused;
    /** Whether the automatic pause is on; autoPaused while it is in effect. See {@link Stream#autoPause(boolean)}. */
    private boolean autoPause = true, autoPaused;
    /** onRead (or a decoder) is running: input that comes meanwhile waits for it to return. */
    private boolean processing;
    /** A custom delimiter's decoder is running: it may have taken any part of the buffer. */
    private boolean decoding;
    private boolean processScheduled;
    /** The peer's end of stream was read; inputEnded: onEndOfInput has been called since. */
    private boolean eof, inputEnded;

    StreamInput(Stream stream) {
        this.stream = stream;
    }

    // ---------------------------------------------------------------- settings

    ReadDelimiter delimiter() { return delimiter; }

    /** Applies at once to buffered input. */
    void delimiter(ReadDelimiter d) {
        this.delimiter = d;
        if (!processing && hasBufferedInput()) scheduleProcessing();
    }

    int bufferLimit() { return bufferLimit; }

    void bufferLimit(int bytes) { this.bufferLimit = bytes; }

    // ---------------------------------------------------------------- pausing

    void pause() {
        readingPaused = true;
        stream.updateInterest();
    }

    void resume() {
        if (!readingPaused) return;
        readingPaused = false;
        flowChanged();
    }

    boolean isPaused() { return readingPaused; }

    boolean autoPause() { return autoPause; }

    void autoPause(boolean on) {
        if (autoPause == on) return;
        autoPause = on;
        if (!on && autoPaused) {
            autoPaused = false;
            flowChanged();
        }
    }

    /** The send queue went above the high water mark: if onRead wrote it, stop reading, so that what it answers can't pile up. */
    void outputAboveHighWaterMark() {
        if (autoPause && processing && !autoPaused) {
            autoPaused = true;
            flowChanged();
        }
    }

    /** The send queue is down to the low water mark: the automatic pause, if in effect, ends. */
    void outputDrained() {
        if (autoPaused) {
            autoPaused = false;
            flowChanged();
        }
    }

    /** Whether reading stops: paused by the user, or automatically until the queue drains. */
    boolean stopped() { return readingPaused || autoPaused; }

    /** Reading may have stopped or started again: tell the poller, and deliver what waits. */
    private void flowChanged() {
        stream.updateInterest();
        if (!stopped() && (hasBufferedInput() || eof)) scheduleProcessing();
    }

    // ---------------------------------------------------------------- state

    /** Whether the peer's end of stream has been read. */
    boolean ended() { return eof; }

    /** Whether onEndOfInput has been called: everything the peer sent was delivered. */
    boolean endDelivered() { return inputEnded; }

    /** Whether a custom delimiter's decoder is running. */
    boolean decoding() { return decoding; }

    /** What is buffered and not delivered (for the TLS handshake of startTls), or null; the buffer is empty after. */
    byte[] takeBuffered() {
        if (!hasBufferedInput()) return null;
        byte[] early = Arrays.copyOfRange(in, inStart, inEnd);
        inStart = inEnd = 0;
        return early;
    }

    /** The stream closed: the buffer goes. */
    void release() {
        in = null;
        inStart = inEnd = 0;
    }

    private boolean hasBufferedInput() { return inEnd > inStart; }

    // ---------------------------------------------------------------- input

    /** Input for the read delimiter and onRead: what the socket read, or what TLS decrypted. */
    void receive(ByteBuffer data) {
        if (stream.state != OPEN) return;
        if (!hasBufferedInput() && delimiter == ReadDelimiter.none() && !stopped() && !processing
                && data.remaining() <= bufferLimit) {
            byte[] piece = new byte[data.remaining()];
            data.get(piece);
            deliver(piece);
            return;
        }
        // a custom delimiter's decoder works where this puts the bytes: one copy out of the read
        // buffer, as for none()'s piece above, and none for what it leaves waiting
        append(data);
        if (!stopped() && !processing) processInput();
    }

    /** The end of input: the socket's, or TLS's close_notify. */
    void receivedEnd() {
        eof = true;
        stream.updateInterest();
        if (!stopped() && !processing) finishEof();
    }

    private void scheduleProcessing() {
        if (processScheduled || stream.engine == null || stream.state != OPEN) return;
        processScheduled = true;
        stream.engine.callback(() -> {
            processScheduled = false;
            if (stream.state == OPEN) {
                processInput();
                if (eof) finishEof();
            }
        });
    }

    private void append(ByteBuffer data) {
        int n = data.remaining();
        if (in == null) {
            in = new byte[Math.max(n, 1024)];
        } else if (in.length - inEnd < n) {
            int live = inEnd - inStart;
            if (live + n <= in.length && inStart > 0) {
                System.arraycopy(in, inStart, in, 0, live);
            } else {
                in = Arrays.copyOfRange(in, inStart, inStart + Math.max(live + n, Math.min(2 * in.length, live + n + bufferLimit)));
            }
            inStart = 0;
            inEnd = live;
        }
        data.get(in, inEnd, n);
        inEnd += n;
    }

    private void processInput() {
        processing = true;
        try {
            while (stream.state == OPEN && !stopped() && inEnd > inStart) {
                ReadDelimiter d = delimiter;
                if (d.decoder() != null) {
                    if (decode(d)) continue;
                    break;
                }
                int[] frame = stream.engine.frameScratch; // read back before onRead can run again
                int r = d.frame(in, inStart, inEnd, bufferLimit, frame);
                if (r == ReadDelimiter.MORE) break; // within the limit: the delimiter bounds what waits
                if (r == ReadDelimiter.TOO_LARGE) {
                    overflow(Math.max(inEnd - inStart, frame[0]));
                    break;
                }
                byte[] piece = Arrays.copyOfRange(in, frame[0], frame[1]);
                inStart = frame[2];
                deliver(piece);
            }
        } finally {
            processing = false;
        }
        if (inStart == inEnd) {
            inStart = inEnd = 0;
            if (in != null && in.length > KEEP_BUFFER) in = null;
        }
    }

    /**
     * Hands the input to a custom delimiter's decoder, and drops what it took. Returns whether to
     * go on: it took something, or set another delimiter for the rest; false once it waits for
     * more (or failed, or closed the stream).
     */
    private boolean decode(ReadDelimiter d) {
        int live = inEnd - inStart, taken;
        decoding = true;
        try {
            taken = d.decoder().decode(in, inStart, inEnd);
        } catch (Throwable e) {
            stream.engine.reportError(stream, "the decoder of " + d, e);
            inStart = inEnd = 0; // where it stopped is unknown: the input can't be decoded on
            stream.close();
            return false;
        } finally {
            decoding = false;
        }
        if (stream.state != OPEN) return false; // closed in the decoder: the buffer may be gone
        if (taken == ReadDelimiter.Decoder.TOO_LARGE) {
            overflow(live);
            return false;
        }
        if (taken < 0 || taken > live) {
            stream.engine.reportError(stream, "the decoder of " + d, new IllegalStateException("the decoder returned " + taken + " for "
                    + live + " bytes; return how many bytes it took, from 0 to " + live + ", or Decoder.TOO_LARGE"));
            inStart = inEnd = 0;
            stream.close();
            return false;
        }
        inStart += taken;
        if (taken > 0) stream.engine.counters.messagesRead++; // what it took is messages, as onRead's pieces are
        if (taken > 0 || delimiter != d) return true;
        if (live > bufferLimit && !stopped()) overflow(live); // it waits for more than the limit allows
        return false;
    }

    private void overflow(int buffered) {
        ReadBufferOverflowException e = new ReadBufferOverflowException(
                "read buffer limit of " + bufferLimit + " bytes exceeded (" + buffered + " bytes) waiting for " + delimiter,
                buffered, bufferLimit);
        inStart = inEnd = 0;
        in = null;
        stream.safely("onOverflowError", () -> stream.onOverflowError(e));
    }

    private void finishEof() {
        processInput();
        if (stream.state != OPEN || stopped() || inputEnded) return;
        if (hasBufferedInput()) {
            int n = inEnd - inStart;
            if (delimiter.deliversRemainderAtEof() && n > bufferLimit) {
                overflow(n); // a delimiter's first bytes waited behind a piece already at the limit
            } else if (delimiter.deliversRemainderAtEof()) {
                byte[] rest = Arrays.copyOfRange(in, inStart, inEnd);
                inStart = inEnd = 0;
                deliver(rest);
            } else {
                inStart = inEnd = 0;
                Engine.LOG.log(Level.WARNING, "Dropping " + n + " bytes at end of stream on " + stream
                        + ": not a complete " + delimiter + " frame");
            }
        }
        if (stream.state != OPEN) return;
        inputEnded = true;
        stream.safely("onEndOfInput", stream::onEndOfInput);
        // both directions are done: nothing can happen on the stream any more
        if (stream.state == OPEN && stream.finSent()) stream.closeNow();
    }

    private void deliver(byte[] piece) {
        boolean was = processing;
        processing = true;
        stream.engine.counters.messagesRead++;
        try {
            stream.onRead(piece);
        } catch (Throwable e) {
            stream.engine.reportError(stream, "onRead", e);
        } finally {
            processing = was;
        }
    }
}
