// SPDX-License-Identifier: Apache-2.0
package io.pants.iocp;

import io.pants.spi.Poller;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The translation between engine events and AFD poll bits; pure Java, runs everywhere. */
class AfdEventsTest {
    private final AfdEvents afd = AfdEvents.DOCUMENTED;

    @Test
    void theDocumentedBitsAreTheDriversValues() {
        assertEquals(0x0001, afd.receive);
        assertEquals(0x0004, afd.send);
        assertEquals(0x0008, afd.disconnect);
        assertEquals(0x0010, afd.abort);
        assertEquals(0x0020, afd.localClose);
        assertEquals(0x0040, afd.connect);
        assertEquals(0x0080, afd.accept);
        assertEquals(0x0100, afd.connectFail);
    }

    @Test
    void readInterestPollsForDataConnectionsAndTheEndOfTheStream() {
        assertEquals(afd.receive | afd.accept | afd.disconnect, afd.interestMask(Poller.READ));
    }

    @Test
    void writeInterestPollsForRoomAndTheOutcomeOfAConnect() {
        assertEquals(afd.send | afd.connect | afd.connectFail, afd.interestMask(Poller.WRITE));
        assertEquals(afd.interestMask(Poller.READ) | afd.interestMask(Poller.WRITE), afd.interestMask(Poller.READ | Poller.WRITE));
        assertEquals(0, afd.interestMask(0));
    }

    @Test
    void neitherInterestAsksForTheConnectBitAsReadable() {
        assertEquals(0, afd.interestMask(Poller.READ) & afd.connect, "READ interest must not poll AFD_POLL_CONNECT");
    }

    @Test
    void theConnectBitIsWritableNeverReadable() {
        assertEquals(Poller.WRITE, afd.toPollerEvents(afd.connect));
        assertEquals(Poller.WRITE, afd.toPollerEvents(afd.connect | afd.send));
    }

    @Test
    void dataAndPendingConnectionsAreReadable() {
        assertEquals(Poller.READ, afd.toPollerEvents(afd.receive));
        assertEquals(Poller.READ, afd.toPollerEvents(afd.accept));
        assertEquals(Poller.READ | Poller.WRITE, afd.toPollerEvents(afd.receive | afd.send));
    }

    @Test
    void thePeersFinIsReadableAndAHangup() {
        assertEquals(Poller.READ | Poller.HANGUP, afd.toPollerEvents(afd.disconnect));
    }

    @Test
    void aFailedConnectIsWritableWithAnError() {
        // like epoll: the engine wakes for WRITE and finds the failure in SO_ERROR
        assertEquals(Poller.WRITE | Poller.ERROR, afd.toPollerEvents(afd.connectFail));
    }

    @Test
    void aResetIsAHangupWithAnError() {
        assertEquals(Poller.HANGUP | Poller.ERROR, afd.toPollerEvents(afd.abort));
    }

    @Test
    void aLocalCloseAndNoBitsAreNoEvent() {
        assertEquals(0, afd.toPollerEvents(afd.localClose));
        assertEquals(0, afd.toPollerEvents(0));
    }

    @Test
    void aFailedPollIsAHangupWithAnError() {
        assertEquals(Poller.HANGUP | Poller.ERROR, afd.toPollerEvents(afd.pollFailed));
    }
}
