// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.http.HttpHeaders;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** The opening handshake's pieces (RFC 6455 section 4): keys, the accept value, list fields, origins. */
final class Handshake {
    /** Appended to the client's key before hashing (section 1.3): proof that the server speaks WebSocket. */
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final SecureRandom KEYS = new SecureRandom();

    private Handshake() {}

    /** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
    static String newKey() {
        byte[] key = new byte[16];
        KEYS.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** Whether {@code key} is a valid Sec-WebSocket-Key: base64 of 16 bytes. */
    static boolean isValidKey(String key) {
        if (key == null || key.length() != 24) return false;
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The Sec-WebSocket-Accept answering {@code key}: base64(SHA-1(key + GUID)). */
    static String accept(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-1, which every Java SE platform must have", e);
        }
    }

    /** The comma-separated elements of every field called {@code name}, trimmed, empty ones left out. */
    static List<String> listElements(HttpHeaders headers, String name) {
        List<String> out = new ArrayList<>();
        for (String field : headers.all(name)) {
            for (String element : field.split(",")) {
                String e = element.strip();
                if (!e.isEmpty()) out.add(e);
            }
        }
        return out;
    }

    /**
     * Whether the {@code Origin} of a browser's handshake is the site it is made to: same host and
     * port as the {@code Host} field. A page from elsewhere could otherwise use the visitor's
     * cookies on this server (cross-site WebSocket hijacking).
     */
    static boolean isSameOrigin(String origin, String host) {
        if (host == null) return false;
        URI uri;
        try {
            uri = new URI(origin);
        } catch (Exception e) {
            return false; // "null" (a sandboxed page, a file) and garbage alike
        }
        if (uri.getHost() == null || uri.getScheme() == null) return false;
        int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(uri.getScheme());
        String expected = withPort(uri.getHost(), port);
        String given = host.contains(":") && !host.endsWith("]") ? host : withPort(host, defaultPort(uri.getScheme()));
        return expected.toLowerCase(Locale.ROOT).equals(given.toLowerCase(Locale.ROOT));
    }

    private static int defaultPort(String scheme) {
        return scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("wss") ? 443 : 80;
    }

    /** host:port, an IPv6 address in brackets. */
    static String withPort(String host, int port) {
        boolean v6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        return (v6 ? "[" + host + "]" : host) + ":" + port;
    }
}
