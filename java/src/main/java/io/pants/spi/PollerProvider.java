// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;

/** A backend as seen by selection: a name, a probe that says whether it works here, a factory. */
public interface PollerProvider {
    /** The name users select it by ({@code -Dpants.poller=NAME}). */
    String name();

    /**
     * Tries the backend for real (loads its libraries, creates and closes its kernel objects)
     * and says whether it can be used on this machine, and why or why not.
     */
    Availability probe();

    /** Creates a poller; only called after a successful {@link #probe()}. */
    Poller open() throws IOException;

    /** The outcome of a probe. */
    record Availability(boolean available, String detail) {
        public static Availability yes(String detail) { return new Availability(true, detail); }
        public static Availability no(String reason) { return new Availability(false, reason); }
    }
}
