// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every source and build file of the repository says its license in an SPDX line near its top
 * (after a {@code #!} or {@code <?xml} line): the project's one license convention (README,
 * "License"). A new file without one fails here, with the line to add.
 */
class LicenseHeadersTest {
    static final String TAG = "SPDX-License-Identifier: Apache-2.0";
    /** Build output, version control, and data read by tests (fuzz seeds, fixtures) are not sources. */
    private static final Set<String> SKIPPED_FOLDERS = Set.of("target", ".git", "node_modules", "resources", ".cifuzz-corpus", "results");

    @Test
    void everySourceAndBuildFileHasAnSpdxLine() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("LICENSE")), "not the repository's root: " + root);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> root.relativize(p).toString().isEmpty() || !skipped(root.relativize(p)))
                    .filter(Files::isRegularFile).filter(LicenseHeadersTest::isSource).toList();
        }
        assertTrue(files.size() > 100, "found only " + files.size() + " source files under " + root);
        List<String> missing = files.stream().filter(p -> !hasTag(p)).map(p -> root.relativize(p).toString()).sorted().toList();
        assertTrue(missing.isEmpty(), "files without '" + TAG + "' in their first three lines (add it as a comment, e.g. '// "
                + TAG + "'): " + missing);
    }

    private static boolean skipped(Path relative) {
        for (Path part : relative) if (SKIPPED_FOLDERS.contains(part.toString())) return true;
        return false;
    }

    private static boolean isSource(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(".java") || name.endsWith(".c") || name.endsWith(".h") || name.endsWith(".cmake")
                || name.endsWith(".sh") || name.equals("CMakeLists.txt") || name.equals("pom.xml")
                || p.endsWith(Path.of(".ci", "run"));
    }

    private static boolean hasTag(Path p) {
        try (Stream<String> lines = Files.lines(p, StandardCharsets.UTF_8)) {
            return lines.limit(3).anyMatch(l -> l.contains(TAG));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
