// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import com.sun.jna.Platform;
import io.pants.spi.PollerProvider.Availability;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The iocp backend's probe. Off Windows it must say no, and why; on Windows it must work when
 * the build carried pants.dll. Its behaviour on real sockets is covered there by every
 * {@code @BackendTest}, which includes each available backend.
 */
class IocpProviderTest {
    @Test
    void isUnavailableOffWindowsAndSaysWhy() {
        assumeFalse(Platform.isWindows(), "on Windows the probe is tested by probeWorksOnWindows");
        Availability a = new IocpProvider().probe();
        assertFalse(a.available(), a.detail());
        assertTrue(a.detail().contains("Windows only"), a.detail());
    }

    @Test
    void probeWorksOnWindowsWhenTheShimWasBuilt() {
        assumeTrue(Platform.isWindows(), "the IOCP backend runs on Windows only; this is " + System.getProperty("os.name")
                + " (its native part is tested under Wine by .ci/run)");
        assumeTrue(IocpProviderTest.class.getClassLoader().getResource(Platform.RESOURCE_PREFIX + "/pants.dll") != null,
                "pants.dll was not built into the class path");
        Availability a = new IocpProvider().probe();
        assertTrue(a.available(), a.detail());
        assertNotNull(IocpShim.location());
        assertEquals("iocp", new IocpProvider().name());
    }

    @Test
    void theShimsConstantsMatchTheDocumentedAfdBitsOnWindows() {
        assumeTrue(Platform.isWindows() && IocpShim.loadFailure() == null,
                "needs pants.dll loaded on Windows; this is " + System.getProperty("os.name"));
        AfdEvents fromShim = WinsockConstants.fromShim().afd;
        AfdEvents documented = AfdEvents.DOCUMENTED;
        assertEquals(documented.interestMask(io.pants.spi.Poller.READ | io.pants.spi.Poller.WRITE),
                fromShim.interestMask(io.pants.spi.Poller.READ | io.pants.spi.Poller.WRITE));
        assertEquals(documented.pollFailed, fromShim.pollFailed);
    }
}
