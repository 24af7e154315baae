// SPDX-License-Identifier: Apache-2.0
/**
 * The Linux io_uring backend ({@code io_uring}): completion-based I/O behind the readiness SPI.
 * Listeners accept and streams receive through multishot operations into a provided-buffer
 * ring; connect, shutdown and close are ring operations; what remains readiness is a one-shot
 * poll re-armed while wanted. One {@code io_uring_enter} per loop turn. Chosen by name only.
 */
package io.pants.uring;
