// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.netty.channel.epoll.Epoll;
import io.pants.Pollers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every server of the WebSocket echo workload, started as the runner starts it (a child process
 * of its own), takes the echo client's handshake and echoes its masked frames back as plain ones,
 * checked byte for byte, on a few connections for a moment: a load test would otherwise find a
 * broken server only by its zero.
 */
class WsEchoServersTest {
    static List<ServerKind> servers() {
        List<String> pollers = Pollers.available();
        List<ServerKind> all = new ArrayList<>();
        for (ServerKind k : ServerKind.values()) {
            if (!k.speaks(Workload.Protocol.WS_ECHO)) continue;
            if (k.pantsPoller() != null && !pollers.contains(k.pantsPoller())) continue;
            if (k == ServerKind.NETTY_EPOLL && !Epoll.isAvailable()) continue;
            all.add(k);
        }
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void echoesWebSocketFrames(ServerKind kind) throws Exception {
        try (ServerProcess server = new ServerProcess(kind, Workload.WS_ECHO_100, null, List.of("-Xmx128m"));
             EchoClient client = new EchoClient(server.port, 3, 64, new WebSocketFraming())) {
            EchoClient.Result r = client.run(Duration.ofMillis(500), Duration.ofSeconds(20));
            assertTrue(r.roundTrips() > 0, kind + " echoed nothing; " + server.diagnostics());
            assertEquals(r.roundTrips(), r.latencies().getTotalCount());
        }
    }
}
