// SPDX-License-Identifier: Apache-2.0
package io.pants;

import io.pants.spi.Poller;

import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a server on several loops spreads the connections it accepts: a listening socket per loop
 * with {@code SO_REUSEPORT} (the kernel balances; nothing crosses threads), or one loop that
 * accepts and hands each connection to the next loop. Chosen per backend
 * ({@link Poller#kernelBalancesListeners()}), overridden by {@code -Dpants.accept}, and logged
 * once per backend, as the poller choice is.
 */
final class AcceptDistribution {
    static final String PROPERTY = "pants.accept";
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private AcceptDistribution() {}

    /** Whether servers on several loops of {@code poller}'s backend hand accepted connections over. */
    static boolean handsOff(Poller poller) {
        String set = System.getProperty(PROPERTY);
        boolean handOff;
        String why;
        if (set != null && set.trim().toLowerCase(Locale.ROOT).equals("reuseport")) {
            handOff = false;
            why = "set by -D" + PROPERTY + "=" + set;
        } else if (set != null && set.trim().toLowerCase(Locale.ROOT).equals("handoff")) {
            handOff = true;
            why = "set by -D" + PROPERTY + "=" + set;
        } else {
            if (set != null && !set.isBlank()) {
                Engine.LOG.log(Level.WARNING, "-D" + PROPERTY + "=" + set + " is neither reuseport nor handoff; ignored");
            }
            handOff = !poller.kernelBalancesListeners();
            why = handOff ? "the kernel does not spread connections among sockets sharing a port here"
                    : "the kernel spreads connections among sockets sharing a port";
        }
        if (LOGGED.add(poller.name() + handOff)) {
            Engine.LOG.log(Level.INFO, "Servers on several " + poller.name() + " loops "
                    + (handOff ? "accept on their first loop, which hands connections to the others round robin"
                               : "listen on every loop with SO_REUSEPORT")
                    + "; " + why);
        }
        return handOff;
    }
}
