// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Platform;
import io.pants.Backends;
import io.pants.Engine;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.Server;
import io.pants.ServerStats;
import io.pants.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * EMFILE on the multishot accept, in this JVM: the soft descriptor limit is lowered to what is
 * open and the few numbers under it filled, so that the kernel ends the listener's multishot
 * accept with -EMFILE when a client connects. The listener pauses (the engine stops accepting
 * and retries on a timer); once a descriptor is freed it resumes, the poller arms a new
 * multishot accept, and the connection that waited in the backlog is accepted and served:
 * nothing is lost. {@link UringStats#acceptsArmed} says the re-arm happened: one accept for the
 * listener, and one more for each the kernel ended. (DescriptorExhaustionTest covers the same
 * on every backend from the outside, in a child JVM.)
 */
@ExtendWith(NoDescriptorLeaks.class)
class UringAcceptExhaustionTest {
    private static final int RLIMIT_NOFILE = 7; // Linux, x86-64 and aarch64 alike
    private static final int ROOM = 8;

    @BeforeEach
    void onlyWhereIoUringWorks() {
        assumeTrue(Backends.ioUringExpected(), "io_uring is not expected to work here (not Linux, no shim, or switched off)");
    }

    private static int libc(String name, Object... args) {
        return Function.getFunction(Platform.C_LIBRARY_NAME, name, Function.THROW_LAST_ERROR).invokeInt(args);
    }

    /** The soft and hard RLIMIT_NOFILE. */
    private static long[] limits() {
        try (Memory m = new Memory(16)) {
            libc("getrlimit", RLIMIT_NOFILE, m);
            return new long[] {m.getLong(0), m.getLong(8)};
        }
    }

    private static void softLimit(long soft, long hard) {
        try (Memory m = new Memory(16)) {
            m.setLong(0, soft);
            m.setLong(8, hard);
            libc("setrlimit", RLIMIT_NOFILE, m);
        }
    }

    private static int highestOpenDescriptor() throws IOException {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.mapToInt(p -> Integer.parseInt(p.getFileName().toString())).max().orElseThrow();
        }
    }

    /**
     * Loads every class of the library and the tests now: under the lowered limit a class loaded
     * for the first time from a directory (the build's classes) could not be opened. And the
     * logging's handlers, which open the time-zone data when they are made (the engine logs the
     * exhaustion; a first log message under the limit would kill the loop with an Error).
     */
    private static void loadEveryClass() throws Exception {
        java.util.logging.LogManager.getLogManager().getLogger("").getHandlers();
        for (Class<?> anchor : new Class<?>[] {Engine.class, UringAcceptExhaustionTest.class}) {
            Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isDirectory(root)) continue; // a jar is open already
            List<String> names = new ArrayList<>();
            try (java.util.stream.Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().equals("module-info.class"))
                        .forEach(f -> names.add(root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "")));
            }
            for (String n : names) Class.forName(n, false, anchor.getClassLoader());
        }
    }

    private static void echo(Socket c, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.US_ASCII);
        c.getOutputStream().write(out);
        assertArrayEquals(out, c.getInputStream().readNBytes(out.length), "the echo of " + text);
    }

    /** A client socket with its descriptor made now (setting an option makes it), to connect later. */
    private static Socket client() throws IOException {
        Socket c = new Socket();
        c.setSoTimeout((int) LoopThread.WAIT.toMillis());
        return c;
    }

    private static Server echoServer(LoopThread loop) {
        return new Server(loop.engine, () -> new Stream() {
            @Override
            protected void onRead(byte[] data) { write(data); }
        });
    }

    @Test
    void anAcceptEndedByEmfilePausesThenIsArmedAgainAndLosesNothing() throws Exception {
        UringProvider provider = new UringProvider();
        try (LoopThread loop = new LoopThread(new Engine(provider))) {
            Server warmUp = loop.call(() -> echoServer(loop));
            int warmUpPort = loop.call(() -> warmUp.listen("127.0.0.1", 0).port());
            UringStats stats = provider.stats();
            Server server = loop.call(() -> echoServer(loop));
            try (Socket first = client(); Socket waiting = client(); Socket later = client()) { // none can be made under the limit
                first.connect(new InetSocketAddress("127.0.0.1", warmUpPort), (int) LoopThread.WAIT.toMillis());
                echo(first, "first"); // the accept and echo paths, run once before the limit
                loadEveryClass();
                long[] limits = limits();
                List<Integer> fillers = new ArrayList<>();
                try {
                    softLimit(highestOpenDescriptor() + 1 + ROOM, limits[1]);
                    // the kernel reads the limit when an accept is submitted: the listener's
                    // multishot accept is armed under the lowered one
                    long armedBefore = loop.call(() -> stats.acceptsArmed);
                    int port = loop.call(() -> server.listen("127.0.0.1", 0).port());
                    loop.until("the new listener's multishot accept", () -> stats.acceptsArmed > armedBefore);
                    loop.call(() -> null); // a turn after it: submitted
                    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
                    long armedFirst = loop.call(() -> stats.acceptsArmed);
                    // every number under the limit taken: the kernel's next accept finds none
                    while (true) {
                        int fd;
                        try {
                            fd = libc("dup", 0);
                        } catch (com.sun.jna.LastErrorException e) {
                            assertEquals(24, e.getErrorCode(), "dup failed with " + e.getMessage() + " before EMFILE");
                            break;
                        }
                        fillers.add(fd);
                    }
                    assertTrue(!fillers.isEmpty(), "no descriptor was free under the lowered limit");

                    waiting.connect(address, (int) LoopThread.WAIT.toMillis()); // completes in the kernel's backlog; the accept fails
                    loop.until("the multishot accept to end with EMFILE", () -> stats.acceptExhausted > 0);
                    ServerStats paused = loop.call(server::stats);
                    assertTrue(paused.acceptPauses() >= 1, "the server did not pause accepting: " + paused);

                    libc("close", fillers.remove(fillers.size() - 1)); // one descriptor free
                    echo(waiting, "waiting"); // accepted by a multishot accept armed again
                    long armed = loop.call(() -> stats.acceptsArmed) - armedFirst;
                    long exhausted = loop.call(() -> stats.acceptExhausted);
                    // each accept the kernel ended was armed again once it was time to retry
                    assertEquals(exhausted, armed, "multishot accepts armed after " + exhausted + " ended with EMFILE");
                    for (int fd : fillers) libc("close", fd);
                    fillers.clear();
                    later.connect(address, (int) LoopThread.WAIT.toMillis()); // the accept armed again takes it too, with room now
                    echo(later, "later");
                    echo(first, "first again");
                    assertEquals(exhausted, loop.call(() -> stats.acceptExhausted), "accepts ended by EMFILE after descriptors were freed");
                    assertEquals(armed, loop.call(() -> stats.acceptsArmed) - armedFirst, "multishot accepts armed after descriptors were freed");
                    assertEquals(2, loop.call(server::stats).accepted(), "connections accepted: none lost");
                } finally {
                    for (int fd : fillers) libc("close", fd);
                    softLimit(limits[0], limits[1]);
                }
            }
        }
    }
}
