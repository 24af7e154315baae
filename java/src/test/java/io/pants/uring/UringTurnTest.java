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
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files by path go out as ring reads and sends, not sendfile on the loop thread. A loop turn on io_uring is one io_uring_enter: with nothing to submit and nothing due (the
 * wait times out), and with a turn's receives, sends and re-armed operations to submit alike.
 * The shim counts its io_uring_enter calls; the engine's turns are counted here, one per
 * {@link Engine#poll} from this thread.
 */
@ExtendWith(NoDescriptorLeaks.class)
class UringTurnTest {
    @BeforeEach
    void onlyWhereIoUringWorks() {
        assumeTrue(Backends.ioUringExpected(), "io_uring is not expected to work here (not Linux, no shim, or switched off)");
    }

    @Test
    void aFileGoesOutAsRingReadsAndSends(@TempDir Path dir) throws Exception {
        int size = 1_000_000;
        byte[] content = new byte[size];
        for (int i = 0; i < size; i++) content[i] = (byte) (i * 13 + (i >> 10));
        Path file = Files.write(dir.resolve("f"), content);
        UringProvider provider = new UringProvider();
        try (LoopThread loop = new LoopThread(new Engine(provider))) {
            int port = loop.call(() -> new Server(loop.engine, () -> new Stream() {
                @Override
                protected void onConnect() {
                    write("head:");
                    writeFile(file, 10, size - 10);
                    write(":tail");
                    close();
                }
            }).listen("127.0.0.1", 0).port());
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                c.setSoTimeout(10_000);
                byte[] got = c.getInputStream().readAllBytes();
                byte[] want = new byte[5 + size - 10 + 5];
                System.arraycopy("head:".getBytes(StandardCharsets.US_ASCII), 0, want, 0, 5);
                System.arraycopy(content, 10, want, 5, size - 10);
                System.arraycopy(":tail".getBytes(StandardCharsets.US_ASCII), 0, want, 5 + size - 10, 5);
                assertArrayEquals(want, got, "the bytes, the file's region and the bytes, in order");
            }
            UringStats s = provider.stats();
            long reads = loop.call(() -> s.fileReads);
            assertTrue(reads >= (size - 10) / (64 * 1024), "the ring read the file " + reads + " times: not through the ring");
        }
    }

    @Test
    void anIdleTurnIsOneSystemCall() {
        UringProvider provider = new UringProvider();
        try (Engine e = new Engine(provider)) {
            e.poll(Duration.ZERO); // the first turn submits the wake-up's read
            long before = provider.systemCalls();
            for (int i = 0; i < 20; i++) e.poll(Duration.ofMillis(1));
            assertEquals(20, provider.systemCalls() - before, "io_uring_enter calls for 20 idle turns");
        }
    }

    @Test
    void aTurnThatReceivesAndSendsIsOneSystemCall() throws Exception {
        UringProvider provider = new UringProvider();
        try (Engine e = new Engine(provider)) {
            int port = new Server(e, () -> new Stream() {
                @Override
                protected void onRead(byte[] data) { write(data); }
            }).listen("127.0.0.1", 0).port();
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                c.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(c.getInputStream());
                byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
                // warm up: the accept, the stream's receive armed
                c.getOutputStream().write(ping);
                long turns = 0;
                while (in.available() < ping.length && turns++ < 1000) e.poll(Duration.ofMillis(5));
                in.readFully(new byte[ping.length]);

                long calls = provider.systemCalls();
                turns = 0;
                for (int round = 0; round < 10; round++) {
                    c.getOutputStream().write(ping);
                    byte[] got = new byte[ping.length];
                    while (in.available() < ping.length && turns < 10_000) {
                        e.poll(Duration.ofMillis(5));
                        turns++;
                    }
                    in.readFully(got);
                    assertArrayEquals(ping, got, "echo " + round);
                }
                assertEquals(turns, provider.systemCalls() - calls,
                        "io_uring_enter calls for " + turns + " turns that received, sent and re-armed");
            }
        }
    }
}
