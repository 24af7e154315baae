// SPDX-License-Identifier: Apache-2.0
package io.pants;

/**
 * Where a channel is in its life, in order. Not every kind passes every state: only a
 * {@link Stream} is CONNECTING; a {@link Listener} is OPEN from the start and then CLOSED.
 * CLOSING means closed to the user while queued output is still being sent.
 */
enum ChannelState { NEW, RESOLVING, CONNECTING, OPEN, CLOSING, CLOSED }
