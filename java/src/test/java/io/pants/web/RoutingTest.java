// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.BackendTest;
import io.pants.http.BodyListener;
import io.pants.http.HttpRequest;
import io.pants.http.JdkClient;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which handler answers which request: rules with typed parameters, methods, 404, 405, OPTIONS, HEAD. */
@JdkClient.Uses
class RoutingTest {
    @BackendTest
    void helloWorld(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app.route("/", request -> "Hello, World!"))) {
            HttpResponse<String> r = t.get("/");
            assertEquals(200, r.statusCode());
            assertEquals("Hello, World!", r.body());
            assertEquals("text/html; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
            assertEquals(404, t.get("/other").statusCode(), "a path no rule matches");
            assertEquals(404, t.get("//").statusCode(), "rules match the whole path");
        }
    }

    @BackendTest
    void stringParametersAreOneDecodedSegment(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/hello/<name>", request -> "Hello, " + request.param("name") + "!")
                .route("/pair/<a>/<string:b>", request -> request.params().toString()))) {
            assertEquals("Hello, pants!", t.get("/hello/pants").body());
            assertEquals("Hello, caf\u00e9 au lait!", t.get("/hello/caf%C3%A9%20au%20lait").body(), "percent-decoded");
            assertEquals("{a=x, b=y}", t.get("/pair/x/y").body(), "parameters in rule order");
            assertEquals(404, t.get("/hello/").statusCode(), "an empty segment is not a parameter");
            assertEquals(404, t.get("/hello/a/b").statusCode(), "a string parameter holds no slash");
            assertEquals(404, t.get("/hello").statusCode());
        }
    }

    @BackendTest
    void intParametersConvertOrDoNotMatch(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/post/<int:id>", request -> "post " + (request.intParam("id") + 1) + " " + request.params().get("id").getClass().getSimpleName()))) {
            assertEquals("post 42 Integer", t.get("/post/41").body());
            assertEquals("post 8 Integer", t.get("/post/007").body(), "leading zeros");
            assertEquals("post 2147483647 Integer", t.get("/post/2147483646").body(), "the largest int but one");
            for (String bad : List.of("abc", "-1", "+1", "1.5", "2147483648", "99999999999999999999", "1%20", "")) {
                assertEquals(404, t.get("/post/" + bad).statusCode(), "'" + bad + "' is no int: the route does not match");
            }
        }
    }

    @BackendTest
    void floatParametersConvertOrDoNotMatch(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/double/<float:x>", request -> String.valueOf(request.floatParam("x") * 2)))) {
            assertEquals("5.0", t.get("/double/2.5").body());
            assertEquals("6.0", t.get("/double/3").body());
            for (String bad : List.of("abc", "-1.5", "1e5", "1.", ".5", "NaN", "Infinity", "9".repeat(400))) {
                assertEquals(404, t.get("/double/" + bad).statusCode(), "'" + bad + "' is no float: the route does not match");
            }
        }
    }

    @BackendTest
    void pathParametersTakeTheRestWithSlashes(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/files/<path:rest>", request -> "[" + request.param("rest") + "]")
                .route("/wrap/<path:middle>/end", request -> "(" + request.param("middle") + ")"))) {
            assertEquals("[a/b/c.txt]", t.get("/files/a/b/c.txt").body());
            assertEquals("[x]", t.get("/files/x").body());
            assertEquals("[a b/\u00e9]", t.get("/files/a%20b/%C3%A9").body());
            assertEquals("(a/b)", t.get("/wrap/a/b/end").body());
            assertEquals(404, t.get("/files/").statusCode(), "a path parameter is not empty");
        }
    }

    @BackendTest
    void theFirstMatchingRouteWinsInTheOrderAdded(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/post/new", request -> "the form for a new post")
                .route("/post/<int:id>", request -> "post " + request.intParam("id"))
                .route("/post/<slug>", request -> "post named " + request.param("slug")))) {
            assertEquals("the form for a new post", t.get("/post/new").body());
            assertEquals("post 3", t.get("/post/3").body());
            assertEquals("post named hello", t.get("/post/hello").body(), "an int that does not convert falls through to the next rule");
        }
    }

    @BackendTest
    void eachRouteAnswersItsMethods(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/item", Set.of("GET", "POST"), request -> request.method() + " " + request.bodyText())
                .delete("/item", request -> "deleted")
                .put("/item/<int:id>", request -> "put " + request.intParam("id"))
                .post("/form", request -> "hi " + request.formField("who")))) {
            assertEquals("GET ", t.get("/item").body());
            assertEquals("POST body", t.send(t.request("/item").POST(BodyPublishers.ofString("body"))).body());
            assertEquals("deleted", t.send(t.request("/item").DELETE()).body(), "a second route for the same path");
            assertEquals("put 5", t.send(t.request("/item/5").PUT(BodyPublishers.ofString(""))).body());
            HttpResponse<String> form = t.send(t.request("/form").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(BodyPublishers.ofString("who=pants+team")));
            assertEquals("hi pants team", form.body());

            HttpResponse<String> put = t.send(t.request("/item").PUT(BodyPublishers.ofString("x")));
            assertEquals(405, put.statusCode());
            assertEquals(Set.of("DELETE", "GET", "HEAD", "OPTIONS", "POST"), allow(put.headers().firstValue("allow").orElse(null)),
                    "Allow: every method of every route for the path");
            assertEquals("405 Method Not Allowed\n", put.body());
            HttpResponse<String> get = t.get("/form");
            assertEquals(405, get.statusCode());
            assertEquals(Set.of("OPTIONS", "POST"), allow(get.headers().firstValue("allow").orElse(null)), "no HEAD without GET");
            assertEquals(405, t.raw("BREW", "/item").status(), "an unknown method on a known path");
            assertEquals(404, t.raw("BREW", "/nothing").status(), "an unknown method on an unknown path");
        }
    }

    @BackendTest
    void optionsIsAnsweredWithAllowUnlessARouteAnswersIt(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/item", Set.of("GET", "POST"), request -> "item")
                .route("/custom", Set.of("GET", "OPTIONS"), request -> request.method().equals("OPTIONS") ? "my options" : "custom"))) {
            HttpResponse<String> o = t.send(t.request("/item").method("OPTIONS", BodyPublishers.noBody()));
            assertEquals(204, o.statusCode());
            assertEquals(Set.of("GET", "HEAD", "OPTIONS", "POST"), allow(o.headers().firstValue("allow").orElse(null)));
            assertEquals("", o.body());
            assertEquals(404, t.send(t.request("/nothing").method("OPTIONS", BodyPublishers.noBody())).statusCode());
            assertEquals("my options", t.send(t.request("/custom").method("OPTIONS", BodyPublishers.noBody())).body());

            TestApp.Raw star = t.raw("OPTIONS", "*");
            assertEquals(204, star.status(), star.toString());
            assertEquals(Set.of("GET", "HEAD", "OPTIONS", "POST"), allow(star.header("Allow")), "OPTIONS *: every method of the application");
        }
    }

    @BackendTest
    void headIsGetWithoutTheBodyUnlessARouteAnswersIt(String backend) throws Exception {
        try (TestApp t = TestApp.start(backend, app -> app
                .route("/", request -> "Hello, World!")
                .route("/own", Set.of("HEAD"), request -> new Response(200).header("X-Head", "own"))
                .route("/own", request -> "from GET"))) {
            TestApp.Raw head = t.raw("HEAD", "/");
            assertEquals(200, head.status());
            assertEquals("13", head.header("Content-Length"), "the length GET's body would have");
            assertEquals("text/html; charset=utf-8", head.header("Content-Type"));
            assertEquals(0, head.body().length, "a HEAD response carries no body: " + head);

            TestApp.Raw own = t.raw("HEAD", "/own");
            assertEquals("own", own.header("X-Head"), "the HEAD route answers HEAD, not the GET route: " + own);
            assertEquals(0, own.body().length);
            assertEquals("from GET", t.get("/own").body());
            assertEquals(404, t.raw("HEAD", "/missing").status());
        }
    }

    @BackendTest
    void badRulesAreRefusedWhenAdded(String backend) {
        Application app = new Application();
        Handler h = request -> "x";
        assertThrows(IllegalArgumentException.class, () -> app.route("no-slash", h));
        assertThrows(IllegalArgumentException.class, () -> app.route("/<uuid:id>", h), "unknown converter");
        assertThrows(IllegalArgumentException.class, () -> app.route("/<a>/<a>", h), "repeated name");
        assertThrows(IllegalArgumentException.class, () -> app.route("/<a", h), "unclosed parameter");
        assertThrows(IllegalArgumentException.class, () -> app.route("/x", Set.of(), h), "no methods");
        assertThrows(IllegalArgumentException.class, () -> app.route("/x", Set.of("GE T"), h), "not a method token");
        assertThrows(IllegalArgumentException.class, () -> app.mount("static", h));
        assertNull(new Route("/a/<int:n>", Set.of("GET"), h).match("/a/b"), "the rule compiled after all the refusals");
    }

    static Set<String> allow(String header) {
        assertTrue(header != null, "no Allow header");
        return new HashSet<>(Arrays.asList(header.split(", ")));
    }

    /** An upload route on a server that streams its bodies: the handler takes the body through the HTTP request. */
    @BackendTest
    void aRouteCanReadAStreamedUpload(String backend) throws Exception {
        byte[] upload = new byte[12 << 20]; // over the limit of bodies read whole
        Arrays.fill(upload, (byte) 'u');
        try (TestApp t = TestApp.start(backend, app -> app.post("/upload", request -> {
                    HttpRequest http = request.startAsync();
                    long[] size = {0};
                    http.onBody(new BodyListener() {
                        @Override
                        public void onData(byte[] part) { size[0] += part.length; }

                        @Override
                        public void onEnd() { http.sendResponse("stored " + size[0]); }
                    });
                    return null;
                }),
                server -> server.streamBodies(r -> r.path().equals("/upload")))) {
            HttpResponse<String> r = t.send(t.request("/upload").POST(BodyPublishers.ofByteArray(upload)));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("stored " + upload.length, r.body());
        }
    }
}
