// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Objects;
import java.util.Set;

/**
 * The socket options Pants sets on TCP streams and listening sockets ({@link Stream#option},
 * {@link Server#option}), checked before any backend sees them. The TCP keep-alive options of
 * {@code jdk.net.ExtendedSocketOptions} are known by name, so that the library does not need
 * the {@code jdk.net} module.
 */
final class SocketOptions {
    /** {@code jdk.net.ExtendedSocketOptions}' names for the keep-alive timings. */
    static final String TCP_KEEPIDLE = "TCP_KEEPIDLE", TCP_KEEPINTERVAL = "TCP_KEEPINTERVAL", TCP_KEEPCOUNT = "TCP_KEEPCOUNT";
    private static final Set<SocketOption<?>> STANDARD = Set.of(StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_LINGER, StandardSocketOptions.SO_REUSEPORT);
    private static final Set<String> EXTENDED = Set.of(TCP_KEEPIDLE, TCP_KEEPINTERVAL, TCP_KEEPCOUNT);

    private SocketOptions() {}

    /** Throws, naming the options that are, for an option or value Pants does not set. */
    static <T> void check(SocketOption<T> option, T value) {
        Objects.requireNonNull(option, "option");
        Objects.requireNonNull(value, "value");
        if (!STANDARD.contains(option) && !EXTENDED.contains(option.name())) {
            throw new IllegalArgumentException("Pants does not set " + option.name() + " on TCP sockets; it sets TCP_NODELAY,"
                    + " SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_LINGER, SO_REUSEPORT (listeners) and jdk.net.ExtendedSocketOptions"
                    + " TCP_KEEPIDLE, TCP_KEEPINTERVAL, TCP_KEEPCOUNT");
        }
        if (!option.type().isInstance(value)) {
            throw new IllegalArgumentException(option.name() + " takes a " + option.type().getSimpleName() + ", got " + value);
        }
        if (value instanceof Integer i && i < 0 && option != StandardSocketOptions.SO_LINGER) {
            throw new IllegalArgumentException(option.name() + " must not be negative, got " + i);
        }
    }
}
