// SPDX-License-Identifier: Apache-2.0
package io.pants.epoll;

/** "epoll-libc": the epoll backend through libc even when the shim is there, to compare the two. */
public final class EpollLibcProvider extends EpollProvider {
    public EpollLibcProvider() {
        super(false);
    }
}
