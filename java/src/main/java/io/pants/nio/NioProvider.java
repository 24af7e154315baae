// SPDX-License-Identifier: Apache-2.0
package io.pants.nio;

import io.pants.spi.Poller;
import io.pants.spi.PollerProvider;

import java.io.IOException;
import java.nio.channels.Selector;

/** The portable backend: {@link java.nio.channels.Selector}, wherever Java runs. */
public final class NioProvider implements PollerProvider {
    @Override
    public String name() { return "nio"; }

    @Override
    public Availability probe() {
        try (Selector s = Selector.open()) {
            return Availability.yes("java.nio Selector (" + s.provider().getClass().getSimpleName() + ")");
        } catch (IOException | RuntimeException e) {
            return Availability.no("java.nio Selector.open() failed: " + e);
        }
    }

    @Override
    public Poller open() throws IOException {
        return new NioPoller();
    }
}
