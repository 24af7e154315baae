// SPDX-License-Identifier: Apache-2.0
package io.pants.spi;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Part of a file queued for output. Given a path, the region owns what it opens: a native
 * backend opens its own descriptor for {@code sendfile}, NIO a {@link FileChannel}; given a
 * channel, the caller keeps ownership of it.
 */
public final class FileRegion {
    private final Path path;
    private FileChannel channel;
    private final boolean ownsChannel;
    private long position;
    private long remaining;
    private int nativeFd = -1;
    private Runnable nativeCloser;

    public FileRegion(Path path, long position, long count) {
        this.path = path;
        this.ownsChannel = true;
        this.position = position;
        this.remaining = count;
    }

    public FileRegion(FileChannel channel, long position, long count) {
        this.path = null;
        this.channel = channel;
        this.ownsChannel = false;
        this.position = position;
        this.remaining = count;
    }

    /** The file's path, or null when the region was made from a channel. */
    public Path path() { return path; }

    /** The channel to read from, opened on first use when the region was made from a path. */
    public FileChannel channel() throws IOException {
        if (channel == null) channel = FileChannel.open(path, StandardOpenOption.READ);
        return channel;
    }

    public long position() { return position; }
    public long remaining() { return remaining; }

    /** A descriptor a native backend opened for this region, or -1. */
    public int nativeFd() { return nativeFd; }

    /** Records a descriptor a native backend opened, and how to close it. */
    public void nativeFd(int fd, Runnable closer) {
        this.nativeFd = fd;
        this.nativeCloser = closer;
    }

    void advance(long n) {
        position += n;
        remaining -= n;
    }

    void close() {
        if (nativeCloser != null) {
            nativeCloser.run();
            nativeCloser = null;
            nativeFd = -1;
        }
        if (ownsChannel && channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only file: nothing was buffered that closing could lose
            }
            channel = null;
        }
    }
}
