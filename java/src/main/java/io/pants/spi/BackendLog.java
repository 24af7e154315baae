// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

/**
 * The logger backends report through: the engine's own ({@code io.pants}), so that one logger
 * setting covers the engine and whichever poller it runs on.
 *
 * @since 0.1
 */
public final class BackendLog {
    /** The {@code io.pants} logger. */
    public static final System.Logger LOG = System.getLogger("io.pants");

    private BackendLog() {}
}
