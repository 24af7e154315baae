// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

/**
 * Where encoded message bytes go: a response's place in its connection's pipeline here; a
 * client's stream, later. The bytes are only borrowed: a sink that keeps them copies them.
 */
interface ByteSink {
    void put(byte[] b, int off, int len);
}
