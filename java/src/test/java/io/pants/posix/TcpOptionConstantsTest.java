// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Platform;
import io.pants.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The libc binding's table of stream socket options for this system must agree with what the shim was compiled with. */
class TcpOptionConstantsTest {
    @Test
    void theLibcTableMatchesTheShim() {
        assumeTrue(Platform.isLinux() || Platform.isMac() || Platform.isFreeBSD(), "a system with a table here");
        assumeTrue(Backends.shimWasBuilt() && Shim.loadFailure() == null, "the native shim is not built or not loaded: " + Shim.loadFailure());
        assertArrayEquals(TcpOptionConstants.fromShim().values(), TcpOptionConstants.forThisSystem().values(),
                "SO_KEEPALIVE, SO_LINGER, struct linger, TCP_KEEPIDLE/INTVL/CNT (ShimAbi.TcpOptionSlot order)");
    }
}
