// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import io.pants.spi.Poller;
import io.pants.spi.PollerProvider;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The kqueue backend of BSD and macOS. kqueue() and kevent() come from the C library, or from
 * the shared library named by the system property {@code pants.kqueue.library} (environment:
 * {@code PANTS_KQUEUE_LIBRARY}), which makes the backend available on Linux too, on a userspace
 * kqueue such as libkqueue; that is how it is tested there.
 */
public final class KqueueProvider implements PollerProvider {
    /** The system property naming a library that provides kqueue() and kevent(). */
    public static final String LIBRARY_PROPERTY = KqueueBinding.PROPERTY;
    /** The environment variable doing the same when the property is not set. */
    public static final String LIBRARY_ENVIRONMENT = KqueueBinding.ENVIRONMENT;

    /** How {@code os.name} starts on the systems whose kernel has kqueue (the ones KqueuePlatform has tables for, but without loading them). */
    private static final List<String> KQUEUE_SYSTEMS = List.of("mac", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly");

    @Override
    public String name() { return "kqueue"; }

    @Override
    public boolean nativeToThisSystem() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        // a kqueue library named on purpose (libkqueue on Linux) is wanted as much as the kernel's own
        return KQUEUE_SYSTEMS.stream().anyMatch(os::startsWith) || KqueueBinding.configuredLibrary() != null;
    }

    @Override
    public Availability probe() {
        KqueueBinding b;
        try {
            b = KqueueBinding.get();
        } catch (IllegalStateException e) {
            return Availability.no(e.getMessage());
        }
        try (KqueuePoller p = new KqueuePoller(b, name())) {
            return Availability.yes(p.description());
        } catch (Throwable e) {
            return Availability.no("kqueue could not be used: " + e);
        }
    }

    @Override
    public Poller open() throws IOException {
        return new KqueuePoller(KqueueBinding.get(), name());
    }
}
