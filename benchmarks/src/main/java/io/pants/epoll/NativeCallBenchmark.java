// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.DatagramConstants;
import io.pants.posix.LibcSyscalls;
import io.pants.posix.Shim;
import io.pants.posix.SocketConstants;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.TimeUnit;

/**
 * One native call, the common one in non-blocking I/O: a read that finds nothing (EAGAIN), on
 * an empty non-blocking eventfd. Through the shim (errno returned as -errno by C), through libc
 * by JNA (errno read with a second call, {@code Native.getLastError()}), and through java.nio on
 * an empty pipe for scale; plus the shim's cheapest call, which makes no system call, for the
 * price of the crossing alone.
 *
 * <p>In package {@code io.pants.epoll} (of this module, on the class path) because the shim's
 * eventfd binding is package-private: the library's public API is not widened for a benchmark.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NativeCallBenchmark {
    private int eventfd;
    private Memory buffer;
    private long address;
    private Pipe pipe;
    private LibcSyscalls libc;
    private final ByteBuffer direct = ByteBuffer.allocateDirect(8);

    @Setup
    public void open() throws IOException {
        if (EpollShim.loadFailure() != null) throw new IllegalStateException("no shim: " + EpollShim.loadFailure());
        if (LibcSyscalls.loadFailure() != null) throw new IllegalStateException("no libc binding: " + LibcSyscalls.loadFailure());
        libc = LibcSyscalls.linux(SocketConstants.linux(), DatagramConstants.linux());
        eventfd = EpollShim.pants_eventfd();
        if (eventfd < 0) throw new IllegalStateException("eventfd failed: " + eventfd);
        buffer = new Memory(8);
        address = Pointer.nativeValue(buffer);
        pipe = Pipe.open();
        pipe.source().configureBlocking(false);
    }

    @TearDown
    public void close() throws IOException {
        Shim.pants_close(eventfd);
        pipe.source().close();
        pipe.sink().close();
    }

    @Benchmark
    public int shimCrossingOnly() {
        return Shim.pants_version();
    }

    @Benchmark
    public long shimReadEagain() {
        return Shim.pants_read(eventfd, address, 8);
    }

    @Benchmark
    public long libcReadEagain() {
        return libc.read(eventfd, address, 8); // errno by Native.getLastError() on failure
    }

    @Benchmark
    public int nioReadNothing() throws IOException {
        direct.clear();
        return pipe.source().read(direct);
    }
}
