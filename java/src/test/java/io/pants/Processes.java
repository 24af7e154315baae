// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.IOException;

/** What the tests that run a peer program (curl, openssl, python, node) share. */
public final class Processes {
    private Processes() {}

    /**
     * Closes the pipes to and from a child that has ended. The JDK closes them itself, but on its
     * reaper thread, a moment after {@code waitFor} returns: the descriptor-leak check would count
     * them (two or three pipes) if it ran in that moment.
     */
    public static void closeStreams(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // a child that ended may have left the pipe broken; closing it is all that is wanted
        }
        try {
            p.getInputStream().close();
        } catch (IOException ignored) {
            // as above
        }
        try {
            p.getErrorStream().close();
        } catch (IOException ignored) {
            // as above
        }
    }
}
