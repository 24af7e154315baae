// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server that runs out of file descriptors keeps serving its connections, accepts again once
 * descriptors are freed, and does not spin meanwhile. The server runs in a child JVM
 * ({@link EchoServerProcess}) limited to 128 descriptors, so that this JVM keeps its own.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DescriptorExhaustionTest {
    private static final int DESCRIPTOR_LIMIT = 128;
    /** More than the child can hold under its limit: reaching it means exhaustion never came. */
    private static final int MAX_CONNECTIONS = 2 * DESCRIPTOR_LIMIT;
    private static final int FREED = 10;

    @BackendTest
    void serverOutOfDescriptorsServesOpenConnectionsAndRecoversWithoutSpinning(String backend) throws Exception {
        Child child = new Child(backend);
        List<Socket> open = new ArrayList<>();
        List<Socket> all = new ArrayList<>(); // every client socket, closed at the end whatever happens
        try {
            int port = Integer.parseInt(child.expect("PORT ").substring(5));

            // connect until the server can no longer accept (the connection waits in the backlog)
            Socket pending = null;
            while (pending == null) {
                assertTrue(open.size() < MAX_CONNECTIONS, "the server accepted " + open.size() + " connections under ulimit -n " + DESCRIPTOR_LIMIT);
                Socket c = connect(port);
                all.add(c);
                if (child.expect("ACCEPTED", "EXHAUSTED ").equals("ACCEPTED")) {
                    echo(c, open.size());
                    open.add(c);
                } else {
                    pending = c;
                }
            }
            assertTrue(open.size() > 10, "exhausted after only " + open.size() + " connections: " + child.transcript());

            // while out of descriptors, every open connection is still served
            Stats before = child.stats();
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < open.size(); i++) echo(open.get(i), i + round);
            }
            Stats after = child.stats();
            // the statistics count each pause; the connection waiting in the backlog is not refused
            assertTrue(after.acceptPauses() >= 1, "Server.stats() counts no accept pause: " + after);
            assertEquals(0, after.refused(), "a connection that waits out a pause is not refused: " + after);
            assertEquals(after.acceptPauses(), after.engineAcceptPauses(), "Engine.stats().acceptPauses(): " + after);
            int echoes = 2 * open.size();
            // Why these bounds: an echo costs the loop one turn (the data comes in, the answer goes
            // out at the end of the same turn), a stats command one more, and retrying the accept
            // is a timer backing off from 10 ms to 1 s: a handful of turns in all (under 40 even if a
            // loaded machine stretched this phase to half a minute). A loop that kept
            // polling the still-readable listener would instead take a turn, and count a failed
            // accept, for every poll, several per echo here (measured: 1500 to 4300 turns, and as
            // many failed accepts, for these 234 echoes when the listener was not paused).
            long turns = after.turns - before.turns, failed = after.acceptPauses - before.acceptPauses;
            String measured = turns + " loop turns and " + failed + " failed accepts for " + echoes + " echoes while out of descriptors";
            assertTrue(turns <= 2L * echoes + 50, measured + ": the loop spins");
            assertTrue(failed <= 40, measured + ": accepting is retried too often");

            // freeing descriptors lets the waiting connection in, then new ones
            for (int i = 0; i < FREED; i++) open.remove(open.size() - 1).close();
            // the server's streams close as it sees each end of stream; the waiting connection
            // is accepted as soon as one descriptor is free (in any order with those closes)
            boolean pendingAccepted = false;
            for (int closed = 0; closed < FREED || !pendingAccepted; ) {
                if (child.expect("CLOSED", "ACCEPTED").equals("CLOSED")) closed++;
                else pendingAccepted = true;
            }
            echo(pending, 1000);
            open.add(pending);
            Stats recovered = child.stats();
            for (int i = 0; i < FREED / 2; i++) {
                Socket c = connect(port);
                all.add(c);
                open.add(c);
                child.expect("ACCEPTED");
                echo(c, 2000 + i);
            }
            Stats end = child.stats();
            assertEquals(recovered.acceptPauses, end.acceptPauses, "failed accepts for new connections after descriptors were freed");
            // Every exhaustion above is one failed accept: the one for the pending connection, and
            // the backed-off retries while it waited (at most a few per second of waiting, and
            // one when a freed descriptor woke the listener early).
            assertTrue(end.acceptPauses >= 1, "Server.stats().acceptPauses() did not count the exhaustion");
            assertTrue(end.acceptPauses <= 60, end.acceptPauses + " failed accepts in all: accepting is retried too often");
            child.quit();
        } finally {
            for (Socket c : all) c.close();
            child.close();
        }
    }

    static Socket connect(int port) throws IOException {
        Socket c = new Socket();
        c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        c.setSoTimeout((int) LoopThread.WAIT.toMillis());
        return c;
    }

    static void echo(Socket c, int n) throws IOException {
        byte[] message = ("echo " + n).getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(message, EchoTest.exchange(c, message), "echo on connection " + n);
    }

    record Stats(long acceptPauses, long turns, long refused, long engineAcceptPauses) { }

    /** The child JVM, its output as lines, and the commands we send it. */
    static final class Child implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> transcript = Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        /** {@code more}: EchoServerProcess's further arguments (loops, and how they accept). */
        Child(String backend, String... more) throws IOException, URISyntaxException {
            String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = String.join(File.pathSeparator,
                    codeSource(EchoServerProcess.class), codeSource(Engine.class), codeSource(com.sun.jna.Native.class));
            List<String> command = new ArrayList<>(List.of("bash", "-c",
                    "ulimit -n " + DESCRIPTOR_LIMIT + " && exec \"$0\" -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp \"$1\" io.pants.EchoServerProcess \"${@:2}\"",
                    javaCommand, classpath, backend));
            command.addAll(List.of(more));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            Backends.passKqueueLibraryTo(pb);
            process = pb.start();
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        transcript.add(line);
                        lines.add(line);
                    }
                } catch (IOException e) {
                    transcript.add("(reading the child's output failed: " + e + ")");
                }
            }, "child-output");
            reader.setDaemon(true);
            reader.start();
        }

        private static String codeSource(Class<?> c) throws URISyntaxException {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        }

        /** The next line starting with one of {@code prefixes}, skipping others; bounded wait. */
        String expect(String... prefixes) throws InterruptedException {
            long deadline = System.nanoTime() + LoopThread.WAIT.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError("the child did not print " + String.join(" or ", prefixes) + " within " + LoopThread.WAIT
                            + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + "; its output:\n" + transcript());
                }
                for (String p : prefixes) {
                    if (p.endsWith(" ") ? line.startsWith(p) : line.equals(p)) return p.endsWith(" ") ? line : p;
                }
            }
        }

        Stats stats() throws IOException, InterruptedException {
            send("stats");
            String[] f = expect("STATS ").split(" ");
            return new Stats(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]));
        }

        void quit() throws IOException, InterruptedException {
            send("quit");
            assertTrue(process.waitFor(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the child did not exit after quit");
            assertEquals(0, process.exitValue(), "the child's exit status; its output:\n" + transcript());
        }

        private void send(String command) throws IOException {
            OutputStream out = process.getOutputStream();
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String transcript() {
            synchronized (transcript) {
                return String.join("\n", transcript.subList(Math.max(0, transcript.size() - 40), transcript.size()));
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            process.destroyForcibly();
            process.waitFor(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            process.getOutputStream().close();
            reader.join(LoopThread.WAIT.toMillis()); // ends at the child's end of output
            process.getInputStream().close();
        }
    }
}
