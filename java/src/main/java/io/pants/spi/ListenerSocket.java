// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;

/**
 * A listening socket ({@link Poller#listen}): READ readiness means connections to
 * {@link #accept}. Loop thread only.
 */
public interface ListenerSocket extends PollerSocket {
    /**
     * Accepts one pending connection.
     *
     * @return the accepted stream, not yet registered; null when none is pending
     * @throws IOException when accepting failed
     * @throws DescriptorsExhaustedException when the process or system is out of descriptors
     */
    StreamSocket accept() throws IOException;
}
