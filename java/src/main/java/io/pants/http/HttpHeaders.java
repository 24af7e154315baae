// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;

/**
 * A request's header fields (or trailer fields) in the order they came: names compare without
 * regard to case, and a name that came several times keeps every value.
 *
 * <pre>{@code
 * request.headers().get("content-type");       // the first value, or null
 * request.headers().all("Accept");             // every value, in order
 * request.headers().hasToken("Connection", "close");
 * }</pre>
 *
 * @since 0.1
 */
public final class HttpHeaders implements Iterable<Map.Entry<String, String>> {
    /** No fields. */
    public static final HttpHeaders EMPTY = new HttpHeaders(0);

    /** name, value, name, value, ... */
    private String[] fields;
    private int size;

    HttpHeaders(int capacity) {
        fields = new String[Math.max(2 * capacity, 0)];
    }

    void add(String name, String value) {
        if (2 * size == fields.length) fields = Arrays.copyOf(fields, Math.max(16, fields.length * 2));
        fields[2 * size] = name;
        fields[2 * size + 1] = value;
        size++;
    }

    /** The number of fields (a repeated name counts each time). */
    public int size() { return size; }

    public boolean isEmpty() { return size == 0; }

    /** The name of field {@code i}, as the client spelled it (common names in their usual spelling). */
    public String name(int i) {
        return fields[2 * check(i)];
    }

    /** The value of field {@code i}, without surrounding white space. */
    public String value(int i) {
        return fields[2 * check(i) + 1];
    }

    /** The first value of {@code name}, or null. */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (matches(i, name)) return fields[2 * i + 1];
        }
        return null;
    }

    /** Every value of {@code name}, in order; empty if there is none. */
    public List<String> all(String name) {
        List<String> out = null;
        for (int i = 0; i < size; i++) {
            if (matches(i, name)) {
                if (out == null) out = new ArrayList<>(2);
                out.add(fields[2 * i + 1]);
            }
        }
        return out == null ? List.of() : Collections.unmodifiableList(out);
    }

    public boolean contains(String name) {
        return get(name) != null;
    }

    /** How many fields are called {@code name}. */
    public int count(String name) {
        int n = 0;
        for (int i = 0; i < size; i++) if (matches(i, name)) n++;
        return n;
    }

    /**
     * Whether the comma-separated values of {@code name} (over all its fields) include
     * {@code token}, ignoring case: {@code hasToken("Connection", "close")}.
     */
    public boolean hasToken(String name, String token) {
        for (int i = 0; i < size; i++) {
            if (matches(i, name) && listContains(fields[2 * i + 1], token)) return true;
        }
        return false;
    }

    /** The distinct names, in the order they first came. */
    public Set<String> names() {
        Set<String> seen = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < size; i++) {
            if (seen.add(fields[2 * i])) out.add(fields[2 * i]);
        }
        return Collections.unmodifiableSet(out);
    }

    /** A copy as a map from name (case-insensitive) to its values. */
    public Map<String, List<String>> toMap() {
        TreeMap<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < size; i++) map.computeIfAbsent(fields[2 * i], k -> new ArrayList<>(1)).add(fields[2 * i + 1]);
        map.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(map);
    }

    /** The fields in order, as name-value pairs. */
    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
            private int i;

            @Override public boolean hasNext() { return i < size; }

            @Override
            public Map.Entry<String, String> next() {
                if (i >= size) throw new NoSuchElementException();
                Map.Entry<String, String> e = new AbstractMap.SimpleImmutableEntry<>(fields[2 * i], fields[2 * i + 1]);
                i++;
                return e;
            }
        };
    }

    private boolean matches(int i, String name) {
        String n = fields[2 * i];
        return n == name || n.equalsIgnoreCase(name);
    }

    private int check(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("field " + i + " of " + size);
        return i;
    }

    /** Whether a comma-separated list has {@code token} as one of its elements (ignoring case and white space). */
    static boolean listContains(String list, String token) {
        int n = list.length();
        int start = 0;
        while (start <= n) {
            int comma = list.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = start, e = end;
            while (s < e && isSpace(list.charAt(s))) s++;
            while (e > s && isSpace(list.charAt(e - 1))) e--;
            if (e - s == token.length() && list.regionMatches(true, s, token, 0, e - s)) return true;
            if (comma < 0) break;
            start = comma + 1;
        }
        return false;
    }

    private static boolean isSpace(char c) { return c == ' ' || c == '\t'; }

    // ---------------------------------------------------------------- fields we send

    /** Refuses a field name that is not a token (RFC 9110 5.1). */
    static void checkName(String name) {
        if (name.isEmpty()) throw new IllegalArgumentException("empty header name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !FieldParser.isTokenChar(c)) {
                throw new IllegalArgumentException("invalid character " + (int) c + " in header name '" + name + "'");
            }
        }
    }

    /** Refuses a value with a control character or one beyond Latin-1; {@code name} is for the message. */
    static void checkValue(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // CR and LF would let the value write headers of its own (response splitting)
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("invalid character " + (int) c + " in the value of " + name
                        + (c > 0xff ? " (header values are Latin-1; encode others, e.g. as RFC 8187 or percent-encoding)" : ""));
            }
        }
    }

    /** A Content-Length we are given: its digits as a number, or -1 if it is not one. */
    static long parseLength(String value) {
        String v = value.trim();
        if (v.isEmpty() || v.length() > 18) return -1;
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            if (i > 0) b.append(", ");
            b.append(fields[2 * i]).append(": ").append(fields[2 * i + 1]);
        }
        return b.append('}').toString();
    }
}
