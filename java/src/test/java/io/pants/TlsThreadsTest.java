// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop never runs the handshake's heavy work: the key manager is asked on the "pants-tls-task-N" threads. */
@ExtendWith(NoDescriptorLeaks.class)
class TlsThreadsTest {
    @BackendTest
    void delegatedTasksRunOffTheLoop(String backend) throws Exception {
        Set<String> keyThreads = ConcurrentHashMap.newKeySet();
        SSLContext recording = recordingServerContext(keyThreads);
        try (LoopThread loop = new LoopThread(backend)) {
            String loopThread = loop.call(() -> Thread.currentThread().getName());
            CompletableFuture<String> handshakeThread = new CompletableFuture<>();
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), () -> new TlsFixtures.Echo() {
                @Override protected void onTlsHandshake(javax.net.ssl.SSLSession session) {
                    handshakeThread.complete(Thread.currentThread().getName());
                }
            }, TlsConfig.of(recording));
            try (SSLSocket c = TlsFixtures.jdkClient(port)) {
                c.getOutputStream().write('x');
                c.getOutputStream().flush();
                assertEquals('x', c.getInputStream().read());
            }
            assertEquals(loopThread, Await.get(handshakeThread, "onTlsHandshake"), "callbacks run on the loop thread");
            assertFalse(keyThreads.isEmpty(), "the key manager was asked");
            assertFalse(keyThreads.contains(loopThread), "the loop thread did key work: " + keyThreads);
            assertTrue(keyThreads.stream().allMatch(t -> t.startsWith("pants-tls-task-")), "on the task threads: " + keyThreads);
        }
    }

    @BackendTest
    void handshakesBeyondOnePerProcessorQueueForATaskThread(String backend) throws Exception {
        // Each handshake's key work holds a task thread until the gate opens: with a thread per
        // handshake all of them would be inside at once and none would wait.
        int threads = TlsTasks.THREADS, handshakes = threads + 3;
        AtomicInteger inside = new AtomicInteger(), mostInside = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        SSLContext gated = gatedServerContext(inside, mostInside, gate);
        ExecutorService clients = Executors.newFixedThreadPool(handshakes);
        try (LoopThread loop = new LoopThread(backend)) {
            int port = TlsFixtures.serve(loop, new CompletableFuture<>(), TlsFixtures.Echo::new, TlsConfig.of(gated));
            List<Future<Integer>> echoes = new ArrayList<>();
            try {
                for (int i = 0; i < handshakes; i++) {
                    int n = i;
                    echoes.add(clients.submit(() -> {
                        try (SSLSocket c = TlsFixtures.jdkClient(port)) {
                            c.getOutputStream().write('a' + n);
                            c.getOutputStream().flush();
                            return c.getInputStream().read();
                        }
                    }));
                }
                long end = System.nanoTime() + LoopThread.WAIT.toNanos();
                while (!(inside.get() == threads && TlsTasks.waiting() == handshakes - threads)) {
                    assertTrue(System.nanoTime() - end < 0, () -> "timed out after " + LoopThread.WAIT + " waiting for every task thread"
                            + " to be busy and " + (handshakes - threads) + " handshakes to wait; inside " + inside.get()
                            + ", waiting " + TlsTasks.waiting());
                    loop.run(() -> { }); // a turn of the loop between checks: it is what submits the handshakes' tasks
                }
            } finally {
                gate.countDown();
            }
            for (int i = 0; i < handshakes; i++) {
                assertEquals('a' + i, echoes.get(i).get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "client " + i + "'s echo");
            }
            assertEquals(threads, mostInside.get(), "task threads at work at once");
        } finally {
            clients.shutdownNow();
        }
    }

    /** The test certificate's context, whose key manager holds each handshake at the gate. */
    private static SSLContext gatedServerContext(AtomicInteger inside, AtomicInteger mostInside, CountDownLatch gate) throws Exception {
        return wrappedServerContext(new KeyQuestion() {
            @Override public void asked() {
                mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                try {
                    if (!gate.await(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS)) throw new IllegalStateException("the gate never opened");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inside.decrementAndGet();
                }
            }
        });
    }

    private interface KeyQuestion {
        void asked();
    }

    /** The test certificate's context, with a key manager that notes which threads ask it for the server's key. */
    private static SSLContext recordingServerContext(Set<String> threads) throws Exception {
        return wrappedServerContext(() -> threads.add(Thread.currentThread().getName()));
    }

    /** The test certificate's context, with a key manager that calls {@code question} when asked to choose the server's key. */
    private static SSLContext wrappedServerContext(KeyQuestion question) throws Exception {
        TestCertificates.Pair pair = TlsFixtures.localhost();
        KeyStore ks = KeyStore.getInstance(pair.keyStore().toFile(), TestCertificates.PASSWORD.toCharArray());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, TestCertificates.PASSWORD.toCharArray());
        X509ExtendedKeyManager real = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        X509ExtendedKeyManager recording = new X509ExtendedKeyManager() {
            @Override public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                question.asked();
                return real.chooseEngineServerAlias(keyType, issuers, engine);
            }
            @Override public PrivateKey getPrivateKey(String alias) {
                return real.getPrivateKey(alias);
            }
            @Override public X509Certificate[] getCertificateChain(String alias) { return real.getCertificateChain(alias); }
            @Override public String[] getClientAliases(String keyType, Principal[] issuers) { return real.getClientAliases(keyType, issuers); }
            @Override public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return real.chooseClientAlias(keyType, issuers, socket);
            }
            @Override public String[] getServerAliases(String keyType, Principal[] issuers) { return real.getServerAliases(keyType, issuers); }
            @Override public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return real.chooseServerAlias(keyType, issuers, socket);
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {recording}, null, null);
        return context;
    }
}
