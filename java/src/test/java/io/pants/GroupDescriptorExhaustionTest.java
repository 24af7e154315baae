// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DescriptorExhaustionTest} for a server on two loops, each way of spreading connections:
 * out of descriptors, the loop that can't accept pauses (its open connections, and the other
 * loop's, are served), and accepting resumes once descriptors are freed.
 */
@ExtendWith(NoDescriptorLeaks.class)
class GroupDescriptorExhaustionTest {
    private static final int FREED = 10;

    @BackendTest
    void aServerOnTwoLoopsOutOfDescriptorsServesItsConnectionsAndRecovers(String backend) throws Exception {
        for (String spread : new String[] {"backend", "handoff"}) {
            DescriptorExhaustionTest.Child child = new DescriptorExhaustionTest.Child(backend, "2", spread);
            List<Socket> open = new ArrayList<>();
            List<Socket> all = new ArrayList<>();
            try {
                int port = Integer.parseInt(child.expect("PORT ").substring(5));
                Socket pending = null;
                while (pending == null) {
                    assertTrue(open.size() < 256, spread + ": the server accepted " + open.size() + " connections under ulimit -n 128");
                    Socket c = DescriptorExhaustionTest.connect(port);
                    all.add(c);
                    if (child.expect("ACCEPTED", "EXHAUSTED ").equals("ACCEPTED")) {
                        DescriptorExhaustionTest.echo(c, open.size());
                        open.add(c);
                    } else {
                        pending = c;
                    }
                }
                assertTrue(open.size() > 10, spread + ": exhausted after only " + open.size() + " connections: " + child.transcript());
                for (int i = 0; i < open.size(); i++) DescriptorExhaustionTest.echo(open.get(i), i); // every loop still serves

                for (int i = 0; i < FREED; i++) open.remove(open.size() - 1).close();
                boolean pendingAccepted = false;
                for (int closed = 0; closed < FREED || !pendingAccepted; ) {
                    if (child.expect("CLOSED", "ACCEPTED").equals("CLOSED")) closed++;
                    else pendingAccepted = true;
                }
                DescriptorExhaustionTest.echo(pending, 1000);
                for (int i = 0; i < FREED / 2; i++) {
                    Socket c = DescriptorExhaustionTest.connect(port);
                    all.add(c);
                    child.expect("ACCEPTED");
                    DescriptorExhaustionTest.echo(c, 2000 + i);
                }
                DescriptorExhaustionTest.Stats end = child.stats();
                assertTrue(end.acceptPauses() >= 1, spread + ": no accept pause counted: " + end);
                assertEquals(0, end.refused(), spread + ": a connection that waits out a pause is not refused: " + end);
                child.quit();
            } finally {
                for (Socket c : all) c.close();
                child.close();
            }
        }
    }
}
