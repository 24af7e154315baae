// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.handler.ssl.OpenSsl;
import io.pants.Pollers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every server of the TLS workloads, started as the runner starts it, speaks TLS: the TLS echo
 * client gets checked round trips from it, and the HTTPS hello world answers over TLS, kept
 * alive and then closed on request. Not a measurement: a check that the workloads can run.
 */
class TlsServersTest {
    static List<ServerKind> servers() {
        List<ServerKind> all = new ArrayList<>();
        for (ServerKind k : ServerKind.values()) {
            if (!k.speaks(Workload.Protocol.TLS_ECHO)) continue;
            if (k.pantsPoller() != null && !Pollers.available().contains(k.pantsPoller())) continue;
            if (k.onNettyEpoll() && !Epoll.isAvailable()) continue;
            if (k.onNettyIoUring() && !IoUring.isAvailable()) continue;
            if (k == ServerKind.NETTY_EPOLL_OPENSSL && !OpenSsl.isAvailable()) continue;
            all.add(k);
        }
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void echoesOverTls(ServerKind kind) throws Exception {
        try (ServerProcess server = new ServerProcess(kind, Workload.TLS_ECHO_100, null, List.of("-Xmx128m"));
             TlsEchoClient client = new TlsEchoClient(server.port, 3, 64)) {
            EchoClient.Result r = client.run(Duration.ofMillis(300), Duration.ofSeconds(20));
            assertTrue(r.roundTrips() > 0, kind + ": no round trip; " + server.diagnostics());
            assertEquals(r.roundTrips(), r.latencies().getTotalCount());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void answersHelloOverHttps(ServerKind kind) throws Exception {
        try (ServerProcess server = new ServerProcess(kind, Workload.HTTPS_HELLO_100, null, List.of("-Xmx128m"));
             SSLSocket s = (SSLSocket) BenchmarkCertificate.trustingClient().getSocketFactory().createSocket("127.0.0.1", server.port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertEquals(2, all.split("Hello, World!", -1).length - 1, kind + ": two answers, then the close:\n" + all);
        }
    }
}
