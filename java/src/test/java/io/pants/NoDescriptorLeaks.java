// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class that leaves sockets, pipes, epoll or eventfd descriptors open that were not
 * open before it ran ({@code @ExtendWith(NoDescriptorLeaks.class)}). Regular files (jars the
 * class loader opens lazily) are not counted. Linux only; elsewhere it checks nothing and says so.
 */
public final class NoDescriptorLeaks implements BeforeAllCallback, AfterAllCallback {
    private static final Path FDS = Path.of("/proc/self/fd");
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoDescriptorLeaks.class);

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        warmUpJdk();
        if (Files.isDirectory(FDS)) context.getStore(NS).put("before", kernelObjects());
        else System.err.println("NoDescriptorLeaks: no /proc/self/fd here, descriptor leaks are not checked");
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterAll(ExtensionContext context) throws IOException {
        List<String> before = (List<String>) context.getStore(NS).get("before");
        if (before == null) return;
        List<String> after = kernelObjects();
        List<String> leaked = new ArrayList<>(after);
        for (String b : before) leaked.remove(b);
        if (!leaked.isEmpty()) {
            fail(context.getDisplayName() + " leaked " + leaked.size() + " descriptor(s): " + leaked);
        }
    }

    /**
     * The JDK keeps one socket of its own open for good once NIO closes its first channel (the
     * "pre-close" descriptor that closing channels are dup2'ed onto). Create it before counting.
     */
    private static void warmUpJdk() throws IOException {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open()) {
            ch.configureBlocking(false);
        }
    }

    /** fd -> target of every socket, pipe and anonymous inode (epoll, eventfd) open now. */
    static List<String> kernelObjects() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(FDS)) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed while listing (the listing's own descriptor, say)
                }
                if (target.startsWith("socket:") || target.startsWith("pipe:") || target.startsWith("anon_inode:")) {
                    out.add(fd.getFileName() + "->" + target);
                }
            }
        }
        return out;
    }
}
