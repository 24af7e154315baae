// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One route: a rule such as {@code /post/<int:id>} compiled to a regular expression over the
 * decoded path, the methods it answers, and its handler.
 *
 * <p>Rule syntax: literal text, and parameters {@code <name>} or {@code <converter:name>}.
 * Converters: {@code string} (the default: one segment, no {@code /}), {@code int} (decimal
 * digits that fit in an {@code int}), {@code float} (digits with an optional fraction, such as
 * {@code 3} or {@code 2.5}, as a {@code double}), {@code path} (one or more characters, slashes
 * included). A value the converter refuses (an {@code int} too large) makes the route not match.
 */
final class Route {
    private static final Pattern PARAMETER = Pattern.compile("<(?:([a-z]+):)?([A-Za-z_][A-Za-z0-9_]*)>");

    /** How a converter matches, and turns the matched text into a value (null: no match). */
    private enum Converter {
        STRING("[^/]+") {
            @Override Object convert(String s) { return s; }
        },
        INT("[0-9]+") {
            @Override Object convert(String s) {
                if (s.length() > 10) return null;
                long v = Long.parseLong(s);
                return v > Integer.MAX_VALUE ? null : (int) v;
            }
        },
        FLOAT("[0-9]+(?:\\.[0-9]+)?") {
            @Override Object convert(String s) {
                double d = Double.parseDouble(s);
                return Double.isFinite(d) ? d : null;
            }
        },
        PATH(".+") {
            @Override Object convert(String s) { return s; }
        };

        final String regex;

        Converter(String regex) { this.regex = regex; }

        abstract Object convert(String s);

        static Converter named(String name, String rule) {
            if (name == null) return STRING;
            return switch (name) {
                case "string" -> STRING;
                case "int" -> INT;
                case "float" -> FLOAT;
                case "path" -> PATH;
                default -> throw new IllegalArgumentException("unknown converter '" + name + "' in route '" + rule
                        + "' (there are string, int, float and path)");
            };
        }
    }

    final String rule;
    final Set<String> methods;
    final Handler handler;
    private final Pattern pattern;
    private final List<String> names = new ArrayList<>();
    private final List<Converter> converters = new ArrayList<>();

    Route(String rule, Set<String> methods, Handler handler) {
        if (!rule.startsWith("/")) throw new IllegalArgumentException("a route starts with '/': '" + rule + "'");
        this.rule = rule;
        this.methods = methods;
        this.handler = handler;
        StringBuilder regex = new StringBuilder();
        Matcher m = PARAMETER.matcher(rule);
        int at = 0;
        while (m.find()) {
            regex.append(literal(rule.substring(at, m.start())));
            Converter c = Converter.named(m.group(1), rule);
            String name = m.group(2);
            if (names.contains(name)) throw new IllegalArgumentException("parameter '" + name + "' twice in route '" + rule + "'");
            names.add(name);
            converters.add(c);
            regex.append('(').append(c.regex).append(')');
            at = m.end();
        }
        regex.append(literal(rule.substring(at)));
        this.pattern = Pattern.compile(regex.toString());
    }

    /** A route for a handler mounted at {@code prefix}: the rest of the path (maybe empty) is parameter {@code path}. */
    static Route mount(String prefix, Set<String> methods, Handler handler) {
        String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return new Route(p + "/<path:path>", methods, handler, Pattern.compile(Pattern.quote(p) + "/(.*)"));
    }

    private Route(String rule, Set<String> methods, Handler handler, Pattern pattern) {
        this.rule = rule;
        this.methods = methods;
        this.handler = handler;
        this.pattern = pattern;
        names.add("path");
        converters.add(Converter.PATH);
    }

    private static String literal(String text) {
        if (text.indexOf('<') >= 0 || text.indexOf('>') >= 0) {
            throw new IllegalArgumentException("malformed parameter in route text '" + text + "'");
        }
        return text.isEmpty() ? "" : Pattern.quote(text);
    }

    /** The parameters if {@code path} matches this route (names in rule order), else null. */
    Map<String, Object> match(String path) {
        Matcher m = pattern.matcher(path);
        if (!m.matches()) return null;
        if (names.isEmpty()) return Map.of();
        Map<String, Object> params = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            Object value = converters.get(i).convert(m.group(i + 1));
            if (value == null) return null;
            params.put(names.get(i), value);
        }
        return Collections.unmodifiableMap(params);
    }

    @Override
    public String toString() {
        return methods + " " + rule;
    }
}
