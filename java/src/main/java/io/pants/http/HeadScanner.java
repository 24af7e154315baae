// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

/**
 * Finds where a message head (a start line, field lines, an empty line; RFC 9112 section 2.1)
 * ends in bytes as they arrive, and enforces the size limits on the way, strictly: every line
 * ends in CRLF. It looks at each byte once however the head is cut into reads, and the answer
 * does not depend on the cuts. A request head's here; a response head's in a client, with its
 * own names and statuses for the limits.
 */
final class HeadScanner implements io.pants.http.wire.HttpWire.HeadFinder {
    private final int maxLine, maxHead;
    private final String kind;
    private final int firstLineStatus;
    /** Bytes of the current head examined so far, and where its current line starts (relative). */
    private int scanned, lineStart;
    private boolean firstLine = true;

    /** {@code kind} names the message in refusals ("request": "request line over ..."). */
    HeadScanner(String kind, int firstLineStatus, int maxLine, int maxHead) {
        this.kind = kind;
        this.firstLineStatus = firstLineStatus;
        this.maxLine = maxLine;
        this.maxHead = maxHead;
    }

    /** Whether nothing of a head has been examined yet. */
    boolean atStart() { return scanned == 0; }

    /**
     * The length of the head starting at {@code start} (through its empty line) if it is complete
     * in {@code b[start, end)}, else -1; remembers how far it looked, so bytes are examined once.
     *
     * @throws HttpException the first line's status (a request's: 414) for a first line over
     *                       the line limit, 431 for a header line over it or a head over the total
     *                       limit, else 400 for a bare LF (the limits first, however the bytes arrived)
     */
    @Override
    public int findEnd(byte[] b, int start, int end) {
        for (int i = start + scanned; i < end; i++) {
            if (b[i] != '\n') continue;
            int rel = i - start;
            // the limits before the bare LF: they may have tripped on part of this line already,
            // when it came in more than one read, and the answer must not depend on the reads
            int length = rel - 1 - lineStart;
            checkLine(length);
            if (rel + 1 > maxHead) throw new HttpException(431, kind + " head over " + maxHead + " bytes");
            if (rel == 0 || b[i - 1] != '\r') throw new HttpException(400, "a line ends in a bare LF");
            if (length == 0 && !firstLine) {
                reset();
                return rel + 1;
            }
            firstLine = false;
            lineStart = rel + 1;
        }
        scanned = end - start;
        int partial = scanned - lineStart;
        if (partial > maxLine + 1) checkLine(partial); // + 1: the line's CR may be in already
        if (scanned > maxHead) throw new HttpException(431, kind + " head over " + maxHead + " bytes");
        return -1;
    }

    private void checkLine(int length) {
        if (length <= maxLine) return;
        if (firstLine) throw new HttpException(firstLineStatus, kind + " line over " + maxLine + " bytes");
        throw new HttpException(431, "header line over " + maxLine + " bytes");
    }

    private void reset() {
        scanned = 0;
        lineStart = 0;
        firstLine = true;
    }
}
