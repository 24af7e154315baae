// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.http.HttpHeaders;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.pants.http.client.ClientLoop.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Each timeout on its own, with short settings, and cancellation: the request fails, its connection closes. */
@ExtendWith(NoDescriptorLeaks.class)
class HttpClientTimeoutTest {
    private static HttpClientTimeoutException timeout(Throwable e, HttpClientTimeoutException.Timeout which) {
        HttpClientTimeoutException t = assertInstanceOf(HttpClientTimeoutException.class, e, String.valueOf(e));
        assertEquals(which, t.timeout(), t.getMessage());
        return t;
    }

    /** A server that reads the request and answers {@code answer} (maybe nothing), then waits for the client to close. */
    private static RawServer answersThenWaits(String answer, CountDownLatch clientClosed) throws Exception {
        return new RawServer((c, index) -> {
            c.readRequest();
            if (!answer.isEmpty()) c.send(answer);
            c.awaitClientClose();
            clientClosed.countDown();
        });
    }

    @BackendTest
    void connectTimeout(String backend) throws Exception {
        // a listener whose accept queue is full and that never accepts: connecting to it hangs
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                boolean hung = false;
                for (int i = 0; i < 16 && !hung; i++) {
                    Socket f = new Socket();
                    fillers.add(f);
                    try {
                        f.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 200);
                    } catch (IOException e) {
                        hung = true;
                    }
                }
                assumeTrue(hung, "this kernel completes connects beyond the accept queue: no way to make one hang on loopback");
                try (ClientLoop c = new ClientLoop(backend, cl -> cl.connectTimeout(Duration.ofMillis(200)))) {
                    Throwable e = failure(c.client.get("http://127.0.0.1:" + full.getLocalPort() + "/"), "a connect that hangs");
                    HttpClientTimeoutException t = timeout(e, HttpClientTimeoutException.Timeout.CONNECT);
                    assertTrue(t.getMessage().contains("took over 200 ms"), t.getMessage());
                    c.until("nothing is left open", () -> c.client.openConnections() == 0);
                }
            } finally {
                for (Socket f : fillers) f.close();
            }
        }
    }

    @BackendTest
    void aRefusedConnectionFailsClearly(String backend) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (ClientLoop c = new ClientLoop(backend)) {
            Throwable e = failure(c.client.get("http://127.0.0.1:" + port + "/"), "a refused connect");
            assertInstanceOf(HttpClientException.class, e);
            assertTrue(e.getMessage().startsWith("could not connect to http://127.0.0.1:" + port), e.getMessage());
            c.until("nothing is left open", () -> c.client.openConnections() == 0);
        }
    }

    @BackendTest
    void responseHeadTimeout(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = answersThenWaits("", closed);
             ClientLoop c = new ClientLoop(backend, cl -> cl.responseHeadTimeout(Duration.ofMillis(200)))) {
            Throwable e = failure(c.client.get(s.url("/")), "a request never answered");
            timeout(e, HttpClientTimeoutException.Timeout.RESPONSE_HEAD);
            assertTrue(e.getMessage().contains("within 200 ms"), e.getMessage());
            assertTrue(closed.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the connection was closed");
        }
    }

    @BackendTest
    void idleTimeout(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = answersThenWaits("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", closed);
             ClientLoop c = new ClientLoop(backend, cl -> cl.idleTimeout(Duration.ofMillis(200)))) {
            Throwable e = failure(c.client.get(s.url("/")), "a body that stops coming");
            timeout(e, HttpClientTimeoutException.Timeout.IDLE);
            assertTrue(e.getMessage().contains("for 200 ms (idle timeout)"), e.getMessage());
            assertTrue(closed.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the connection was closed");
        }
    }

    @BackendTest
    void requestTimeoutOfTheClient(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = answersThenWaits("", closed);
             ClientLoop c = new ClientLoop(backend, cl -> cl.requestTimeout(Duration.ofMillis(200)))) {
            Throwable e = failure(c.client.get(s.url("/")), "a request that takes too long");
            timeout(e, HttpClientTimeoutException.Timeout.REQUEST);
            assertTrue(closed.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the connection was closed");
        }
    }

    @BackendTest
    void cancellingTheFutureClosesTheConnection(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = answersThenWaits("", closed); ClientLoop c = new ClientLoop(backend)) {
            CompletableFuture<ClientResponse> f = c.client.get(s.url("/"));
            s.nextRequestArrives();
            assertTrue(f.cancel(true));
            assertTrue(closed.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the server saw the connection close");
            c.until("the pool is empty", () -> c.client.openConnections() == 0);
        }
    }

    @BackendTest
    void cancellingAStreamedExchangeTellsItsListener(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = answersThenWaits("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", closed); ClientLoop c = new ClientLoop(backend)) {
            CompletableFuture<ClientResponse> head = new CompletableFuture<>();
            CompletableFuture<Throwable> error = new CompletableFuture<>();
            ClientExchange x = c.client.request("GET", s.url("/")).send(new ResponseListener() {
                @Override public void onResponse(ClientResponse h) { head.complete(h); }
                @Override public void onEnd(HttpHeaders trailers) { error.complete(null); }
                @Override public void onError(Throwable e) { error.complete(e); }
            });
            ClientLoop.await(head, "the head");
            x.cancel(); // from the test thread: handed to the loop
            assertInstanceOf(CancellationException.class, ClientLoop.await(error, "the cancellation"));
            assertTrue(closed.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the server saw the connection close");
            assertTrue(x.isDone());
        }
    }

    @BackendTest
    void cancellingARequestThatWaitsForAConnection(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = answersThenWaits("", closed); ClientLoop c = new ClientLoop(backend, cl -> cl.maxConnectionsPerOrigin(1))) {
            CompletableFuture<ClientResponse> first = c.client.get(s.url("/1"));
            CompletableFuture<ClientResponse> second = c.client.get(s.url("/2"));
            s.nextRequestArrives();
            c.until("the second request waits for the connection", () -> c.client.waitingRequests() == 1);
            assertTrue(second.cancel(true));
            c.until("the cancelled request no longer waits", () -> c.client.waitingRequests() == 0);
            assertTrue(first.cancel(true));
            assertTrue(closed.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            c.until("the pool is empty", () -> c.client.openConnections() == 0);
            assertEquals(1, s.accepted(), "the cancelled waiting request never connected");
        }
    }

    @BackendTest
    void closingTheClientFailsWhatIsOnItsWayAndRefusesMore(String backend) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer s = answersThenWaits("", closed); ClientLoop c = new ClientLoop(backend, cl -> cl.maxConnectionsPerOrigin(1))) {
            CompletableFuture<ClientResponse> onItsWay = c.client.get(s.url("/1"));
            CompletableFuture<ClientResponse> waiting = c.client.get(s.url("/2"));
            s.nextRequestArrives();
            // the second is queued behind the first (sent before close, started after it, it would fail as not sent)
            c.until("the second request waits for the connection", () -> c.client.waitingRequests() == 1);
            c.client.close(); // from the test thread: handed to the loop
            String first = failure(onItsWay, "the request on its way").getMessage();
            assertTrue(first.contains("the HttpClient was closed while GET"), first);
            String second = failure(waiting, "the waiting request").getMessage();
            assertTrue(second.contains("waited for a connection"), second);
            String third = failure(c.client.get(s.url("/3")), "a request after close").getMessage();
            assertTrue(third.contains("the HttpClient is closed"), third);
            assertTrue(closed.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the server saw the connection close");
            c.until("nothing is open", () -> c.client.openConnections() == 0);
        }
    }
}
