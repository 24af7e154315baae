// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import com.sun.net.httpserver.HttpExchange;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two sides of {@link JdkVirtualThreadsTest}, each run in a child JVM of Java 21 or newer
 * (compiled at release 17, so the Java 21 API is reached by reflection).
 *
 * <p>{@code server COUNT SECONDS}: a JDK-API server on Pants' provider (the poller from
 * {@code -Dpants.poller}) with {@code Executors.newVirtualThreadPerTaskExecutor()}; its handler
 * streams the response head at once, then reads the request body, which waits in the request
 * body's bridge until the client sends the rest, and echoes it. Handlers start at the body's
 * first bytes. It prints {@code listening on port N}; once COUNT exchanges are done (or after
 * SECONDS) it prints {@code served S of COUNT, P pinned, W monitor waits}: from a JFR recording,
 * the {@code jdk.VirtualThreadPinned} events in Pants code and the {@code jdk.JavaMonitorWait}
 * events of virtual threads (either pins the carrier on Java 21 to 23). Exit code 0 when all were served
 * and both counts are 0.
 *
 * <p>{@code clients PORT COUNT SECONDS}: COUNT clients on virtual threads, each sending a POST
 * with the first part of its body, waiting for its response head, then until all COUNT are that
 * far (all handlers at once waiting for their bodies), then sending the rest and checking the
 * echo. Prints {@code clients: C of COUNT answered correctly}; exit code 0 when all were.
 */
public final class VirtualThreadsMain {
    private VirtualThreadsMain() {}

    public static void main(String[] args) throws Exception {
        int code = args[0].equals("server")
                ? server(Integer.parseInt(args[1]), Integer.parseInt(args[2]))
                : clients(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        System.out.flush();
        System.exit(code);
    }

    private static ExecutorService virtualThreadPerTask() throws ReflectiveOperationException {
        return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    }

    // ---------------------------------------------------------------- server

    private static int server(int count, int seconds) throws Exception {
        ExecutorService handlers = virtualThreadPerTask();
        PantsHttpServer server = (PantsHttpServer) new PantsHttpServerProvider()
                .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), count);
        server.bodyInMemory(0); // handlers start at the body's first bytes, and wait for the rest
        CountDownLatch done = new CountDownLatch(count);
        server.createContext("/warm-up", VirtualThreadsMain::echo);
        server.createContext("/echo", x -> {
            try {
                echo(x);
            } finally {
                done.countDown();
            }
        });
        server.setExecutor(handlers);
        server.start();
        // a few exchanges first, one after the other, so that the classes are loaded: a thread
        // loading a class while another does is pinned by the JDK's class loader, not by us
        for (int i = 0; i < 3; i++) request(server.getAddress(), "/warm-up", "warm-up " + i + " ", "done", new Semaphore(1), () -> { }, 10_000);
        Recording jfr = new Recording();
        jfr.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
        jfr.enable("jdk.JavaMonitorWait").withThreshold(Duration.ZERO).withStackTrace();
        jfr.start();
        System.out.println("listening on port " + server.getAddress().getPort());
        System.out.flush();

        done.await(seconds, TimeUnit.SECONDS);
        long served = count - done.getCount();
        server.stop(0);
        handlers.shutdownNow();
        jfr.stop();
        Path file = Files.createTempFile("virtual-threads", ".jfr");
        int pinned = 0, waits = 0;
        try {
            jfr.dump(file);
            jfr.close();
            Method isVirtual = RecordedThread.class.getMethod("isVirtual");
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                RecordedThread t = e.getThread();
                if (t == null || !(Boolean) isVirtual.invoke(t)) continue;
                boolean pin = e.getEventType().getName().equals("jdk.VirtualThreadPinned");
                // a pinned thread's stack is whole, and says whether we pinned it; one that waited
                // in a monitor is recorded when it is off its carrier again, with no stack to tell
                // (on Java 24 and later), so every such wait of the handlers' threads counts
                if (pin && !inPants(e)) continue;
                if (pinned + waits < 3) System.err.println("a virtual thread blocked in a monitor: " + e);
                if (pin) pinned++;
                else waits++;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        System.out.println("served " + served + " of " + count + ", " + pinned + " pinned, " + waits + " monitor waits");
        return served == count && pinned == 0 && waits == 0 ? 0 : 1;
    }

    private static void echo(HttpExchange x) throws IOException {
        try {
            x.sendResponseHeaders(200, 0); // streamed: the head leaves at once, and tells the client we're in
            byte[] body = x.getRequestBody().readAllBytes(); // waits for the rest, which comes once all are in
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        } finally {
            x.close();
        }
    }

    private static boolean inPants(RecordedEvent e) {
        if (e.getStackTrace() == null) return false;
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            if (f.getMethod().getType().getName().startsWith("io.pants.")) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- clients

    private static int clients(int port, int count, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        CountDownLatch inFlight = new CountDownLatch(count);
        // connect a few hundred at a time: the listen backlog holds no more, and a SYN it drops
        // is retried only after a second
        Semaphore connecting = new Semaphore(256);
        AtomicInteger answered = new AtomicInteger();
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        ExecutorService clients = virtualThreadPerTask();
        for (int i = 0; i < count; i++) {
            int id = i;
            clients.execute(() -> {
                boolean[] counted = {false};
                try {
                    request(address, "/echo", "request " + id + " ", "of " + count + " came whole", connecting, () -> {
                        inFlight.countDown();
                        counted[0] = true;
                        if (!inFlight.await(millisLeft(deadline), TimeUnit.MILLISECONDS)) {
                            throw new IOException("only " + (count - inFlight.getCount()) + " of " + count
                                    + " handlers were under way at once within " + seconds + " s: the others did not get a carrier thread");
                        }
                    }, millisLeft(deadline));
                    answered.incrementAndGet();
                } catch (Exception e) {
                    problems.add("client " + id + ": " + e);
                } finally {
                    if (!counted[0]) inFlight.countDown(); // so that the others don't wait for a client that failed
                }
            });
        }
        clients.shutdown();
        boolean finished = clients.awaitTermination(millisLeft(deadline) + 5_000, TimeUnit.MILLISECONDS);
        System.out.println("clients: " + answered.get() + " of " + count + " answered correctly" + (finished ? "" : ", some still running"));
        problems.stream().limit(5).forEach(System.out::println);
        return answered.get() == count ? 0 : 1;
    }

    private interface HeadIn {
        void run() throws IOException, InterruptedException;
    }

    /**
     * One POST on a new connection: the head with the body's {@code first} part, then, once the
     * response head is in and {@code headIn} has returned, the {@code rest}; the echo must be both.
     * It connects holding one of the {@code connecting} permits.
     */
    private static void request(InetSocketAddress address, String path, String first, String rest, Semaphore connecting, HeadIn headIn, int timeoutMillis)
            throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            connecting.acquire();
            try {
                s.connect(address, timeoutMillis);
            } finally {
                connecting.release();
            }
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            // HTTP/1.0: the streamed response is not chunked and ends where the connection does
            out.write(("POST " + path + " HTTP/1.0\r\nContent-Length: " + (first.length() + rest.length()) + "\r\n\r\n" + first)
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            if (!head.startsWith("HTTP/1.1 200 ")) throw new IOException("response head: " + head);
            headIn.run();
            out.write(rest.getBytes(StandardCharsets.US_ASCII));
            String echo = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            if (!echo.equals(first + rest)) throw new IOException("echoed '" + echo + "' for '" + first + rest + "'");
        }
    }

    private static int millisLeft(long deadline) {
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) break;
            if (head.size() > 8192) break;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
