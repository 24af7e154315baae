// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import io.pants.posix.Shim;
import io.pants.posix.ShimAbi;
import io.pants.posix.ShimAbi.Table;
import io.pants.posix.ShimAbi.UringProbeSlot;
import io.pants.spi.Poller;
import io.pants.spi.PollerProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Linux io_uring backend, "io_uring", through the C shim only (a ring is shared memory
 * that only native code can drive at a reasonable cost). Chosen by name
 * ({@code -Dpants.poller=io_uring}), never automatically: epoll stays the default on Linux
 * until benchmarks show io_uring ahead on most workloads.
 *
 * <p>The probe makes a ring and asks it what it has: the opcodes ({@code IORING_REGISTER_PROBE}),
 * the features ({@code IORING_FEAT_*}) and a provided-buffer ring. Where io_uring is switched off
 * (the sysctl {@code kernel.io_uring_disabled}, a container's seccomp filter) or too old, it says
 * which, and selection goes on to the next backend.
 */
public class UringProvider implements PollerProvider {
    static final int SQ_ENTRIES = 1024, CQ_ENTRIES = 8192, BUFFER_COUNT = 1024, BUFFER_SIZE = 4096;
    /**
     * Registered-file slots per ring, for the streams with the lowest tokens (the rest name their
     * descriptors): 16 bytes of kernel memory each, half a MiB a ring.
     */
    static final int FIXED_FILES = 32768;
    /** Datagrams' buffers: each holds a header (struct io_uring_recvmsg_out), the sender's address and 64 KiB of payload. */
    static final int DATAGRAM_BUFFER_COUNT = 16, DATAGRAM_BUFFER_SIZE = UringDatagrams.PAYLOAD_OFFSET + 64 * 1024;

    private final int sqEntries, cqEntries, bufferCount, bufferSize;
    /** False: files go as a separate read and send, the path for a kernel whose probe found no short-read link (tests). */
    private boolean linkedFileSendsAllowed = true;
    private int fixedFiles = FIXED_FILES;
    /** The poller this provider opened last, for the fault tests to read its {@link UringStats}. */
    private volatile UringPoller opened;

    public UringProvider() {
        this(SQ_ENTRIES, CQ_ENTRIES, BUFFER_COUNT, BUFFER_SIZE);
    }

    /** A provider with other ring sizes: the fault tests make rings small enough to overflow and run dry. */
    UringProvider(int sqEntries, int cqEntries, int bufferCount, int bufferSize) {
        this.sqEntries = sqEntries;
        this.cqEntries = cqEntries;
        this.bufferCount = bufferCount;
        this.bufferSize = bufferSize;
    }

    @Override
    public String name() { return "io_uring"; }

    @Override
    public Availability probe() {
        if (!isLinux()) return Availability.no("io_uring exists on Linux only (this is " + System.getProperty("os.name") + ")");
        String failure = UringShim.loadFailure();
        if (failure != null) {
            return Availability.no("io_uring needs the native shim, which " + (Shim.loadFailure() != null ? "did not load: " + failure
                    : "has no io_uring part (" + failure + ")"));
        }
        UringConstants k = UringConstants.fromShim();
        int[] p = ShimAbi.read(Table.URING_PROBE, UringShim::pants_uring_probe);
        String why = refusal(p, k);
        if (why != null) return Availability.no(why);
        long ring = UringRing.create(sqEntries, cqEntries, bufferCount, bufferSize, DATAGRAM_BUFFER_COUNT, DATAGRAM_BUFFER_SIZE);
        if (ring < 0) return Availability.no("io_uring works, but a ring of " + sqEntries + "/" + cqEntries + " entries with "
                + bufferCount + " buffers of " + bufferSize + " bytes could not be made: " + strerror((int) -ring));
        UringShim.pants_uring_destroy(ring);
        return Availability.yes("io_uring through the native shim " + Shim.location() + " (features 0x"
                + Integer.toHexString(ShimAbi.at(p, UringProbeSlot.FEATURES)) + ", Linux " + System.getProperty("os.version") + ")");
    }

    /** Why the probe's findings rule io_uring out here, or null when it has all this backend needs. */
    static String refusal(int[] p, UringConstants k) {
        int setup = ShimAbi.at(p, UringProbeSlot.SETUP);
        if (setup != 0) return "io_uring_setup failed: " + strerror(setup) + " (errno " + setup + "): " + setupHint(setup);
        int features = ShimAbi.at(p, UringProbeSlot.FEATURES);
        List<String> missing = new ArrayList<>();
        if ((features & k.featNoDrop) == 0) missing.add("IORING_FEAT_NODROP");
        if ((features & k.featExtArg) == 0) missing.add("IORING_FEAT_EXT_ARG");
        if ((features & k.featSingleMmap) == 0) missing.add("IORING_FEAT_SINGLE_MMAP");
        if ((features & k.featFastPoll) == 0) missing.add("IORING_FEAT_FAST_POLL");
        if ((features & k.featSubmitStable) == 0) missing.add("IORING_FEAT_SUBMIT_STABLE");
        if (!missing.isEmpty()) return "this kernel's io_uring lacks " + String.join(", ", missing) + " (Linux 5.11 or later has them)";
        for (UringProbeSlot op : UringProbeSlot.values()) {
            if (!op.name().startsWith("OP_")) continue;
            int v = ShimAbi.at(p, op);
            if (v < 0) return "IORING_REGISTER_PROBE failed: " + strerror(-v) + " (Linux 5.6 or later has it)";
            if (v == 0) missing.add("IORING_" + op.name());
        }
        if (!missing.isEmpty()) return "this kernel's io_uring lacks the operations " + String.join(", ", missing);
        int pbuf = ShimAbi.at(p, UringProbeSlot.PBUF_RING);
        if (pbuf < 0) {
            return "a provided-buffer ring (IORING_REGISTER_PBUF_RING, Linux 5.19) could not be registered: " + strerror(-pbuf);
        }
        int multishot = ShimAbi.at(p, UringProbeSlot.RECV_MULTISHOT);
        if (multishot != 1) {
            return "this kernel's io_uring has no multishot receive (IORING_RECV_MULTISHOT, Linux 6.0)"
                    + (multishot < 0 ? ": " + strerror(-multishot) : ": the receive ended after its first completion");
        }
        return null;
    }

    private static String setupHint(int errno) {
        if (errno == 38) return "this kernel has no io_uring (ENOSYS: older than 5.1, or built without CONFIG_IO_URING)";
        if (errno == 1 || errno == 13) {
            String sysctl = readSysctl();
            return sysctl != null && !sysctl.equals("0")
                    ? "io_uring is switched off by the sysctl kernel.io_uring_disabled=" + sysctl
                            + (sysctl.equals("1") ? " (allowed only for the group kernel.io_uring_group)" : "")
                    : "a seccomp filter refuses it (a container's default profile does), or this process may not use it";
        }
        if (errno == 12) return "not enough locked memory for the ring (RLIMIT_MEMLOCK, see ulimit -l)";
        return "io_uring is unavailable";
    }

    private static String readSysctl() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).trim();
        } catch (IOException | RuntimeException e) {
            return null; // before Linux 6.6 there is no such switch
        }
    }

    private static String strerror(int errno) {
        try {
            return new io.pants.posix.ShimSyscalls(0).strerror(errno);
        } catch (RuntimeException e) {
            return "error " + errno;
        }
    }

    @Override
    public Poller open() throws IOException {
        UringConstants k = UringConstants.fromShim();
        long ring = UringRing.create(sqEntries, cqEntries, bufferCount, bufferSize, DATAGRAM_BUFFER_COUNT, DATAGRAM_BUFFER_SIZE);
        if (ring < 0) throw new IOException("could not make an io_uring: " + strerror((int) -ring));
        // a file's read and send go as one chain only where a short read cancels the send (every
        // kernel that has what the probe requires does; the separate pair stays for one that would not)
        boolean linkedFileSends = linkedFileSendsAllowed && LinkProbe.SHORT_READ_CANCELS;
        UringPoller p = new UringPoller(name(), k, new UringRing(ring, sqEntries, cqEntries, bufferCount, bufferSize, DATAGRAM_BUFFER_COUNT,
                DATAGRAM_BUFFER_SIZE), linkedFileSends, fixedFiles);
        opened = p;
        return p;
    }

    /** Makes the pollers opened from now on send files as a separate read and send, as where the probe finds no short-read link. */
    UringProvider withoutLinkedFileSends() {
        linkedFileSendsAllowed = false;
        return this;
    }

    /** Makes the pollers opened from now on register {@code count} file slots (0: none, every operation names a descriptor). */
    UringProvider withFixedFiles(int count) {
        fixedFiles = count;
        return this;
    }

    /** The last opened poller's counts; read them on its loop thread. */
    UringStats stats() { return opened.stats(); }

    /** The last opened poller's io_uring_enter calls so far; on its loop thread. */
    long systemCalls() { return opened.systemCalls(); }

    /** What the probe found of linked reads, asked once (a probe makes a ring). */
    private static final class LinkProbe {
        static final boolean SHORT_READ_CANCELS =
                ShimAbi.at(ShimAbi.read(Table.URING_PROBE, UringShim::pants_uring_probe), UringProbeSlot.LINK_SHORT_READ) == 1;
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }
}
