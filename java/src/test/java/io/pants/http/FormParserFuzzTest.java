// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pants.FuzzInputs;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes the form parser ({@link FormParser}): URL-encoded and multipart/form-data bodies under
 * any Content-Type. An input is the Content-Type, a LF, then the body.
 *
 * <p>Properties: it fails only with a 400 {@link HttpException} (URL-encoding not at all); a form
 * that parses, written out again in its own encoding, parses to the same fields and files.
 */
class FormParserFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void formParsesOrFailsWith400AndRoundTrips(byte[] input) {
        String contentType = FuzzInputs.firstLine(input);
        byte[] body = FuzzInputs.afterFirstLine(input);

        FormData form;
        try {
            form = FormParser.parse(contentType, body);
        } catch (HttpException e) {
            assertEquals(400, e.status(), "status for " + e.getMessage());
            assertEquals("multipart/form-data", FormParser.mediaType(contentType), "only multipart bodies are refused: " + e.getMessage());
            return;
        }
        String type = FormParser.mediaType(contentType);
        if (type.equals("application/x-www-form-urlencoded")) {
            assertEquals(List.of(), form.files());
            byte[] again = urlEncoded(form.fields());
            assertEquals(describe(form), describe(FormParser.parse(contentType, again)), "the form URL-encoded again: "
                    + new String(again, StandardCharsets.ISO_8859_1));
        } else if (type.equals("multipart/form-data")) {
            String boundary = FormParser.parameter(contentType, "boundary");
            // boundary characters are ASCII (RFC 2046 5.1.1); with others, a value re-encoded as
            // UTF-8 could turn into the delimiter, which is not the parser's doing
            if (!boundary.chars().allMatch(c -> c < 0x80)) return;
            byte[] again = multipart(form, boundary);
            assertEquals(describe(form), describe(FormParser.parse(contentType, again)), "the form as multipart again: "
                    + new String(again, StandardCharsets.ISO_8859_1));
        } else {
            assertEquals(FormData.EMPTY, form, "not a form type: no form");
        }
    }

    private static byte[] urlEncoded(Map<String, List<String>> fields) {
        StringBuilder s = new StringBuilder();
        fields.forEach((name, values) -> {
            for (String v : values) {
                if (s.length() > 0) s.append('&');
                s.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The fields (a fresh Content-Disposition each), then the files with the header fields they came with. */
    private static byte[] multipart(FormData form, String boundary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        form.fields().forEach((name, values) -> {
            for (String v : values) {
                part(out, boundary, List.of("Content-Disposition: form-data; name=\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\""),
                        v.getBytes(StandardCharsets.UTF_8));
            }
        });
        for (FormData.Part p : form.files()) part(out, boundary, fields(p.headers()), p.content());
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static void part(ByteArrayOutputStream out, String boundary, List<String> headers, byte[] content) {
        StringBuilder head = new StringBuilder("--").append(boundary).append("\r\n");
        for (String h : headers) head.append(h).append("\r\n");
        out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    private static List<String> fields(HttpHeaders h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) out.add(h.name(i) + ": " + h.value(i));
        return out;
    }

    private static List<Object> describe(FormData form) {
        List<Object> d = new ArrayList<>(List.of(form.fields()));
        for (FormData.Part p : form.files()) {
            d.add(List.of(p.name(), p.fileName(), String.valueOf(p.contentType()), fields(p.headers()), Arrays.toString(p.content())));
        }
        return d;
    }
}
