// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * {@link HttpRequest#sendFile}: validators (ETag, Last-Modified), conditional requests
 * (RFC 9110 section 13) and single byte ranges (section 14), then the file itself.
 */
final class FileResponse {
    /** parseRange's answer for a range that lies outside the file. */
    private static final long[] UNSATISFIABLE = new long[0];

    private FileResponse() {}

    static void send(HttpRequest r, Path file, String contentType) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException | SecurityException e) {
            attributes = null;
        }
        if (attributes == null || !attributes.isRegularFile() || !Files.isReadable(file)) {
            r.sendResponse(ResponseWriter.errorBody(404, null), 404, "text/plain; charset=utf-8");
            return;
        }
        long size = attributes.size();
        long modifiedMillis = attributes.lastModifiedTime().toMillis();
        long modified = Math.floorDiv(modifiedMillis, 1000); // HTTP dates have whole seconds
        // changes with the content in practice, and costs no read of the file
        String etag = "\"" + Long.toHexString(modifiedMillis) + "-" + Long.toHexString(size) + "\"";
        r.sendHeader("ETag", etag);
        r.sendHeader("Last-Modified", HttpDates.format(modified * 1000));

        String method = r.method();
        boolean getOrHead = method.equals("GET") || method.equals("HEAD");
        if (getOrHead && notModified(r, etag, modified)) {
            r.sendStatus(304);
            r.finish();
            return;
        }
        r.response().contentType(contentType != null ? contentType : ContentTypes.of(file));
        r.sendHeader("Accept-Ranges", "bytes");

        String range = r.header(HeaderNames.RANGE);
        if (range != null && method.equals("GET") && ifRangeHolds(r.header(HeaderNames.IF_RANGE), etag, modified)) {
            long[] span = parseRange(range, size);
            if (span == UNSATISFIABLE) {
                r.sendHeader("Content-Range", "bytes */" + size);
                r.sendResponse(ResponseWriter.errorBody(416, null), 416, "text/plain; charset=utf-8");
                return;
            }
            if (span != null) {
                r.sendHeader("Content-Range", "bytes " + span[0] + "-" + span[1] + "/" + size);
                r.response().sendFileRegion(206, file, span[0], span[1] - span[0] + 1);
                return;
            }
        }
        r.response().sendFileRegion(200, file, 0, size);
    }

    /** If-None-Match (weak comparison) or, without it, If-Modified-Since. */
    private static boolean notModified(HttpRequest r, String etag, long modified) {
        var inm = r.headers().all(HeaderNames.IF_NONE_MATCH);
        if (!inm.isEmpty()) {
            for (String field : inm) {
                for (String tag : field.split(",")) {
                    String t = tag.trim();
                    if (t.equals("*") || opaque(t).equals(opaque(etag))) return true;
                }
            }
            return false;
        }
        String ims = r.header(HeaderNames.IF_MODIFIED_SINCE);
        if (ims == null) return false;
        long since = HttpDates.parse(ims);
        return since >= 0 && modified <= since;
    }

    /** If-Range holds when it names this very representation (strong comparison), or there is none. */
    private static boolean ifRangeHolds(String ifRange, String etag, long modified) {
        if (ifRange == null) return true;
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) return v.equals(etag);
        return HttpDates.parse(v) == modified;
    }

    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    /**
     * The first and last byte of a single range ({@code bytes=0-99}, {@code bytes=100-},
     * {@code bytes=-100}); null to ignore the header (malformed, another unit, several ranges:
     * the whole file is sent then, as RFC 9110 allows); UNSATISFIABLE for a range outside the file.
     */
    static long[] parseRange(String header, long size) {
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) return null;
        String spec = h.substring(6).trim();
        if (spec.indexOf(',') >= 0) return null;
        int dash = spec.indexOf('-');
        if (dash < 0) return null;
        String first = spec.substring(0, dash).trim(), last = spec.substring(dash + 1).trim();
        if (first.isEmpty()) {
            long suffix = number(last);
            if (suffix < 0) return null;
            if (suffix == 0 || size == 0) return UNSATISFIABLE;
            return new long[] {Math.max(0, size - suffix), size - 1};
        }
        long start = number(first);
        if (start < 0) return null;
        long end = last.isEmpty() ? Long.MAX_VALUE : number(last);
        if (end < 0 || end < start) return null;
        if (start >= size) return UNSATISFIABLE;
        return new long[] {start, Math.min(end, size - 1)};
    }

    /** Digits as a number (a huge one saturates), or -1 if they are not digits. */
    private static long number(String s) {
        if (s.isEmpty()) return -1;
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : n * 10 + (c - '0');
        }
        return n;
    }
}
