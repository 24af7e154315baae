package io.pants.web;

import io.pants.LoopThread;
import io.pants.NoDescriptorLeaks;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The JDK's HTTP client, one for the whole run, for test classes marked {@link Uses}. On Java 17
 * a client cannot be closed, and its pooled connections close a moment after the server closes
 * them: so the client is made before the descriptor-leak check counts, and the class waits
 * (bounded) for the pool to let go before the check counts again.
 */
final class WebClient {
    private static HttpClient client;

    private WebClient() {}

    /** A test class using {@link #get()}, checked for descriptor leaks. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(Open.class)
    @ExtendWith(NoDescriptorLeaks.class)
    @ExtendWith(Settle.class)
    @interface Uses {
    }

    static synchronized HttpClient get() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER) // the tests look at redirects themselves
                    .connectTimeout(LoopThread.WAIT)
                    .build();
        }
        return client;
    }

    static final class Open implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            get();
        }
    }

    static final class Settle implements BeforeAllCallback, AfterAllCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Settle.class);

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            context.getStore(NS).put("sockets", sockets());
        }

        @Override
        public void afterAll(ExtensionContext context) throws IOException {
            Object before = context.getStore(NS).get("sockets");
            if (before == null) return;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // nothing signals that the pool closed a connection: look again every few milliseconds
            while (sockets() > (int) before && System.nanoTime() < deadline) LockSupport.parkNanos(5_000_000);
        }

        private static int sockets() throws IOException {
            Path fds = Path.of("/proc/self/fd");
            if (!Files.isDirectory(fds)) return 0;
            int n = 0;
            try (var list = Files.list(fds)) {
                for (Path fd : (Iterable<Path>) list::iterator) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) n++;
                    } catch (IOException e) {
                        // closed while listing
                    }
                }
            }
            return n;
        }
    }
}
