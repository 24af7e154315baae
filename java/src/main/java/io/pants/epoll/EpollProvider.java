package io.pants.epoll;

import io.pants.posix.DatagramConstants;
import io.pants.posix.LibcSyscalls;
import io.pants.posix.Shim;
import io.pants.posix.ShimSyscalls;
import io.pants.posix.SocketConstants;
import io.pants.posix.Syscalls;
import io.pants.spi.Poller;
import io.pants.spi.PollerProvider;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Linux epoll backend, in two bindings: through the C shim (few native crossings per
 * turn), or through libc directly when the shim can't be loaded.
 */
public final class EpollProvider implements PollerProvider {
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();
    private final boolean allowShim;

    private EpollProvider(boolean allowShim) {
        this.allowShim = allowShim;
    }

    /** "epoll": the shim, or libc (logged once) when the shim can't be loaded. */
    public static EpollProvider withShim() { return new EpollProvider(true); }

    /** "epoll-libc": libc even when the shim is there, to compare the two. */
    public static EpollProvider libcOnly() { return new EpollProvider(false); }

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
    public Availability probe() {
        if (!isLinux()) return Availability.no("epoll exists on Linux only (this is " + System.getProperty("os.name") + ")");
        try {
            if (usesShim()) {
                // no constants needed: the shim fills the structs; no datagram socket is opened here
                tryKernelObjects(new EpollCalls(true, null, 0), new ShimSyscalls(0));
                return Availability.yes("epoll through the native shim " + Shim.location());
            }
            String libcFailure = EpollLibc.loadFailure() != null ? EpollLibc.loadFailure() : LibcSyscalls.loadFailure();
            if (libcFailure != null) {
                return Availability.no("neither the shim (" + shimFailure() + ") nor libc (" + libcFailure + ") could be bound");
            }
            SocketConstants k = SocketConstants.linux();
            tryKernelObjects(new EpollCalls(false, EpollConstants.linuxGeneric(), k.eAgain), LibcSyscalls.linux(k, DatagramConstants.linux()));
            return Availability.yes(allowShim ? "epoll through libc; the native shim did not load: " + shimFailure()
                    : "epoll through libc via JNA");
        } catch (Throwable e) {
            return Availability.no("epoll could not be used: " + e);
        }
    }

    /** Opens and closes an epoll instance and an eventfd: a sandbox may refuse either. */
    private static void tryKernelObjects(EpollCalls epoll, Syscalls sys) throws IOException {
        int ep = epoll.create();
        if (ep < 0) throw new IOException("epoll_create1 failed: " + sys.strerror(-ep));
        int ev = epoll.eventfd();
        sys.close(ep);
        if (ev < 0) throw new IOException("eventfd failed: " + sys.strerror(-ev));
        sys.close(ev);
    }

    @Override
    public Poller open() throws IOException {
        boolean shim = usesShim();
        if (allowShim && !shim && FALLBACK_LOGGED.compareAndSet(false, true)) {
            System.getLogger("io.pants").log(Level.WARNING,
                    "The native shim libpants could not be loaded (" + shimFailure() + "); the epoll backend runs through libc,"
                            + " which costs more native calls per loop turn. Build it with 'mvn package' or set -Dpants.shim.path.");
        }
        return new EpollPoller(shim, name());
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux");
    }
}
