// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import io.pants.Backends;
import io.pants.Pollers;
import io.pants.posix.ShimAbi;
import io.pants.posix.ShimAbi.Table;
import io.pants.posix.ShimAbi.UringProbeSlot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The probe asks a real ring what it has, and says precisely why io_uring can't be used when
 * something is missing. The kernel here has everything, so the refusals are shown on the
 * probe's own findings with one thing taken away at a time.
 */
class UringProbeTest {
    private UringConstants k;
    private int[] found;

    @BeforeEach
    void probe() {
        assumeTrue(Backends.ioUringExpected(), "io_uring is not expected to work here (not Linux, no shim, or switched off)");
        k = UringConstants.fromShim();
        found = ShimAbi.read(Table.URING_PROBE, UringShim::pants_uring_probe);
    }

    private int[] with(UringProbeSlot slot, int value) {
        int[] p = found.clone();
        p[slot.ordinal()] = value;
        return p;
    }

    @Test
    void thisKernelHasEverythingTheBackendNeeds() {
        assertNull(UringProvider.refusal(found, k), "refused although io_uring_disabled is 0");
        assertEquals(0, ShimAbi.at(found, UringProbeSlot.SETUP));
        assertEquals(0, ShimAbi.at(found, UringProbeSlot.PBUF_RING), "a provided-buffer ring could not be registered");
    }

    @Test
    void switchedOffBySysctlOrSeccompSaysSo() {
        String why = UringProvider.refusal(with(UringProbeSlot.SETUP, 1), k); // EPERM, as the sysctl and seccomp give
        assertTrue(why.startsWith("io_uring_setup failed: ") && why.contains("errno 1"), why);
        // the sysctl is 0 here, so the cause named is the other one
        assertTrue(why.contains("seccomp"), why);
    }

    @Test
    void aKernelWithoutIoUringSaysSo() {
        String why = UringProvider.refusal(with(UringProbeSlot.SETUP, 38), k);
        assertTrue(why.contains("ENOSYS") && why.contains("CONFIG_IO_URING"), why);
    }

    @Test
    void aMissingFeatureIsNamed() {
        String why = UringProvider.refusal(with(UringProbeSlot.FEATURES, ShimAbi.at(found, UringProbeSlot.FEATURES) & ~k.featNoDrop), k);
        assertTrue(why.contains("IORING_FEAT_NODROP"), why);
    }

    @Test
    void aMissingOperationIsNamed() {
        String why = UringProvider.refusal(with(UringProbeSlot.OP_SHUTDOWN, 0), k);
        assertTrue(why.contains("IORING_OP_SHUTDOWN"), why);
        why = UringProvider.refusal(with(UringProbeSlot.OP_ACCEPT, -22), k);
        assertTrue(why.startsWith("IORING_REGISTER_PROBE failed"), why);
    }

    @Test
    void noProvidedBufferRingSaysSo() {
        String why = UringProvider.refusal(with(UringProbeSlot.PBUF_RING, -22), k);
        assertTrue(why.contains("IORING_REGISTER_PBUF_RING"), why);
    }

    @Test
    void noMultishotReceiveSaysSo() {
        assertEquals(1, ShimAbi.at(found, UringProbeSlot.RECV_MULTISHOT), "the multishot receive on a socket pair");
        String why = UringProvider.refusal(with(UringProbeSlot.RECV_MULTISHOT, -22), k);
        assertTrue(why.contains("IORING_RECV_MULTISHOT"), why);
        why = UringProvider.refusal(with(UringProbeSlot.RECV_MULTISHOT, 0), k);
        assertTrue(why.contains("IORING_RECV_MULTISHOT") && why.contains("first completion"), why);
    }

    /** A kernel where a short read would not cancel its linked send keeps the backend: files then go as a read, then a send. */
    @Test
    void aShortReadCancelsWhatIsLinkedToItAndIsNotRequired() {
        assertEquals(1, ShimAbi.at(found, UringProbeSlot.LINK_SHORT_READ), "the read linked to a short read of a one-byte file");
        assertNull(UringProvider.refusal(with(UringProbeSlot.LINK_SHORT_READ, 0), k), "refused for want of a short-read link");
        assertNull(UringProvider.refusal(with(UringProbeSlot.LINK_SHORT_READ, -22), k), "refused for a failed short-read probe");
    }

    @Test
    void chosenByNameNeverAutomatically() {
        assertEquals("io_uring", Pollers.select("io_uring").name());
        assertTrue(Pollers.available().contains("io_uring"));
        assumeTrue(System.getProperty(Pollers.PROPERTY) == null && System.getenv(Pollers.ENVIRONMENT) == null,
                "this JVM names a poller, so there is no automatic choice to look at");
        // the automatic choice on Linux stays epoll until benchmarks say otherwise
        assertEquals("epoll", Pollers.preferred().name());
    }
}
