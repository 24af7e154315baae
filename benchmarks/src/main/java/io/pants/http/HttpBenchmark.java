// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import io.pants.Engine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP server's own work per request, without the network: parsing a request head
 * ({@code parseHead}: finding its end and parsing it into a request), and a whole request
 * taken from bytes already read ({@code respond}: parse, call the hello-world handler, encode
 * its response and copy it into the connection's output queue). {@code respond} runs on a real
 * connection over loopback; the queued responses are flushed to the client and drained every
 * {@value #BATCH} requests, which adds one write and one read system call per batch.
 *
 * <p>Two request heads: what {@code wrk} sends (a request line and Host), and what a browser
 * sends (a dozen fields, 500 bytes). In package {@code io.pants.http} (of this module) because the
 * parser and the connection are package-private.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HttpBenchmark {
    static final int BATCH = 32;
    private static final Map<String, String> HEADERS = Map.of("Content-Type", "text/plain");
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    static byte[] requestHead(String kind) {
        return (switch (kind) {
            case "wrk" -> "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
            case "browser" -> "GET /articles/2026/11/event-loops.html?ref=home HTTP/1.1\r\n"
                    + "Host: www.example.org\r\n"
                    + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0\r\n"
                    + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                    + "Accept-Language: en-GB,en;q=0.5\r\n"
                    + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
                    + "Referer: https://www.example.org/\r\n"
                    + "Connection: keep-alive\r\n"
                    + "Cookie: session=8d7f6e5a4b3c2d1e0f; theme=dark\r\n"
                    + "Upgrade-Insecure-Requests: 1\r\n"
                    + "Sec-Fetch-Dest: document\r\n"
                    + "Sec-Fetch-Mode: navigate\r\n"
                    + "Sec-Fetch-Site: same-origin\r\n"
                    + "Priority: u=0, i\r\n\r\n";
            default -> throw new IllegalArgumentException("unknown request head " + kind);
        }).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A parser and a connection that is never connected: parsing needs no socket. */
    @State(Scope.Thread)
    public static class Parsing {
        @Param({"wrk", "browser"})
        public String head;

        byte[] request;
        RequestHeadParser parser;
        HttpConnection connection;
        private Engine engine;

        @Setup(Level.Trial)
        public void prepare() {
            request = requestHead(head);
            engine = Engine.builder().poller("nio").build();
            HttpServer server = new HttpServer(engine, r -> r.finish());
            connection = new HttpConnection(server);
            parser = new RequestHeadParser(server.maxHeaderLineSize(), server.maxHeaderSize());
        }

        @TearDown(Level.Trial)
        public void close() { engine.close(); }
    }

    /** A hello-world server with one client connection over loopback. */
    @State(Scope.Thread)
    public static class Serving {
        @Param({"wrk", "browser"})
        public String head;

        @Param({"epoll", "nio"})
        public String backend;

        byte[] request;
        Engine engine;
        HttpConnection connection;
        SocketChannel client;
        final ByteBuffer drain = ByteBuffer.allocateDirect(256 * 1024);
        int responseLength;

        @Setup(Level.Trial)
        public void prepare() throws IOException {
            request = requestHead(head);
            engine = Engine.builder().poller(backend).build();
            AtomicReference<HttpConnection> accepted = new AtomicReference<>();
            HttpServer server = new HttpServer(engine, r -> {
                accepted.compareAndSet(null, r.connection());
                r.sendStatus(200);
                r.sendHeaders(HEADERS);
                r.send(BODY);
                r.finish();
            }).listen("127.0.0.1", 0);

            // one request the ordinary way: it makes the connection and tells the response's length
            client = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));
            client.write(ByteBuffer.wrap(request));
            client.configureBlocking(false);
            StringBuilder response = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!response.toString().endsWith("Hello, World!")) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("no complete response within 10 s: " + response);
                engine.poll(Duration.ofMillis(10));
                if (client.read(drain.clear()) < 0) throw new IOException("the server closed the connection: " + response);
                response.append(StandardCharsets.ISO_8859_1.decode(drain.flip()));
            }
            responseLength = response.length();
            connection = accepted.get();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
            engine.close();
        }
    }

    @Benchmark
    public HttpRequest parseHead(Parsing p) {
        int length = p.parser.findEnd(p.request, 0, p.request.length);
        p.parser.parse(p.request, 0, length); // as the connection does: the parser reads the head, the request copies it
        return new HttpRequest(p.connection, p.parser, 0);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int respond(Serving s) throws IOException {
        for (int i = 0; i < BATCH; i++) s.connection.decode(s.request, 0, s.request.length); // as the stream hands a read over
        s.engine.poll(Duration.ZERO); // the batch's responses go out in one write
        int want = BATCH * s.responseLength, got = 0;
        for (int spins = 0; got < want; spins++) {
            if (spins > 1_000_000) throw new IllegalStateException("only " + got + " of " + want + " response bytes arrived");
            int n = s.client.read(s.drain.clear());
            if (n < 0) throw new IOException("the server closed the connection");
            got += n;
            if (n == 0) s.engine.poll(Duration.ZERO);
        }
        return got;
    }
}
