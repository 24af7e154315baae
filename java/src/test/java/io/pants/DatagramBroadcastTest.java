// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broadcast is opt-in: without {@code broadcast(true)} the system refuses a datagram to a
 * broadcast address, and {@code onError} says so; with it, the datagram arrives. The broadcast
 * address is loopback's own (127.255.255.255), so nothing leaves the machine.
 */
@ExtendWith(NoDescriptorLeaks.class)
class DatagramBroadcastTest {
    @BackendTest
    void broadcastNeedsToBeSwitchedOn(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            RecordingDatagram receiver = new RecordingDatagram(loop.engine);
            int port = loop.call(() -> receiver.listen(0).port()); // a broadcast reaches sockets bound to the wildcard
            InetSocketAddress everyone = new InetSocketAddress("127.255.255.255", port);
            RecordingDatagram sender = new RecordingDatagram(loop.engine);
            loop.run(() -> sender.listen("127.0.0.1", 0));
            assertEquals(Boolean.FALSE, loop.call(() -> sender.option(StandardSocketOptions.SO_BROADCAST)), "off by default");

            loop.run(() -> sender.write("refused".getBytes(StandardCharsets.UTF_8), everyone));
            IOException refused = sender.nextError("the refused broadcast");
            assertTrue(refused.getMessage().contains("Permission denied"), refused.getMessage());

            loop.run(() -> sender.broadcast(true).write("to everyone".getBytes(StandardCharsets.UTF_8), everyone));
            RecordingDatagram.Received r = receiver.next("the broadcast");
            assertEquals("to everyone", r.text(), "the first datagram to arrive is the one sent with broadcast on");
            assertEquals(loop.call(sender::localAddress), r.sender());
        }
    }
}
