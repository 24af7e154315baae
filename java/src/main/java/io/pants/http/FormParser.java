// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes form bodies: URL-encoded (also query strings) and multipart/form-data (RFC 7578,
 * with the framing of RFC 2046). URL-encoding is read leniently (a bad escape stays as it is),
 * as browsers send it; a multipart body that can't be split into parts is a 400.
 */
final class FormParser {
    private FormParser() {}

    /** The form in {@code body}, judged by its Content-Type; empty for anything but the two form types. */
    static FormData parse(String contentType, byte[] body) {
        if (contentType == null) return FormData.EMPTY;
        String type = mediaType(contentType);
        if (type.equals("application/x-www-form-urlencoded")) {
            return new FormData(parseUrlEncoded(new String(body, StandardCharsets.ISO_8859_1)), List.of());
        }
        if (type.equals("multipart/form-data")) {
            String boundary = parameter(contentType, "boundary");
            if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
                throw new HttpException(400, "multipart/form-data without a valid boundary");
            }
            return parseMultipart(body, boundary);
        }
        return FormData.EMPTY;
    }

    /** {@code a=1&b=2&a=3} into {a=[1, 3], b=[2]}; {@code +} is a space, escapes are UTF-8. */
    static Map<String, List<String>> parseUrlEncoded(String s) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        int start = 0, n = s.length();
        while (start <= n) {
            int amp = s.indexOf('&', start);
            int end = amp < 0 ? n : amp;
            if (end > start) {
                int eq = s.indexOf('=', start);
                String name, value;
                if (eq < 0 || eq > end) {
                    name = decodeComponent(s, start, end);
                    value = "";
                } else {
                    name = decodeComponent(s, start, eq);
                    value = decodeComponent(s, eq + 1, end);
                }
                out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            if (amp < 0) break;
            start = amp + 1;
        }
        out.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(out);
    }

    /** Percent- and plus-decodes {@code s[start, end)} as UTF-8, keeping a malformed escape literally. */
    static String decodeComponent(String s, int start, int end) {
        boolean plain = true;
        for (int i = start; i < end && plain; i++) {
            char c = s.charAt(i);
            plain = c != '%' && c != '+';
        }
        if (plain) return s.substring(start, end);
        ByteArrayOutputStream out = new ByteArrayOutputStream(end - start);
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%' && i + 2 < end && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else if (c <= 0xff) {
                out.write(c); // a body is read as Latin-1: each char is one of its bytes
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- multipart

    private static FormData parseMultipart(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] nextDelimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        Map<String, List<String>> fields = new LinkedHashMap<>();
        List<FormData.Part> files = new ArrayList<>();

        // the first delimiter opens the body or a line (what comes before it is a preamble)
        int p = startsWith(body, 0, delimiter) ? 0 : indexOf(body, nextDelimiter, 0);
        if (p < 0) throw new HttpException(400, "multipart body without its boundary");
        p += p == 0 && startsWith(body, 0, delimiter) ? delimiter.length : nextDelimiter.length;
        while (true) {
            if (startsWith(body, p, new byte[] {'-', '-'})) break; // the close delimiter
            while (p < body.length && (body[p] == ' ' || body[p] == '\t')) p++; // transport padding
            if (!startsWith(body, p, new byte[] {'\r', '\n'})) throw new HttpException(400, "malformed multipart delimiter line");
            p += 2;
            HttpHeaders headers = new HttpHeaders(4);
            while (!startsWith(body, p, new byte[] {'\r', '\n'})) {
                int lf = indexOf(body, new byte[] {'\r', '\n'}, p);
                if (lf < 0) throw new HttpException(400, "malformed multipart part header");
                p = FieldParser.parseField(body, p, headers);
            }
            p += 2;
            int end = indexOf(body, nextDelimiter, p);
            if (end < 0) throw new HttpException(400, "multipart body without its closing boundary");
            byte[] content = java.util.Arrays.copyOfRange(body, p, end);
            p = end + nextDelimiter.length;

            String disposition = headers.get("Content-Disposition");
            if (disposition == null || !mediaType(disposition).equals("form-data")) continue; // not a form field
            String name = parameter(disposition, "name");
            if (name == null) continue;
            String fileName = parameter(disposition, "filename");
            if (fileName != null) {
                files.add(new FormData.Part(name, fileName, headers.get(HeaderNames.CONTENT_TYPE), headers, content));
            } else {
                fields.computeIfAbsent(name, k -> new ArrayList<>(1)).add(new String(content, StandardCharsets.UTF_8));
            }
        }
        fields.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return new FormData(Collections.unmodifiableMap(fields), Collections.unmodifiableList(files));
    }

    // ---------------------------------------------------------------- header parameters

    /** The part before the first {@code ;}, trimmed and lower-cased: {@code multipart/form-data}. */
    static String mediaType(String value) {
        int semi = value.indexOf(';');
        return (semi < 0 ? value : value.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** The value of parameter {@code name} in {@code type; a=b; c="d e"}, unquoted, or null. */
    static String parameter(String value, String name) {
        int i = value.indexOf(';');
        int n = value.length();
        while (i >= 0 && i < n) {
            i++; // past ';'
            while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) i++;
            int eq = i;
            while (eq < n && value.charAt(eq) != '=' && value.charAt(eq) != ';') eq++;
            String key = value.substring(i, eq).trim();
            if (eq >= n || value.charAt(eq) == ';') {
                i = eq < n ? eq : -1;
                continue;
            }
            int v = eq + 1;
            while (v < n && (value.charAt(v) == ' ' || value.charAt(v) == '\t')) v++;
            String result;
            int next;
            if (v < n && value.charAt(v) == '"') {
                StringBuilder b = new StringBuilder();
                int j = v + 1;
                while (j < n && value.charAt(j) != '"') {
                    char c = value.charAt(j);
                    if (c == '\\' && j + 1 < n) c = value.charAt(++j);
                    b.append(c);
                    j++;
                }
                result = b.toString();
                next = value.indexOf(';', Math.min(j + 1, n));
            } else {
                int semi = value.indexOf(';', v);
                result = value.substring(v, semi < 0 ? n : semi).trim();
                next = semi;
            }
            if (key.equalsIgnoreCase(name)) return result;
            i = next;
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at < 0 || b.length - at < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (b[at + i] != prefix[i]) return false;
        return true;
    }

    private static int indexOf(byte[] b, byte[] what, int from) {
        outer:
        for (int i = from, last = b.length - what.length; i <= last; i++) {
            for (int j = 0; j < what.length; j++) if (b[i + j] != what[j]) continue outer;
            return i;
        }
        return -1;
    }
}
