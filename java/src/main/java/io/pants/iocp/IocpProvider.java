// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import io.pants.spi.Poller;
import io.pants.spi.PollerProvider;

import java.io.IOException;

/**
 * The Windows backend, "iocp": readiness over an I/O completion port and AFD polls, through
 * the shim's pants.dll. A prototype: its native part is tested under Wine, the Java part has
 * not run on real Windows yet (see the README's platform table).
 */
public final class IocpProvider implements PollerProvider {
    @Override
    public String name() { return "iocp"; }

    @Override
    public boolean nativeToThisSystem() { return System.getProperty("os.name", "").startsWith("Windows"); }

    @Override
    public Availability probe() {
        String failure = IocpShim.loadFailure();
        if (failure != null) return Availability.no(failure);
        try {
            new IocpPoller().close();
            return Availability.yes("IOCP with AFD polls through the native shim " + IocpShim.location() + " (prototype)");
        } catch (Throwable e) {
            return Availability.no("IOCP could not be used: " + e);
        }
    }

    @Override
    public Poller open() throws IOException {
        return new IocpPoller();
    }
}
