// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.Backends;
import io.pants.Datagram;
import io.pants.DatagramTruncatedException;
import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import io.pants.RecordingDatagram;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Errors;
import io.pants.posix.LibcSyscalls;
import io.pants.posix.Sockaddr;
import io.pants.posix.SocketConstants;
import io.pants.posix.Syscalls;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A datagram larger than the 64 KiB a {@link Datagram} receives whole is cut short by the
 * system; it must be reported, not delivered. Only Unix domain datagrams can be that large, and
 * Datagram itself sends none over 64 KiB, so the sender here is a socket of our own through
 * libc. The epoll backends only: java.nio has no Unix domain datagram sockets.
 */
@ExtendWith(NoDescriptorLeaks.class)
class UnixDatagramTruncationTest {
    static List<String> epollBackends() {
        return Backends.names().stream().filter(n -> n.startsWith("epoll")).toList();
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("epollBackends")
    void aDatagramLargerThanTheReceiveBufferIsReportedNotDelivered(String backend) throws Exception {
        Path dir = Files.createTempDirectory("pants-trunc");
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("receiver.sock"));
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram receiver = new RecordingDatagram(loop.engine);
            loop.run(() -> receiver.listen(path));
            sendThroughLibc(path, 70_000, 5);

            IOException e = receiver.nextError("the report of the truncated datagram");
            assertInstanceOf(DatagramTruncatedException.class, e);
            assertTrue(e.getMessage().contains("larger than the 65536 bytes received whole"), e.getMessage());
            assertEquals(UnixDomainSocketAddress.of(""), ((DatagramTruncatedException) e).sender(), "an unnamed sender");
            assertEquals(5, receiver.next("the datagram after the truncated one").data().length);
            assertTrue(receiver.received.isEmpty(), "nothing else was delivered: " + receiver.received);
        } finally {
            Files.deleteIfExists(path.getPath());
            Files.delete(dir);
        }
    }

    /** Sends datagrams of the given sizes from an unbound Unix domain socket. */
    private static void sendThroughLibc(UnixDomainSocketAddress to, int... sizes) throws IOException {
        SocketConstants k = SocketConstants.linux();
        DatagramConstants d = DatagramConstants.linux();
        LibcSyscalls sys = LibcSyscalls.linux(k, d);
        int fd = sys.datagramSocket(k.afUnix);
        if (fd < 0) throw Errors.exception(fd, "socket", sys, k);
        try (Memory address = new Memory(128); Memory data = new Memory(128 * 1024)) {
            check(sys.setIntOption(fd, k.solSocket, d.soSndBuf, 256 * 1024), "SO_SNDBUF", sys, k);
            int len = Sockaddr.linux(k).encode(address.getByteBuffer(0, 128).order(ByteOrder.nativeOrder()), to, k.afUnix);
            check(sys.connect(fd, Pointer.nativeValue(address), len), "connect", sys, k);
            data.setMemory(0, data.size(), (byte) 7);
            for (int size : sizes) {
                long sent = sys.write(fd, Pointer.nativeValue(data), size);
                if (sent != size) throw sent < 0 ? Errors.exception((int) sent, "write", sys, k) : new IOException("sent " + sent + " of " + size);
            }
        } finally {
            sys.close(fd);
        }
    }

    private static void check(int r, String what, Syscalls sys, SocketConstants k) throws IOException {
        if (r < 0) throw Errors.exception(r, what, sys, k);
    }
}
