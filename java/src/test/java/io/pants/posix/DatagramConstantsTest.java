// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Platform;
import io.pants.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The libc binding assumes the generic Linux values and the 64-bit glibc msghdr layout; the
 * shim knows them from the compiler. Where both exist, they must agree.
 */
class DatagramConstantsTest {
    @Test
    void theLibcBindingsAssumptionsMatchWhatTheShimWasCompiledWith() {
        assumeTrue(Platform.isLinux() && Platform.is64Bit(), "the libc binding is for 64-bit Linux");
        assumeTrue(Backends.shimWasBuilt() && Shim.loadFailure() == null, "the native shim is not built or not loaded: " + Shim.loadFailure());
        DatagramConstants shim = DatagramConstants.fromShim(), libc = DatagramConstants.linux();
        assertArrayEquals(shim.constants(), libc.constants(),
                "constants (order of DatagramConstants.LINUX)");
        assertArrayEquals(shim.layout(), libc.layout(),
                "mmsghdr/msghdr layout (order of DatagramConstants.LINUX_MSGHDR)");
    }
}
