// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110 section 5.6.7): the {@code Date} header, formatted at most once per
 * second and shared by every engine, and the parsing of {@code If-Modified-Since}.
 */
final class HttpDates {
    /** IMF-fixdate, the one format to send: {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    /** The two obsolete formats a recipient must still accept. */
    private static final DateTimeFormatter RFC_850 = DateTimeFormatter.ofPattern("dd-MMM-yy HH:mm:ss 'GMT'", Locale.US);
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);

    /** The header line for one second; immutable, so threads can share it through a volatile. */
    private record DateLine(long second, byte[] line) {}

    private static volatile DateLine current = new DateLine(-1, null);

    private HttpDates() {}

    /** {@code "Date: ...\r\n"} for the current second. */
    static byte[] dateHeaderLine() {
        long second = Math.floorDiv(System.currentTimeMillis(), 1000);
        DateLine d = current;
        if (d.second != second) {
            byte[] line = ("Date: " + format(second * 1000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            current = d = new DateLine(second, line);
        }
        return d.line;
    }

    static String format(long epochMillis) {
        return IMF_FIXDATE.format(Instant.ofEpochMilli(epochMillis));
    }

    /** Seconds since the epoch, or -1 if {@code text} is not an HTTP date (a recipient then ignores it). */
    static long parse(String text) {
        String s = text.trim();
        try {
            return LocalDateTime.parse(s, IMF_FIXDATE).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // try the obsolete forms
        }
        try {
            // the weekday is left out: checked against a two-digit year's wrong century it would never match
            LocalDateTime t = LocalDateTime.parse(s.substring(s.indexOf(',') + 1).trim(), RFC_850);
            // two-digit years: one more than 50 years ahead means the past century (RFC 9110 5.6.7)
            if (t.getYear() > LocalDateTime.now(ZoneOffset.UTC).getYear() + 50) t = t.minusYears(100);
            return t.toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // not that one either
        }
        try {
            return LocalDateTime.parse(s, ASCTIME).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
