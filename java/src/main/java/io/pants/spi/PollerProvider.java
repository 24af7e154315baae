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

    /**
     * Whether this backend is the operating system's own mechanism here (epoll on Linux, kqueue
     * on BSD and macOS, IOCP on Windows), so that automatic selection passing over it is worth a
     * warning. Decided without loading anything: a probe that failed must not make it false.
     */
    default boolean nativeToThisSystem() { return false; }

    /** Creates a poller; only called after a successful {@link #probe()}. */
    Poller open() throws IOException;

    /** The outcome of a probe. */
    record Availability(boolean available, String detail) {
        public static Availability yes(String detail) { return new Availability(true, detail); }
        public static Availability no(String reason) { return new Availability(false, reason); }
    }
}
