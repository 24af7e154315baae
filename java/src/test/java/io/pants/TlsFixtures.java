// SPDX-License-Identifier: Apache-2.0
package io.pants;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What the TLS tests share: a certificate for localhost made once per test JVM (deleted at exit),
 * contexts for it, JDK client sockets, and a TLS echo stream that records what happens to it.
 */
public final class TlsFixtures {
    private TlsFixtures() {}

    private static final class Holder {
        static final Path DIR;
        static final TestCertificates.Pair LOCALHOST;
        static {
            try {
                DIR = Files.createTempDirectory("pants-tls-test");
                LOCALHOST = TestCertificates.localhost(DIR.resolve("localhost"));
            } catch (Exception e) {
                throw new IllegalStateException("could not make the test certificate", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(DIR)));
        }
    }

    /** A self-signed certificate for localhost, 127.0.0.1 and ::1. */
    public static TestCertificates.Pair localhost() { return Holder.LOCALHOST; }

    /** A directory for more certificates, removed at exit. */
    public static Path dir(String name) { return Holder.DIR.resolve(name); }

    public static SSLContext serverContext() { return Tls.serverContext(localhost().cert(), localhost().key()); }

    /** Trusts the localhost certificate only. */
    public static SSLContext clientContext() { return Tls.clientContext(localhost().cert()); }

    /** A JDK client on 127.0.0.1:{@code port} trusting the test certificate, handshaken, limited to {@code protocols} if any. */
    public static SSLSocket jdkClient(int port, String... protocols) throws IOException {
        SSLSocket s = (SSLSocket) clientContext().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout((int) LoopThread.WAIT.toMillis());
        if (protocols.length > 0) s.setEnabledProtocols(protocols);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** A TLS echo that records its session, its errors and its end. */
    static class Echo extends io.pants.Stream {
        final CompletableFuture<javax.net.ssl.SSLSession> handshake = new CompletableFuture<>();
        final CompletableFuture<Boolean> connectedAfterHandshake = new CompletableFuture<>();
        final CompletableFuture<Void> endOfInput = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        final ConcurrentLinkedQueue<javax.net.ssl.SSLException> errors = new ConcurrentLinkedQueue<>();

        @Override protected void onTlsHandshake(javax.net.ssl.SSLSession session) { handshake.complete(session); }
        @Override protected void onConnect() { connectedAfterHandshake.complete(handshake.isDone() && tlsSession() != null); }
        @Override protected void onRead(byte[] data) { write(data); }
        @Override protected void onEndOfInput() {
            endOfInput.complete(null);
            super.onEndOfInput();
        }
        @Override protected void onTlsError(javax.net.ssl.SSLException e) {
            errors.add(e);
            super.onTlsError(e);
        }
        @Override protected void onClose() { closed.complete(null); }
    }

    /** A server on 127.0.0.1 whose streams {@code factory} makes, serving the test certificate; completes {@code first}. */
    static <T extends io.pants.Stream> int serve(LoopThread loop, CompletableFuture<T> first, Supplier<T> factory, TlsConfig tls)
            throws Exception {
        return loop.call(() -> new Server(loop.engine, () -> {
            T s = factory.get();
            first.complete(s);
            return s;
        }).tls(tls).listen("127.0.0.1", 0).port());
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
