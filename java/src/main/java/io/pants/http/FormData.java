// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The fields of a form body ({@code application/x-www-form-urlencoded} or
 * {@code multipart/form-data}), and the files of a multipart one.
 *
 * <pre>{@code
 * FormData form = request.form();
 * String name = form.field("name");
 * FormData.Part upload = form.file("upload");   // null if none was sent
 * byte[] content = upload.content();
 * }</pre>
 *
 * @since 0.1
 */
public final class FormData {
    /** No fields, no files. */
    public static final FormData EMPTY = new FormData(Map.of(), List.of());

    private final Map<String, List<String>> fields;
    private final List<Part> files;

    FormData(Map<String, List<String>> fields, List<Part> files) {
        this.fields = fields;
        this.files = files;
    }

    /**
     * One part of a multipart body that came as a file.
     *
     * @param name        the form field's name
     * @param fileName    the file name the client gave (a name only: never use it as a path as is)
     * @param contentType the part's content type, or null
     * @param headers     all of the part's header fields
     * @param content     the file's bytes
     * @since 0.1
     */
    public record Part(String name, String fileName, String contentType, HttpHeaders headers, byte[] content) {
        /** The content decoded as UTF-8. */
        public String text() { return new String(content, StandardCharsets.UTF_8); }
    }

    /** The first value of field {@code name} (not counting files), or null. */
    public String field(String name) {
        List<String> values = fields.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of field {@code name}, in order. */
    public List<String> fields(String name) {
        return fields.getOrDefault(name, List.of());
    }

    /** The fields (not the files), each name with its values in order. */
    public Map<String, List<String>> fields() { return fields; }

    /** The first file sent as field {@code name}, or null. */
    public Part file(String name) {
        for (Part p : files) if (p.name().equals(name)) return p;
        return null;
    }

    /** Every file, in order. */
    public List<Part> files() { return files; }

    public boolean isEmpty() { return fields.isEmpty() && files.isEmpty(); }

    @Override
    public String toString() {
        return "FormData[fields=" + fields + ", files=" + files.stream().map(p -> p.name() + "=" + p.fileName()).toList() + "]";
    }
}
