// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import io.pants.Backends;
import io.pants.Engine;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.Server;
import io.pants.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Streams in the ring's registered files: each stream with a token below the ring's slot count
 * is put in a slot, and its operations name the slot, not its descriptor. What the kernel says
 * is checked, through the ring's {@code /proc/self/fdinfo} (which lists the files in its
 * slots): a stream is in a slot while it is open and leaves it when it closes, and its close
 * really closes the socket (a slot holds a reference to the file, so a close that forgot the
 * slot would leave the peer waiting for an end of stream that never comes). Streams beyond the
 * slots, and rings without any, name their descriptors, and all of them work side by side.
 */
@ExtendWith(NoDescriptorLeaks.class)
class UringRegisteredFilesTest {
    private static final Duration WAIT = LoopThread.WAIT;
    private static final Pattern SLOT_LINE = Pattern.compile("^\\s*\\d+:\\s*socket:\\[(\\d+)]\\s*$", Pattern.MULTILINE);

    @BeforeEach
    void onlyWhereIoUringWorks() {
        assumeTrue(Backends.ioUringExpected(), "io_uring is not expected to work here (not Linux, no shim, or switched off)");
    }

    /**
     * The sockets in the registered files of this process's rings, by inode, as the kernel lists
     * them. The kernel leaves the list out of fdinfo when the ring's lock is taken at that moment;
     * then it is read again.
     */
    private static List<String> registeredSockets() throws IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<String> sockets = new ArrayList<>();
            boolean complete = true;
            int rings = 0;
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // closed meanwhile (the listing's own descriptor)
                    }
                    if (!target.equals("anon_inode:[io_uring]")) continue;
                    String info;
                    try {
                        info = Files.readString(Path.of("/proc/self/fdinfo", fd.getFileName().toString()));
                    } catch (IOException e) {
                        continue; // a ring closed meanwhile
                    }
                    rings++;
                    if (!info.contains("UserFiles:")) {
                        complete = false;
                        continue;
                    }
                    Matcher m = SLOT_LINE.matcher(info.substring(info.indexOf("UserFiles:")));
                    while (m.find()) sockets.add(m.group(1));
                }
            }
            if (complete) return sockets;
            if (System.nanoTime() > deadline) fail("the kernel never listed the registered files of " + rings + " ring(s)");
            Thread.yield();
        }
    }

    /** Waits, boundedly, until the number of registered sockets passes {@code test}. */
    private static int awaitRegistered(IntPredicate test, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        int n;
        while (!test.test(n = registeredSockets().size())) {
            if (System.nanoTime() > deadline) fail(what + ": the rings hold " + n + " socket(s)");
            Thread.yield();
        }
        return n;
    }

    /**
     * An echo server whose streams answer "close" by closing and "half" by shutting their output
     * (and then count what still arrives), each other message by echoing it.
     */
    private static final class Echo {
        final AtomicInteger open = new AtomicInteger(), closed = new AtomicInteger();
        final Set<Stream> halfClosed = ConcurrentHashMap.newKeySet();
        final AtomicInteger afterHalfClose = new AtomicInteger();
        final int port;

        Echo(LoopThread loop) throws Exception {
            port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() { open.incrementAndGet(); }

                @Override
                protected void onRead(byte[] data) {
                    if (halfClosed.contains(this)) {
                        afterHalfClose.addAndGet(data.length);
                        return;
                    }
                    String text = new String(data, StandardCharsets.ISO_8859_1);
                    if (text.equals("close")) {
                        close();
                    } else if (text.equals("half")) {
                        halfClosed.add(this);
                        shutdownOutput();
                    } else {
                        write(data);
                    }
                }

                @Override
                protected void onClose() { closed.incrementAndGet(); }
            }).listen("127.0.0.1", 0).port());
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket c = new Socket();
        c.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        c.setSoTimeout((int) WAIT.toMillis());
        c.setTcpNoDelay(true);
        return c;
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) ((seed * 31 + i * 7 + (i >> 8)) & 0xff);
        return b;
    }

    /** Sends {@code n} bytes and reads their echo back, from another thread so that neither side waits on the other. */
    private static void roundTrip(Socket c, long seed, int n) throws Exception {
        byte[] sent = bytes(seed, n);
        Thread writer = new Thread(() -> {
            try {
                c.getOutputStream().write(sent);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        writer.start();
        byte[] got = new byte[n];
        new DataInputStream(c.getInputStream()).readFully(got);
        writer.join(WAIT.toMillis());
        assertArrayEquals(sent, got, "the echo of " + n + " bytes (seed " + seed + ")");
    }

    /** Reads to the end of stream, which must come within {@link #WAIT}: what came before it. */
    private static byte[] readToEnd(Socket c) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = c.getInputStream();
        byte[] b = new byte[4096];
        try {
            for (int n; (n = in.read(b)) >= 0; ) all.write(b, 0, n);
        } catch (SocketTimeoutException e) {
            fail("no end of stream within " + WAIT + " after " + all.size() + " bytes: the socket was not closed (or shut down)");
        }
        return all.toByteArray();
    }

    @Test
    void aStreamIsInItsSlotWhileOpenAndItsCloseReallyClosesTheSocket() throws Exception {
        UringProvider provider = new UringProvider();
        try (LoopThread loop = new LoopThread(new Engine(provider))) {
            Echo echo = new Echo(loop);
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) clients.add(connect(echo.port));
                for (int i = 0; i < 3; i++) roundTrip(clients.get(i), i, 256 * 1024);
                assertEquals(3, awaitRegistered(n -> n == 3, "three open streams in their slots"),
                        "the server's three streams are in the ring's registered files");

                // the server closes the first: its peer sees the end of stream, and the slot is emptied
                clients.get(0).getOutputStream().write("close".getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(0, readToEnd(clients.get(0)).length, "nothing after the close");
                awaitRegistered(n -> n == 2, "the closed stream left its slot");

                // the second shuts its output down through its slot: an end of stream, and reading goes on
                clients.get(1).getOutputStream().write("half".getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(0, readToEnd(clients.get(1)).length, "nothing after the half-close");
                clients.get(1).getOutputStream().write(bytes(7, 10_000));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (echo.afterHalfClose.get() < 10_000) {
                    assertTrue(System.nanoTime() < deadline, "the half-closed stream read " + echo.afterHalfClose.get() + " of 10,000 bytes");
                    Thread.yield();
                }

                // the peer of the third closes: the server's stream closes and leaves its slot
                clients.get(2).close();
                deadline = System.nanoTime() + WAIT.toNanos();
                while (echo.closed.get() < 2) {
                    assertTrue(System.nanoTime() < deadline, "the server saw " + echo.closed.get() + " of 2 closes");
                    Thread.yield();
                }
                awaitRegistered(n -> n == 1, "the streams closed by either side left their slots");
            } finally {
                for (Socket c : clients) c.close();
            }
            awaitRegistered(n -> n == 0, "every stream left its slot once its peer closed");
            UringStats s = provider.stats();
            assertEquals(0L, (long) loop.call(() -> s.slotFailures), "slots that could not be filled or emptied");
        }
    }

    @Test
    void streamsBeyondTheSlotsNameTheirDescriptorsAndWorkBesideTheOthers() throws Exception {
        UringProvider provider = new UringProvider().withFixedFiles(3);
        try (LoopThread loop = new LoopThread(new Engine(provider))) {
            Echo echo = new Echo(loop);
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) clients.add(connect(echo.port));
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < 8; i++) roundTrip(clients.get(i), round * 8 + i, 300 * 1024);
                }
                int inSlots = awaitRegistered(n -> n >= 1, "the streams with the lowest tokens in slots");
                assertTrue(inSlots <= 3, inSlots + " streams in a ring of 3 slots");
                for (int i = 0; i < 8; i++) {
                    clients.get(i).getOutputStream().write("close".getBytes(StandardCharsets.ISO_8859_1));
                    assertEquals(0, readToEnd(clients.get(i)).length, "nothing after client " + i + "'s close");
                }
                awaitRegistered(n -> n == 0, "every closed stream left its slot");
                // the tokens and slots of the closed streams are given again, to new streams
                for (int i = 0; i < 4; i++) {
                    try (Socket c = connect(echo.port)) {
                        roundTrip(c, 100 + i, 64 * 1024);
                    }
                }
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (echo.closed.get() < 12) {
                    assertTrue(System.nanoTime() < deadline, "the server saw " + echo.closed.get() + " of 12 closes");
                    Thread.yield();
                }
                awaitRegistered(n -> n == 0, "the reused slots were emptied again");
                UringStats s = provider.stats();
                assertEquals(0L, (long) loop.call(() -> s.slotFailures), "slots that could not be filled or emptied");
            } finally {
                for (Socket c : clients) c.close();
            }
        }
    }

    @Test
    void aRingWithoutRegisteredFilesNamesDescriptors() throws Exception {
        try (LoopThread loop = new LoopThread(new Engine(new UringProvider().withFixedFiles(0)))) {
            Echo echo = new Echo(loop);
            try (Socket c = connect(echo.port)) {
                roundTrip(c, 1, 512 * 1024);
                assertEquals(0, registeredSockets().size(), "sockets in the registered files of a ring that has none");
                c.getOutputStream().write("close".getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(0, readToEnd(c).length, "nothing after the close");
            }
        }
    }
}
