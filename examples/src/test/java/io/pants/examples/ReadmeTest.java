// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The README shows the examples as they are: its first Java block is EchoServer.java. */
class ReadmeTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("^```java\\n(.*?)^```", Pattern.DOTALL | Pattern.MULTILINE);

    private static String read(String property, String relative) throws IOException {
        String base = System.getProperty(property);
        if (base == null) fail("system property " + property + " is not set; run the tests with Maven");
        Path path = relative == null ? Path.of(base) : Path.of(base, relative);
        return Files.readString(path).replace("\r\n", "\n");
    }

    @Test
    void theFirstJavaBlockIsTheEchoExampleSource() throws IOException {
        String readme = read("pants.readme", null);
        Matcher m = JAVA_BLOCK.matcher(readme);
        assertTrue(m.find(), "README.md has no ```java block");
        assertShowsWholeSource(m.group(1), "EchoServer.java", "README.md's first Java block");
    }

    @Test
    void theHttpSectionShowsTheHttpHelloExampleSource() throws IOException {
        assertShowsWholeSource(blockShowing("HttpHello"), "HttpHello.java", "README.md's HTTP example");
    }

    @Test
    void theHttpClientSectionShowsTheHttpGetExampleSource() throws IOException {
        assertShowsWholeSource(blockShowing("HttpGet"), "HttpGet.java", "README.md's HTTP client example");
    }

    /** The README's last ```java block that shows the class {@code name}. */
    private static String blockShowing(String name) throws IOException {
        Matcher m = JAVA_BLOCK.matcher(read("pants.readme", null));
        String shown = null;
        while (m.find()) {
            if (m.group(1).contains("public class " + name)) shown = m.group(1);
        }
        assertTrue(shown != null, "README.md shows no ```java block with " + name);
        return shown;
    }

    /** The program from its imports on: the package line is the only thing the README leaves out. */
    private static void assertShowsWholeSource(String shown, String file, String where) throws IOException {
        String source = read("pants.examples.sources", "io/pants/examples/" + file);
        int imports = source.indexOf("\nimport ");
        assertTrue(imports >= 0, file + " has no imports");
        String program = source.substring(imports + 1);
        assertEquals(stripTrailingSpace(program), stripTrailingSpace(shown),
                where + " and examples/src/main/java/io/pants/examples/" + file
                        + " have drifted apart: copy the source (from its first import) into the README");
    }

    @Test
    void theReadmeSaysHowToRunEveryExample() throws IOException {
        String readme = read("pants.readme", null);
        for (Main.Example e : Main.EXAMPLES) {
            assertTrue(readme.contains("java -jar examples/target/pants-examples.jar " + e.name() + " "),
                    "README.md does not show how to run the " + e.name() + " example");
        }
        for (String name : List.of("echo", "messages-server", "messages-client", "http-hello", "http-get", "web-hello")) {
            assertTrue(Main.EXAMPLES.stream().anyMatch(e -> e.name().equals(name)), "no example called " + name);
        }
    }

    private static String stripTrailingSpace(String s) {
        return s.lines().map(String::stripTrailing).reduce((a, b) -> a + "\n" + b).orElse("").strip();
    }
}
