// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.BackendTest;
import io.pants.http.JdkClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FileServer mounted at /static over a tree with files, an index, odd names and symbolic links
 * that lead out of the root; a secret file sits next to the root. Paths that try to get out are
 * sent on a raw socket, as a client would normalise them.
 */
@JdkClient.Uses
class FileServerTest {
    private static final String SECRET = "THE SECRET";
    private static final String ODD = "<b>&\"q'.txt";
    private static Path base, root;

    @BeforeAll
    static void tree() throws IOException {
        base = Files.createTempDirectory("pants-files");
        Files.writeString(base.resolve("secret.txt"), SECRET);
        Files.createDirectory(base.resolve("outside"));
        Files.writeString(base.resolve("outside/x.txt"), SECRET);
        root = Files.createDirectory(base.resolve("public"));
        Files.writeString(root.resolve("hello.txt"), "hello, file\n");
        Files.createDirectories(root.resolve("sub/deeper"));
        Files.writeString(root.resolve("sub/a.txt"), "a");
        Files.writeString(root.resolve("sub/" + ODD), "odd");
        Files.writeString(root.resolve("sub/space name \u00e9.txt"), "spaced");
        Files.createDirectory(root.resolve("site"));
        Files.writeString(root.resolve("site/index.html"), "<h1>the site</h1>");
        Files.writeString(root.resolve("site/other.html"), "<p>other</p>");
        Files.createDirectory(root.resolve("empty"));
        Files.createDirectory(root.resolve("example.org"));
        Files.createSymbolicLink(root.resolve("out-link.txt"), base.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("out-dir"), base.resolve("outside"));
        Files.createSymbolicLink(root.resolve("relative-out.txt"), Path.of("../secret.txt"));
        Files.createSymbolicLink(root.resolve("in-link.txt"), root.resolve("hello.txt"));
        Files.createDirectory(root.resolve("linked-index"));
        Files.createSymbolicLink(root.resolve("linked-index/index.html"), base.resolve("secret.txt"));
        Files.writeString(root.resolve(".env"), "PASSWORD=" + SECRET);
        Files.createDirectory(root.resolve(".git"));
        Files.writeString(root.resolve(".git/config"), SECRET);
        Files.writeString(root.resolve("sub/.hidden.txt"), SECRET);
        Files.createSymbolicLink(root.resolve("to-hidden.txt"), root.resolve(".env"));
        Files.createDirectory(root.resolve("hidden-index"));
        Files.writeString(root.resolve("hidden-index/.index.html"), SECRET);
    }

    @AfterAll
    static void removeTree() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static TestApp start(String backend) throws Exception {
        return TestApp.start(backend, app -> app
                .mount("/static", new FileServer(root))
                .mount("/quiet/", new FileServer(root).listDirectories(false).indexFiles("other.html", "index.html"))
                .mount("/all/", new FileServer(root).serveHiddenFiles(true).indexFiles(".index.html"))
                .route("/", request -> "the app"));
    }

    @BackendTest
    void filesAreSentWithTheirTypeAndValidators(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            HttpResponse<String> r = t.get("/static/hello.txt");
            assertEquals(200, r.statusCode());
            assertEquals("hello, file\n", r.body());
            assertEquals("text/plain; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
            assertTrue(r.headers().firstValue("etag").isPresent() && r.headers().firstValue("last-modified").isPresent(), r.headers().map().toString());
            assertEquals("spaced", t.get("/static/sub/space%20name%20%C3%A9.txt").body(), "a name to percent-decode");
            assertEquals("hello, file\n", t.get("/static/in-link.txt").body(), "a link that stays inside is followed");
            assertEquals("hello, file\n", t.get("/static//hello.txt").body(), "an empty segment is no segment");
            assertEquals("the app", t.get("/").body(), "other routes still answer");
        }
    }

    @BackendTest
    void rangesConditionalsAndHeadComeFromTheHttpLayer(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            String etag = t.get("/static/hello.txt").headers().firstValue("etag").orElseThrow();

            TestApp.Raw part = t.raw("GET", "/static/hello.txt", "Range: bytes=0-4\r\n");
            assertEquals(206, part.status(), part.toString());
            assertEquals("hello", part.text());
            assertEquals("bytes 0-4/12", part.header("Content-Range"));

            TestApp.Raw beyond = t.raw("GET", "/static/hello.txt", "Range: bytes=100-\r\n");
            assertEquals(416, beyond.status());

            TestApp.Raw cached = t.raw("GET", "/static/hello.txt", "If-None-Match: " + etag + "\r\n");
            assertEquals(304, cached.status(), cached.toString());
            assertEquals(0, cached.body().length);

            TestApp.Raw head = t.raw("HEAD", "/static/hello.txt");
            assertEquals(200, head.status());
            assertEquals("12", head.header("Content-Length"));
            assertEquals(0, head.body().length, "HEAD: no body");

            TestApp.Raw post = t.raw("POST", "/static/hello.txt", "Content-Length: 0\r\n");
            assertEquals(405, post.status(), "a mount answers GET and HEAD");
            assertEquals(List.of("GET", "HEAD", "OPTIONS"), List.of(post.header("Allow").split(", ")));
        }
    }

    @BackendTest
    void directoriesGetTheirIndexOrAListing(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            assertEquals("<h1>the site</h1>", t.get("/static/site/").body());
            HttpResponse<String> noSlash = t.get("/static/site?x=1");
            assertEquals(301, noSlash.statusCode(), "a directory without its slash redirects");
            assertEquals("/static/site/?x=1", noSlash.headers().firstValue("location").orElse(null));
            HttpResponse<String> mount = t.get("/static");
            assertEquals(301, mount.statusCode());
            assertEquals("/static/", mount.headers().firstValue("location").orElse(null));

            HttpResponse<String> rootList = t.get("/static/");
            assertEquals(200, rootList.statusCode());
            assertEquals("text/html; charset=utf-8", rootList.headers().firstValue("content-type").orElse(null));
            String top = rootList.body();
            for (String entry : List.of("href=\"hello.txt\"", "href=\"sub/\"", "href=\"site/\"", "href=\"empty/\"", "href=\"in-link.txt\"")) {
                assertTrue(top.contains(entry), "the root listing lacks " + entry + ":\n" + top);
            }
            for (String hidden : List.of("out-link", "out-dir", "relative-out", "../")) {
                assertFalse(top.contains(hidden), "the root listing shows " + hidden + ":\n" + top);
            }

            String sub = t.get("/static/sub/").body();
            assertTrue(sub.contains("<title>Index of /static/sub/</title>"), sub);
            assertTrue(sub.contains("<a href=\"../\">../</a>"), "a link up inside the root: " + sub);
            assertTrue(sub.contains("<a href=\"%3Cb%3E%26%22q%27.txt\">&lt;b&gt;&amp;&quot;q&#39;.txt</a>"),
                    "an odd name, escaped in the text and encoded in the link:\n" + sub);
            assertFalse(sub.contains("<b>"), "a file name became markup:\n" + sub);
            assertTrue(sub.contains("href=\"space%20name%20%C3%A9.txt\""), sub);
            assertTrue(sub.contains("href=\"deeper/\""), sub);
            assertEquals("odd", t.get("/static/sub/%3Cb%3E%26%22q%27.txt").body(), "the listing's link leads to the file");

            String empty = t.get("/static/empty/").body();
            assertEquals(1, empty.split("<li>", -1).length - 1, "an empty directory lists only its way up:\n" + empty);
        }
    }

    @BackendTest
    void aRedirectStaysOnThisSite(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app.mount("/", new FileServer(root)))) {
            TestApp.Raw r = t.raw("GET", "//example.org");
            assertEquals(301, r.status(), r.toString());
            assertEquals("/example.org/", r.header("Location"), "not //example.org/, a link to another site");
            assertTrue(t.get("/").body().contains("href=\"hello.txt\""), "mounted at /, the root lists itself");
        }
    }

    @BackendTest
    void indexFilesAndListingAreSettable(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            assertEquals("<p>other</p>", t.get("/quiet/site/").body(), "the first index file found wins");
            HttpResponse<String> noListing = t.get("/quiet/sub/");
            assertEquals(403, noListing.statusCode(), "listing is off");
            assertEquals("hello, file\n", t.get("/quiet/hello.txt").body());
            assertThrows(IllegalArgumentException.class, () -> new FileServer(root).indexFiles("../x.html"));
            assertThrows(IllegalArgumentException.class, () -> new FileServer(root.resolve("hello.txt")));
            assertThrows(IllegalArgumentException.class, () -> new FileServer(root.resolve("missing")));
        }
    }

    @BackendTest
    void hiddenFilesAreNotThereUnlessTurnedOn(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            for (String path : List.of("/static/.env", "/static/.git/config", "/static/.git/", "/static/.git",
                    "/static/sub/.hidden.txt", "/static/%2eenv", "/static/to-hidden.txt")) {
                TestApp.Raw r = t.raw("GET", path);
                assertEquals(404, r.status(), path + ": " + r);
                assertFalse(r.text().contains(SECRET), path + " showed the secret: " + r);
            }
            String top = t.get("/static/").body();
            for (String hidden : List.of(".env", ".git", "to-hidden")) {
                assertFalse(top.contains(hidden), "the root listing shows " + hidden + ":\n" + top);
            }
            assertFalse(t.get("/static/sub/").body().contains(".hidden"), "the listing of sub/ shows .hidden.txt");
            assertFalse(t.get("/static/hidden-index/").body().contains(".index"), "a hidden file listed");

            // turned on, they are files like any other
            assertEquals("PASSWORD=" + SECRET, t.get("/all/.env").body());
            assertEquals("PASSWORD=" + SECRET, t.get("/all/to-hidden.txt").body());
            assertEquals(SECRET, t.get("/all/.git/config").body());
            assertEquals(SECRET, t.get("/all/hidden-index/").body(), "a hidden index file");
            String all = t.get("/all/").body();
            assertTrue(all.contains("href=\".env\"") && all.contains("href=\".git/\""), all);
        }
    }

    @BackendTest
    void whatIsNotThereIs404(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            for (String path : List.of("/static/missing.txt", "/static/hello.txt/", "/static/hello.txt/x",
                    "/static/sub/missing/", "/static/%252e%252e/secret.txt")) {
                TestApp.Raw r = t.raw("GET", path);
                assertEquals(404, r.status(), path + ": " + r);
            }
            // an absolute path after the prefix stays under the root
            TestApp.Raw absolute = t.raw("GET", "/static/" + base.resolve("secret.txt"));
            assertEquals(404, absolute.status(), absolute.toString());
            assertFalse(absolute.text().contains(SECRET));
        }
    }

    @BackendTest
    void everyWayOutOfTheRootIs403(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            for (String path : List.of(
                    "/static/../secret.txt",
                    "/static/sub/../../secret.txt",
                    "/static/%2e%2e/secret.txt",
                    "/static/%2E%2E/secret.txt",
                    "/static/.%2e/secret.txt",
                    "/static/sub/..%2f..%2fsecret.txt",
                    "/static/sub/%2e%2e%2F%2e%2e%2Fsecret.txt",
                    "/static/..%5csecret.txt",
                    "/static/sub%5c..%5c..%5csecret.txt",
                    "/static/sub\\..\\..\\secret.txt", // a raw backslash: the HTTP layer lets it through
                    "/static/./hello.txt",
                    "/static/..",
                    "/static/out-link.txt",
                    "/static/relative-out.txt",
                    "/static/out-dir/x.txt",
                    "/static/out-dir/",
                    "/static/out-dir",
                    "/static/linked-index/",
                    "/quiet/../secret.txt")) {
                TestApp.Raw r = t.raw("GET", path);
                assertEquals(403, r.status(), path + ": " + r);
                assertFalse(r.text().contains(SECRET), path + " leaked the secret");
            }
        }
    }

    @BackendTest
    void nulAndOverlongEncodingsNeverReachTheFileServer(String backend) throws Exception {
        try (TestApp t = start(backend)) {
            for (String path : List.of("/static/hello.txt%00.html", "/static/%00/../secret.txt", "/static/%C0%AE%C0%AE/secret.txt")) {
                TestApp.Raw r = t.raw("GET", path);
                assertEquals(400, r.status(), "the HTTP layer refuses " + path + ": " + r);
                assertFalse(r.text().contains(SECRET));
            }
        }
    }
}
