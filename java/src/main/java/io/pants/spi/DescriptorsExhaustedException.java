// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;

/**
 * Accept failed because the process or the system ran out of file descriptors (EMFILE, ENFILE)
 * or kernel memory. Retrying at once would fail the same way: the engine pauses accepting.
 */
public class DescriptorsExhaustedException extends IOException {
    public DescriptorsExhaustedException(String message) { super(message); }
}
