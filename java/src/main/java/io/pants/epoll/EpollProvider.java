// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

import io.pants.posix.LibcSyscalls;
import io.pants.posix.Shim;
import io.pants.spi.BackendLog;
import io.pants.spi.Poller;
import io.pants.spi.PollerProvider;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Linux epoll backend, "epoll", in two bindings: through the C shim (few native crossings
 * per turn), or through libc directly (logged once) when the shim can't be loaded. Its variant
 * {@link EpollLibcProvider} ("epoll-libc") takes libc even when the shim is there.
 */
public class EpollProvider implements PollerProvider {
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();
    private final boolean allowShim;

    public EpollProvider() {
        this(true);
    }

    EpollProvider(boolean allowShim) {
        this.allowShim = allowShim;
    }

    @Override
    public String name() { return allowShim ? "epoll" : "epoll-libc"; }

    /** Why the shim did not load, or null if it did (or was not wanted). */
    public String shimFailure() {
        if (!allowShim) return null;
        return isLinux() ? EpollShim.loadFailure() : "not Linux";
    }

    /** Whether this provider's pollers use the shim. */
    public boolean usesShim() {
        return allowShim && isLinux() && EpollShim.loadFailure() == null;
    }

    @Override
    public boolean nativeToThisSystem() { return isLinux(); }

    @Override
    public Availability probe() {
        if (!isLinux()) return Availability.no("epoll exists on Linux only (this is " + System.getProperty("os.name") + ")");
        try {
            if (usesShim()) {
                tryKernelObjects(new EpollShimBinding());
                return Availability.yes("epoll through the native shim " + Shim.location());
            }
            String libcFailure = EpollLibc.loadFailure() != null ? EpollLibc.loadFailure() : LibcSyscalls.loadFailure();
            if (libcFailure != null) {
                return Availability.no("neither the shim (" + shimFailure() + ") nor libc (" + libcFailure + ") could be bound");
            }
            tryKernelObjects(new EpollLibcBinding());
            return Availability.yes(allowShim ? "epoll through libc; the native shim did not load: " + shimFailure()
                    : "epoll through libc via JNA");
        } catch (Throwable e) {
            return Availability.no("epoll could not be used: " + e);
        }
    }

    /** Opens and closes an epoll instance and an eventfd: a sandbox may refuse either. */
    private static void tryKernelObjects(EpollBinding binding) throws IOException {
        try (binding) {
            int ep = binding.create();
            if (ep < 0) throw new IOException("epoll_create1 failed: " + binding.syscalls().strerror(-ep));
            int ev = binding.eventfd();
            binding.syscalls().close(ep);
            if (ev < 0) throw new IOException("eventfd failed: " + binding.syscalls().strerror(-ev));
            binding.syscalls().close(ev);
        }
    }

    @Override
    public Poller open() throws IOException {
        boolean shim = usesShim();
        if (allowShim && !shim && FALLBACK_LOGGED.compareAndSet(false, true)) {
            String report = Shim.loadFailureReport(); // null when the shim loaded but lacks its epoll part
            BackendLog.LOG.log(Level.WARNING, "The native shim libpants could not be loaded, so the epoll backend runs"
                    + " through libc: the same behaviour, more native calls per loop turn. "
                    + (report != null ? report : shimFailure()) + ". Pollers.probeAll() reports every backend.");
        }
        return new EpollPoller(shim ? new EpollShimBinding() : new EpollLibcBinding(), name());
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux");
    }
}
