// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The HTML page listing a directory for {@link FileServer}. File names are the attacker's
 * choice as much as the owner's: every name is HTML-escaped in text and percent-encoded in links,
 * so that no name can add markup or a link to another scheme.
 */
final class DirectoryListing {
    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    private DirectoryListing() {}

    /**
     * The page for {@code directory}, asked for as {@code path}; entries leading outside
     * {@code root} are left out, and hidden ones (named or leading to a name starting with a dot)
     * unless {@code withHidden}.
     */
    static String html(String path, Path directory, Path root, boolean withParent, boolean withHidden) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                Path real;
                try {
                    real = entry.toRealPath();
                } catch (IOException e) {
                    continue; // a dangling link: nothing to follow
                }
                if (!real.startsWith(root)) continue;
                String name = entry.getFileName().toString();
                if (!withHidden && (name.startsWith(".") || FileServer.isHidden(root.relativize(real)))) continue;
                names.add(Files.isDirectory(real) ? name + "/" : name);
            }
        }
        names.sort(null);
        StringBuilder out = new StringBuilder(256 + names.size() * 64);
        String title = "Index of " + escape(path);
        out.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(title)
                .append("</title></head>\n<body><h1>").append(title).append("</h1>\n<ul>\n");
        if (withParent) out.append("<li><a href=\"../\">../</a></li>\n");
        for (String name : names) {
            out.append("<li><a href=\"").append(link(name)).append("\">").append(escape(name)).append("</a></li>\n");
        }
        return out.append("</ul></body></html>\n").toString();
    }

    /** Text as HTML character data or attribute value. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A relative link to an entry: every byte but the unreserved ones (and a directory's trailing slash) percent-encoded. */
    static String link(String name) {
        boolean directory = name.endsWith("/");
        byte[] bytes = (directory ? name.substring(0, name.length() - 1) : name).getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c < 128 && UNRESERVED.indexOf(c) >= 0) out.append((char) c);
            else out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
        }
        return directory ? out.append('/').toString() : out.toString();
    }
}
