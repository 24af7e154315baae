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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop never runs the handshake's heavy work: the key manager is asked on the "pants-tls-task" threads. */
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
            assertTrue(keyThreads.stream().allMatch(t -> t.equals("pants-tls-task")), "on the task threads: " + keyThreads);
        }
    }

    /** The test certificate's context, with a key manager that notes which threads ask it for the server's key. */
    private static SSLContext recordingServerContext(Set<String> threads) throws Exception {
        TestCertificates.Pair pair = TlsFixtures.localhost();
        KeyStore ks = KeyStore.getInstance(pair.keyStore().toFile(), TestCertificates.PASSWORD.toCharArray());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, TestCertificates.PASSWORD.toCharArray());
        X509ExtendedKeyManager real = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        X509ExtendedKeyManager recording = new X509ExtendedKeyManager() {
            @Override public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                threads.add(Thread.currentThread().getName());
                return real.chooseEngineServerAlias(keyType, issuers, engine);
            }
            @Override public PrivateKey getPrivateKey(String alias) {
                threads.add(Thread.currentThread().getName());
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
