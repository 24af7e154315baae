// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP dates: the one format sent, the three accepted (RFC 9110 5.6.7). */
class HttpDatesTest {
    private static final long NOV_6_1994 = Instant.parse("1994-11-06T08:49:37Z").getEpochSecond();

    @Test
    void formatsImfFixdateWithTwoDigitDays() {
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(NOV_6_1994 * 1000));
        assertEquals("Thu, 01 Jan 1970 00:00:00 GMT", HttpDates.format(0));
    }

    @Test
    void parsesAllThreeFormats() {
        assertEquals(NOV_6_1994, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(NOV_6_1994, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(NOV_6_1994, HttpDates.parse("Sun Nov  6 08:49:37 1994"));
        assertEquals(NOV_6_1994, HttpDates.parse("  Sun, 06 Nov 1994 08:49:37 GMT "));
    }

    @Test
    void whatIsNotADateIsMinusOne() {
        for (String bad : new String[] {"", "yesterday", "Sun, 06 Nov 1994", "Mon, 06 Nov 1994 08:49:37 GMT" /* wrong weekday */,
                "Sun, 06 Nov 1994 25:00:00 GMT", "1994-11-06T08:49:37Z"}) {
            assertEquals(-1, HttpDates.parse(bad), bad);
        }
    }

    @Test
    void theDateHeaderLineIsForNow() {
        String line = new String(HttpDates.dateHeaderLine(), StandardCharsets.ISO_8859_1);
        assertTrue(line.startsWith("Date: ") && line.endsWith(" GMT\r\n"), line);
        long seconds = HttpDates.parse(line.substring(6, line.length() - 2));
        assertTrue(Math.abs(seconds - System.currentTimeMillis() / 1000) <= 2, line);
    }
}
