// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.posix.NativeLoadFailure;
import io.pants.spi.PollerProvider;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which poller backends exist, which work on this machine, and which one an engine gets.
 *
 * <p>Automatic choice takes the first that works in the order epoll (Linux), kqueue (BSD, macOS),
 * IOCP (Windows), NIO (anywhere); IOCP is a prototype. "Works" means the probe actually loaded
 * its library and created its kernel objects, not that {@code os.name} looks right. Override it
 * with the system property {@code pants.poller}, the environment variable {@code PANTS_POLLER},
 * or {@link Engine#Engine(String)}.
 *
 * <p>Names: {@code epoll} (through the native shim, or through libc when the shim can't load),
 * {@code epoll-libc} (through libc even when the shim is there, for comparison), {@code io_uring}
 * (Linux, through the shim; completion-based, chosen by name only), {@code kqueue}
 * (BSD and macOS; on Linux only on a userspace kqueue named by {@code -Dpants.kqueue.library}),
 * {@code iocp} (Windows, through the shim's pants.dll; a prototype), {@code nio}.
 *
 * @since 0.1
 */
public final class Pollers {
    public static final String PROPERTY = "pants.poller";
    public static final String ENVIRONMENT = "PANTS_POLLER";

    /**
     * Every backend, in the order automatic selection tries them: the class of its
     * {@link PollerProvider}, which has a public constructor without arguments. Adding a backend
     * is its package and one line here; the engine never names one.
     */
    private static final List<String> BACKENDS = List.of(
            "io.pants.epoll.EpollProvider",
            "io.pants.epoll.EpollLibcProvider",
            "io.pants.kqueue.KqueueProvider",
            "io.pants.iocp.IocpProvider",
            "io.pants.nio.NioProvider",
            "io.pants.uring.UringProvider");
    private static final List<PollerProvider> ALL = BACKENDS.stream().map(Pollers::provider).toList();
    /**
     * Never picked automatically: epoll-libc exists for comparison; io_uring is chosen by name
     * until benchmarks show it ahead of epoll on most workloads.
     */
    private static final List<String> NOT_AUTOMATIC = List.of("epoll-libc", "io_uring");

    private static final Map<String, PollerProvider.Availability> PROBES = new ConcurrentHashMap<>();
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private Pollers() {}

    /** Makes a backend's provider; a class that is missing or can't be made is a broken build, not a backend that is unavailable. */
    private static PollerProvider provider(String className) {
        try {
            return Class.forName(className).asSubclass(PollerProvider.class).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("the poller backend " + className + " is missing from this build of Pants: " + e, e);
        }
    }

    /**
     * A backend and whether it works here.
     *
     * @since 0.1
     */
    public record Probe(String name, boolean available, String detail) {
        @Override
        public String toString() { return name + ": " + (available ? "" : "unavailable, ") + detail; }
    }

    /** Probes every backend (once per process) and reports each. */
    public static List<Probe> probeAll() {
        List<Probe> all = new ArrayList<>();
        for (PollerProvider p : ALL) {
            PollerProvider.Availability a = probe(p);
            all.add(new Probe(p.name(), a.available(), a.detail()));
        }
        return all;
    }

    /** The names of the backends that work on this machine. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        for (Probe p : probeAll()) if (p.available()) names.add(p.name());
        return names;
    }

    /**
     * The backend called {@code name}.
     * @throws IllegalArgumentException if there is none by that name or it can't work here; the
     *         message lists what is available and why the others are not
     */
    public static PollerProvider select(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (PollerProvider p : ALL) {
            if (p.name().equals(wanted)) {
                PollerProvider.Availability a = probe(p);
                if (a.available()) return p;
                throw new IllegalArgumentException("Poller '" + name + "' is not available on this machine: "
                        + a.detail() + ". " + summary());
            }
        }
        throw new IllegalArgumentException("Unknown poller '" + name + "'. " + summary());
    }

    /** The backend an engine gets when none is named: the override, or the first that works. */
    public static PollerProvider preferred() {
        String fromProperty = System.getProperty(PROPERTY);
        String fromEnv = System.getenv(ENVIRONMENT);
        PollerProvider chosen;
        String why;
        String skipped = null; // this system's own backends that automatic selection passed over, and why
        if (fromProperty != null && !fromProperty.isBlank()) {
            chosen = select(fromProperty);
            why = "set by -D" + PROPERTY + "=" + fromProperty;
        } else if (fromEnv != null && !fromEnv.isBlank()) {
            chosen = select(fromEnv);
            why = "set by " + ENVIRONMENT + "=" + fromEnv;
        } else {
            chosen = null;
            why = null;
            for (PollerProvider p : ALL) {
                if (!NOT_AUTOMATIC.contains(p.name()) && probe(p).available()) {
                    chosen = p;
                    why = "the first available of " + automaticOrder();
                    break;
                }
            }
            if (chosen == null) throw new IllegalStateException("No poller works on this machine. " + summary());
            skipped = skippedNative(chosen);
        }
        if (LOGGED.compareAndSet(false, true)) {
            String line = "Pants uses the " + chosen.name() + " poller (" + probe(chosen).detail() + "); " + why;
            if (skipped == null) Engine.LOG.log(Level.INFO, line);
            else Engine.LOG.log(Level.WARNING, line + ". " + skipped);
        }
        return chosen;
    }

    /**
     * Why automatic selection passed over this system's own backends on its way to
     * {@code chosen}, each with its probe's reason and, where JNA was the trouble, the way out;
     * null when it passed over none. NIO where no native backend applies (an OS without epoll,
     * kqueue or IOCP) is the right choice, not a fallback, and is not warned about.
     */
    private static String skippedNative(PollerProvider chosen) {
        StringBuilder b = new StringBuilder();
        String wayOut = null;
        for (PollerProvider p : ALL) {
            if (p == chosen) break;
            if (NOT_AUTOMATIC.contains(p.name()) || !nativeToThisSystem(p)) continue;
            PollerProvider.Availability a = probe(p);
            if (a.available()) continue;
            b.append(b.length() == 0 ? "" : "; ").append(p.name()).append(" was skipped: ").append(a.detail());
            if (wayOut == null) wayOut = NativeLoadFailure.jnaWayOut(a.detail());
        }
        if (b.length() == 0) return null;
        return "This system's own poller did not work, so " + chosen.name() + " is a fallback: " + b + ". "
                + (wayOut != null ? wayOut + ". " : "") + "Pollers.probeAll() reports every backend.";
    }

    private static boolean nativeToThisSystem(PollerProvider p) {
        try {
            return p.nativeToThisSystem();
        } catch (Throwable e) { // a class it needs is missing: the probe will say so
            return false;
        }
    }

    private static String automaticOrder() {
        List<String> names = new ArrayList<>();
        for (PollerProvider p : ALL) if (!NOT_AUTOMATIC.contains(p.name())) names.add(p.name());
        return String.join(", ", names);
    }

    private static PollerProvider.Availability probe(PollerProvider p) {
        return PROBES.computeIfAbsent(p.name(), n -> {
            try {
                return p.probe();
            } catch (Throwable e) {
                return PollerProvider.Availability.no("probe failed: " + e);
            }
        });
    }

    private static String summary() {
        StringBuilder ok = new StringBuilder();
        StringBuilder not = new StringBuilder();
        for (Probe p : probeAll()) {
            StringBuilder b = p.available() ? ok : not;
            if (b.length() > 0) b.append("; ");
            b.append(p.name()).append(" (").append(p.detail()).append(')');
        }
        return "Available on this machine: " + (ok.length() == 0 ? "none" : ok)
                + ". Not available: " + (not.length() == 0 ? "none" : not) + ".";
    }
}
