// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.net.InetAddress;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Host names to addresses for {@link Stream#connect} and {@link Datagram#connect}: an IP
 * literal at once, a name off the loop thread (the system's lookup blocks), its result handed
 * back to the loop through {@link Engine#execute}.
 */
final class Resolver {
    /** The resolved address, or the failure (then {@code address} is null); runs on the loop thread. */
    interface Result {
        void resolved(InetSocketAddress address, UnknownHostException failure);
    }

    private Resolver() {}

    /** The name of the threads lookups run on. */
    static String threadName() { return "pants-resolver"; }

    /** Whether {@code host} is an IP address literal, which needs no lookup. */
    static boolean isLiteral(String host) {
        if (host.indexOf(':') >= 0) return true; // IPv6
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') dots++;
            else if (c < '0' || c > '9') return false;
        }
        return dots == 3;
    }

    /** An unresolved address whose host {@link #isLiteral is a literal}, resolved without a lookup. */
    static InetSocketAddress literal(InetSocketAddress unresolved) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(unresolved.getHostString()), unresolved.getPort());
    }

    /** {@code host:port} to listen on: a host name is looked up now, on the calling thread (listening is set-up, not the loop's work). */
    static InetSocketAddress forListening(String host, int port) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) throw new UncheckedIOException(new UnknownHostException("listen: unknown host " + host));
        return address;
    }

    /**
     * Looks {@code unresolved} up off the loop thread; {@code then} runs on {@code engine}'s loop
     * with the outcome, unless the engine closed meanwhile (then nobody is left to tell).
     */
    static void resolve(Engine engine, InetSocketAddress unresolved, Result then) {
        Threads.EXECUTOR.execute(() -> {
            InetSocketAddress resolved = null;
            UnknownHostException failure = null;
            try {
                resolved = new InetSocketAddress(InetAddress.getByName(unresolved.getHostString()), unresolved.getPort());
            } catch (UnknownHostException e) {
                failure = e;
            }
            InetSocketAddress r = resolved;
            UnknownHostException f = failure;
            try {
                engine.execute(() -> then.resolved(r, f));
            } catch (RuntimeException closed) {
                // the engine closed while we resolved: nothing left to tell
            }
        });
    }

    /** Made on the first lookup: programs that resolve nothing start no thread. */
    private static final class Threads {
        static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName());
            t.setDaemon(true);
            return t;
        });
    }
}
