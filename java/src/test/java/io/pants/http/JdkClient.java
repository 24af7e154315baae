// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The JDK's own HTTP client ({@code java.net.http}), one for the whole test run, for test
 * classes marked {@link Uses}. On Java 17 a client can't be closed: its selector lives as long
 * as it does, and its pooled connections close a moment after the server closes them. So the
 * client is made before the descriptor-leak check takes its first count, and the class waits
 * (bounded) for the pool to let go of closed connections before the check counts again.
 */
public final class JdkClient {
    private static HttpClient client, https;

    private JdkClient() {}

    /** Marks a test class that uses {@link #get()}, with the descriptor-leak check around it. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(Open.class)
    @ExtendWith(NoDescriptorLeaks.class)
    @ExtendWith(Settle.class)
    public @interface Uses {
    }

    public static synchronized HttpClient get() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER) // tests look at redirects themselves
                    .connectTimeout(LoopThread.WAIT)
                    .build();
        }
        return client;
    }

    /** A client trusting the test certificate ({@link io.pants.TlsFixtures#localhost()}), checking host names. */
    public static synchronized HttpClient https() {
        if (https == null) {
            https = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(LoopThread.WAIT)
                    .sslContext(io.pants.TlsFixtures.clientContext())
                    .build();
        }
        return https;
    }

    /** A GET with a bounded wait. */
    public static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return get().send(HttpRequest.newBuilder(uri).timeout(LoopThread.WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    static final class Open implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            get();
            https();
        }
    }

    static final class Settle implements BeforeAllCallback, AfterAllCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Settle.class);

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            context.getStore(NS).put("sockets", sockets());
        }

        /** Waits until no more sockets are open than at the start; the leak check then tells what is left. */
        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            Object before = context.getStore(NS).get("sockets");
            if (before == null || !Files.isDirectory(Path.of("/proc/self/fd"))) return;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // nothing signals a descriptor's closing: look again every few milliseconds
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
