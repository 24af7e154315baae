// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static io.pants.http.client.ClientLoop.await;
import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Servers that break the protocol, on raw sockets: each case fails its request with a clear
 * {@link HttpClientException}, and the next request (on a new connection) works: a bad response
 * never poisons the pool.
 */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientBadPeerTest {
    private static final String GOOD = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood";

    /**
     * A server whose first connection answers its first request with {@code bad} (then closes, if
     * {@code closeAfter}), and whose later connections answer every request well.
     */
    private static RawServer badThenGood(String bad, boolean closeAfter) throws Exception {
        return new RawServer((c, index) -> {
            if (index == 0) {
                c.readRequest();
                c.send(bad);
                if (!closeAfter) c.awaitClientClose();
                return;
            }
            while (c.readRequest() != null) c.send(GOOD);
        });
    }

    /** Sends a request to {@code bad}, expects it to fail saying {@code expected}, then a good request on a new connection. */
    private static void failsThenRecovers(String backend, String bad, boolean closeAfter, String expected) throws Exception {
        try (RawServer s = badThenGood(bad, closeAfter); ClientLoop c = new ClientLoop(backend)) {
            Throwable e = failure(c.client.get(s.url("/bad")), "the request to a bad server");
            assertInstanceOf(HttpClientException.class, e, String.valueOf(e));
            assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + s.port()), "names the server: " + e.getMessage());
            assertEquals("good", await(c.client.get(s.url("/next")), "the next request").bodyText());
            assertEquals(2, s.accepted(), "the next request went on a new connection");
            s.check();
        }
    }

    @BackendTest
    void aMalformedStatusLine(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 OK 200\r\nContent-Length: 0\r\n\r\n", false, "malformed response status line: 'HTTP/1.1 OK 200'");
    }

    @BackendTest
    void notHttpAtAll(String backend) throws Exception {
        failsThenRecovers(backend, "SSH-2.0-OpenSSH_9.2\r\n\r\n", false, "malformed response status line");
    }

    @BackendTest
    void aMalformedHeader(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nX-Bad@Name: 4\r\n\r\ngood", false, "malformed response head: malformed header field");
    }

    @BackendTest
    void whiteSpaceBeforeAColon(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nContent-Length : 4\r\n\r\ngood", false,
                "malformed response head: white space between a field name and its colon");
    }

    @BackendTest
    void aBareLineFeed(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\nContent-Length: 4\r\n\r\ngood", false, "malformed response head: a line ends in a bare LF");
    }

    @BackendTest
    void differingContentLengths(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\ngood", false, "differing Content-Length");
    }

    @BackendTest
    void aBodyLongerThanAnnounced(String backend) throws Exception {
        // one write: the extra bytes come with the body, so the response is seen to be too long
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood and then some", false,
                "14 bytes more than the response's Content-Length announced");
    }

    @BackendTest
    void aChunkLongerThanItsSize(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", false,
                "malformed response body: chunk data not followed by CRLF");
    }

    @BackendTest
    void aBodyShorterThanAnnounced(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true,
                "closed the connection after 5 of the 10 body bytes announced");
    }

    @BackendTest
    void aCloseInTheMiddleOfAChunkedBody(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", true,
                "closed the connection in the middle of the chunked body");
    }

    @BackendTest
    void aCloseInTheMiddleOfTheHead(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nContent-Le", true, "closed the connection in the middle of the response head");
    }

    @BackendTest
    void aCloseBeforeAnyAnswer(String backend) throws Exception {
        failsThenRecovers(backend, "", true, "closed the connection before answering");
    }

    @BackendTest
    void aHeadOverTheLimit(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nX-Big: " + "x".repeat(70_000) + "\r\n\r\n", false, "malformed response head: header line over 65536 bytes");
    }

    @BackendTest
    void aHeadOfManyLinesOverTheLimit(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\n" + "X-Many: a line of forty characters or so....\r\n".repeat(2000) + "\r\n", false,
                "malformed response head: response head over 65536 bytes");
    }

    @BackendTest
    void aCorruptGzipBody(String backend) throws Exception {
        failsThenRecovers(backend, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\nnot gzip!!!!", false,
                "the body is not gzip");
    }

    /** A response that never ends: its request fails when the request timeout passes, and the pool carries on. */
    @BackendTest
    void aResponseThatNeverEnds(String backend) throws Exception {
        try (RawServer s = new RawServer((c, index) -> {
            if (index == 0) {
                c.readRequest();
                // the head and a chunk, and then neither the last chunk nor a close: the response never ends
                c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n");
                c.awaitClientClose();
                return;
            }
            while (c.readRequest() != null) c.send(GOOD);
        }); ClientLoop c = new ClientLoop(backend)) {
            Throwable e = failure(c.client.request("GET", s.url("/forever")).timeout(Duration.ofMillis(300)).send(), "a never-ending response");
            HttpClientTimeoutException t = assertInstanceOf(HttpClientTimeoutException.class, e);
            assertEquals(HttpClientTimeoutException.Timeout.REQUEST, t.timeout());
            assertTrue(e.getMessage().contains("took over its timeout of 300 ms"), e.getMessage());
            assertEquals("good", await(c.client.get(s.url("/next")), "the next request").bodyText());
            c.until("the never-ending connection is closed, the good one idle", () -> c.client.openConnections() == 1
                    && c.client.idleConnections() == 1);
            assertEquals(2, s.accepted());
            s.check();
        }
    }

    /** Bytes the server sends while a connection is idle in the pool: the connection is closed, not reused. */
    @BackendTest
    void bytesOnAnIdleConnectionCloseIt(String backend) throws Exception {
        try (RawServer s = new RawServer((c, index) -> {
            c.readRequest();
            c.send(GOOD);
            if (index == 0) {
                c.send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate"); // an answer to nothing
                c.awaitClientClose();
            } else {
                c.awaitClientClose();
            }
        }); ClientLoop c = new ClientLoop(backend)) {
            // the first response and the stray one may come in one read (then it is "longer than
            // announced") or in two (then the idle connection closes): either way, not reused
            c.client.get(s.url("/1")).exceptionally(e -> null).get(io.pants.LoopThread.WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            c.until("the connection that got stray bytes is closed", () -> c.client.openConnections() == 0);
            assertEquals("good", await(c.client.get(s.url("/2")), "the next request").bodyText());
            assertEquals(2, s.accepted());
        }
    }
}
