// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.BackendTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sendFile: validators, conditional requests, ranges, HEAD, and big files through sendfile. */
@JdkClient.Uses
class HttpFileTest {
    private Path dir, big, text;
    private byte[] bigContent;
    /** The file's modification time, whole seconds, as HTTP dates have. */
    private static final Instant MODIFIED = Instant.parse("2024-05-17T10:20:30Z");

    @BeforeEach
    void files() throws IOException {
        dir = Files.createTempDirectory("pants-files");
        bigContent = new byte[3_000_000]; // many socket buffers' worth: sendfile goes partial and resumes
        for (int i = 0; i < bigContent.length; i++) bigContent[i] = (byte) (i * 131 + i / 4096);
        big = Files.write(dir.resolve("big.bin"), bigContent);
        text = Files.writeString(dir.resolve("hello.txt"), "0123456789abcdefghij");
        Files.setLastModifiedTime(text, FileTime.from(MODIFIED));
        Files.createDirectory(dir.resolve("sub"));
    }

    @AfterEach
    void removeFiles() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private TestServer serve(String backend) throws Exception {
        return TestServer.start(backend, r -> r.sendFile(dir.resolve(r.path().substring(1))));
    }

    private static String get(String path, String... headers) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + String.join("", Arrays.stream(headers).map(h -> h + "\r\n").toList()) + "\r\n";
    }

    @BackendTest
    void aFileComesWithItsValidatorsAndType(String backend) throws Exception {
        try (TestServer s = serve(backend); RawClient c = s.connect()) {
            c.send(get("/hello.txt"));
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("0123456789abcdefghij", r.text());
            assertEquals("20", r.header("Content-Length"));
            assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
            assertEquals("Fri, 17 May 2024 10:20:30 GMT", r.header("Last-Modified"));
            assertEquals("bytes", r.header("Accept-Ranges"));
            String etag = r.header("ETag");
            assertTrue(etag != null && etag.startsWith("\"") && etag.endsWith("\""), "a strong ETag: " + etag);

            // a big one, with the JDK client and curl: every byte, through sendfile where there is one
            HttpResponse<byte[]> jdk = JdkClient.get().send(HttpServerTest.request(s.uri("/big.bin")).build(), BodyHandlers.ofByteArray());
            assertEquals("application/octet-stream", jdk.headers().firstValue("content-type").orElse(null));
            assertArrayEquals(bigContent, jdk.body());
            Curl.Result curl = Curl.run(s.url("/big.bin"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertArrayEquals(bigContent, curl.stdout());
        }
    }

    @BackendTest
    void conditionalRequestsGet304(String backend) throws Exception {
        try (TestServer s = serve(backend); RawClient c = s.connect()) {
            c.send(get("/hello.txt"));
            String etag = c.read().header("ETag");

            c.send(get("/hello.txt", "If-None-Match: " + etag));
            RawClient.Response same = c.read();
            assertEquals(304, same.status());
            assertEquals(etag, same.header("ETag"));
            assertNull(same.header("Content-Length"));
            assertEquals(0, same.body().length);

            c.send(get("/hello.txt", "If-None-Match: \"other\", W/" + etag)); // weak comparison, in a list
            assertEquals(304, c.read().status());
            c.send(get("/hello.txt", "If-None-Match: *"));
            assertEquals(304, c.read().status());
            c.send(get("/hello.txt", "If-None-Match: \"other\""));
            assertEquals(200, c.read().status());
            // If-None-Match decides alone when present
            c.send(get("/hello.txt", "If-None-Match: \"other\"", "If-Modified-Since: Fri, 17 May 2024 10:20:30 GMT"));
            assertEquals(200, c.read().status());

            c.send(get("/hello.txt", "If-Modified-Since: Fri, 17 May 2024 10:20:30 GMT"));
            assertEquals(304, c.read().status());
            c.send(get("/hello.txt", "If-Modified-Since: Sat, 18 May 2024 00:00:00 GMT"));
            assertEquals(304, c.read().status());
            c.send(get("/hello.txt", "If-Modified-Since: Friday, 17-May-24 10:20:30 GMT")); // the obsolete RFC 850 form
            assertEquals(304, c.read().status());
            c.send(get("/hello.txt", "If-Modified-Since: Fri May 17 10:20:30 2024")); // and asctime
            assertEquals(304, c.read().status());
            c.send(get("/hello.txt", "If-Modified-Since: Fri, 17 May 2024 10:20:29 GMT"));
            assertEquals(200, c.read().status(), "modified a second after the date");
            c.send(get("/hello.txt", "If-Modified-Since: yesterday"));
            assertEquals(200, c.read().status(), "an invalid date is ignored");
        }
    }

    @BackendTest
    void singleRangesGet206AndUnsatisfiableOnes416(String backend) throws Exception {
        try (TestServer s = serve(backend); RawClient c = s.connect()) {
            c.send(get("/hello.txt", "Range: bytes=2-5"));
            RawClient.Response part = c.read();
            assertEquals(206, part.status());
            assertEquals("2345", part.text());
            assertEquals("bytes 2-5/20", part.header("Content-Range"));
            assertEquals("4", part.header("Content-Length"));

            c.send(get("/hello.txt", "Range: bytes=15-"));
            assertEquals("fghij", c.read().text());
            c.send(get("/hello.txt", "Range: bytes=-3"));
            RawClient.Response suffix = c.read();
            assertEquals("hij", suffix.text());
            assertEquals("bytes 17-19/20", suffix.header("Content-Range"));
            c.send(get("/hello.txt", "Range: bytes=10-1000"));
            assertEquals("abcdefghij", c.read().text(), "a range past the end is cut at the end");
            c.send(get("/hello.txt", "Range: bytes=-100"));
            assertEquals(206, c.read().status());

            c.send(get("/hello.txt", "Range: bytes=20-"));
            RawClient.Response outside = c.read();
            assertEquals(416, outside.status());
            assertEquals("bytes */20", outside.header("Content-Range"));
            c.send(get("/hello.txt", "Range: bytes=-0"));
            assertEquals(416, c.read().status());

            // ignored, whole file: several ranges, another unit, nonsense, an If-Range that doesn't match
            for (String ignored : new String[] {"Range: bytes=0-1,5-6", "Range: items=0-1", "Range: bytes=5-2", "Range: bytes=x-y"}) {
                c.send(get("/hello.txt", ignored));
                RawClient.Response whole = c.read();
                assertEquals(200, whole.status(), ignored);
                assertEquals("0123456789abcdefghij", whole.text(), ignored);
            }
            c.send(get("/hello.txt"));
            String etag = c.read().header("ETag");
            c.send(get("/hello.txt", "Range: bytes=0-1", "If-Range: " + etag));
            assertEquals(206, c.read().status());
            c.send(get("/hello.txt", "Range: bytes=0-1", "If-Range: \"changed\""));
            assertEquals(200, c.read().status());
            c.send(get("/hello.txt", "Range: bytes=0-1", "If-Range: Fri, 17 May 2024 10:20:30 GMT"));
            assertEquals(206, c.read().status());

            // a range of the big file, with curl
            Curl.Result curl = Curl.run("--range", "1000000-1999999", s.url("/big.bin"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertArrayEquals(Arrays.copyOfRange(bigContent, 1_000_000, 2_000_000), curl.stdout());
        }
    }

    @BackendTest
    void headGetsTheHeadOnly(String backend) throws Exception {
        try (TestServer s = serve(backend); RawClient c = s.connect()) {
            c.send("HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response head = c.read(true);
            assertEquals(200, head.status());
            assertEquals(String.valueOf(bigContent.length), head.header("Content-Length"));
            assertNotNull(head.header("ETag"));
            // a body in between would be read as this response's status line
            c.send(get("/hello.txt"));
            assertEquals("0123456789abcdefghij", c.read().text());
        }
    }

    @BackendTest
    void whatIsNotARegularFileIs404(String backend) throws Exception {
        try (TestServer s = serve(backend); RawClient c = s.connect()) {
            c.send(get("/missing.txt"));
            assertEquals(404, c.read().status());
            c.send(get("/sub"));
            assertEquals(404, c.read().status(), "a directory");
            c.send(get("/hello.txt"));
            assertEquals(200, c.read().status(), "the connection goes on");
        }
    }

    @BackendTest
    void anEmptyFileIsAnEmptyBody(String backend) throws Exception {
        Files.write(dir.resolve("empty"), new byte[0]);
        try (TestServer s = serve(backend); RawClient c = s.connect()) {
            c.send(get("/empty"));
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("0", r.header("Content-Length"));
            c.send(get("/hello.txt"));
            assertEquals(200, c.read().status());
        }
    }
}
