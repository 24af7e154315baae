package io.pants.iocp;

import io.pants.iocp.AfdPollState.Action;
import io.pants.iocp.AfdPollState.Ending;
import io.pants.iocp.AfdPollState.State;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A socket's AFD poll through arm, complete, re-arm, cancel and close: the rules of
 * native/pants_iocp.c, mirrored by {@link AfdPollState}. Pure Java, runs everywhere.
 */
class AfdPollStateTest {
    private final AfdEvents afd = AfdEvents.DOCUMENTED;
    private final int read = afd.receive | afd.accept | afd.disconnect;
    private final int write = afd.send | afd.connect | afd.connectFail;
    private final AfdPollState poll = new AfdPollState(afd);

    @Test
    void settingAnInterestSubmitsAPollAtTheNextWaitWithTheAlwaysPolledBits() {
        poll.setInterest(read);
        assertTrue(poll.queued());
        assertEquals(State.IDLE, poll.state(), "nothing is submitted before the wait");
        assertEquals(Action.SUBMIT, poll.update());
        assertEquals(State.POLLING, poll.state());
        assertEquals(read | afd.abort | afd.connectFail | afd.localClose, poll.polled(),
                "ABORT, CONNECT_FAIL and LOCAL_CLOSE are always asked for");
        assertFalse(poll.queued());
    }

    @Test
    void noInterestSubmitsNothing() {
        poll.setInterest(0);
        assertEquals(Action.NONE, poll.update());
        assertEquals(State.IDLE, poll.state());
    }

    @Test
    void aCompletionReportsItsBitsAndIsPolledAgainByTheNextWait() {
        poll.setInterest(read);
        poll.update();
        assertEquals(afd.receive, poll.completed(Ending.SUCCEEDED, afd.receive));
        assertEquals(State.IDLE, poll.state());
        assertTrue(poll.queued(), "level-triggered: queued to poll again");
        assertEquals(Action.SUBMIT, poll.update());
        assertEquals(State.POLLING, poll.state());
    }

    @Test
    void bitsThatAreNotWantedAreNotReportedButResetsAndFailedConnectsAre() {
        poll.setInterest(read);
        poll.update();
        assertEquals(afd.receive, poll.completed(Ending.SUCCEEDED, afd.receive | afd.send));
        poll.update();
        assertEquals(afd.abort, poll.completed(Ending.SUCCEEDED, afd.abort));
        poll.update();
        assertEquals(afd.connectFail, poll.completed(Ending.SUCCEEDED, afd.connectFail));
    }

    @Test
    void addingABitCancelsThePollInFlightAndSubmitsAgainWhenTheCancellationCompletes() {
        poll.setInterest(read);
        poll.update();
        poll.setInterest(read | write);
        assertEquals(Action.CANCEL, poll.update());
        assertEquals(State.CANCELLING, poll.state());
        poll.setInterest(read | write); // more changes while cancelling wait for the completion
        assertEquals(Action.NONE, poll.update());
        assertEquals(0, poll.completed(Ending.CANCELLED, 0), "a cancellation reports nothing");
        assertTrue(poll.queued());
        assertEquals(Action.SUBMIT, poll.update());
        assertEquals(read | write, poll.polled() & (read | write));
    }

    @Test
    void aCancelledPollThatCompletedFirstStillReportsItsBits() {
        poll.setInterest(read);
        poll.update();
        poll.setInterest(read | write);
        poll.update();
        assertEquals(afd.receive, poll.completed(Ending.SUCCEEDED, afd.receive));
        assertTrue(poll.queued());
        assertEquals(Action.SUBMIT, poll.update());
    }

    @Test
    void narrowingTheInterestKeepsThePollAndMasksTheExtraBits() {
        poll.setInterest(read | write);
        poll.update();
        poll.setInterest(read);
        assertEquals(Action.NONE, poll.update(), "no cancel for fewer bits");
        assertEquals(State.POLLING, poll.state());
        assertEquals(0, poll.completed(Ending.SUCCEEDED, afd.send), "SEND is no longer wanted");
    }

    @Test
    void droppingAllInterestCancelsThePoll() {
        poll.setInterest(read);
        poll.update();
        poll.setInterest(0);
        assertEquals(Action.CANCEL, poll.update());
        poll.completed(Ending.CANCELLED, 0);
        assertEquals(Action.NONE, poll.update());
        assertEquals(State.IDLE, poll.state());
    }

    @Test
    void deregisteringAPolledSocketCancelsAndFreesOnlyWhenTheCompletionArrives() {
        poll.setInterest(read);
        poll.update();
        assertEquals(Action.CANCEL, poll.deregister());
        assertTrue(poll.deleted());
        assertEquals(-1, poll.completed(Ending.CANCELLED, 0), "freed once the kernel is done with it");
    }

    @Test
    void deregisteringAnIdleSocketFreesItAtOnceOrAtTheNextWaitIfQueued() {
        assertEquals(Action.FREE, poll.deregister());
        AfdPollState queued = new AfdPollState(afd);
        queued.setInterest(read);
        assertEquals(Action.NONE, queued.deregister(), "still in the update list");
        assertEquals(Action.FREE, queued.update());
    }

    @Test
    void deregisteringWhileCancellingLeavesTheFreeingToTheCompletion() {
        poll.setInterest(read);
        poll.update();
        poll.setInterest(read | write);
        poll.update();
        assertEquals(Action.NONE, poll.deregister());
        assertEquals(-1, poll.completed(Ending.CANCELLED, 0));
    }

    @Test
    void aSocketClosedUnderItsPollIsForgottenWithoutAnEvent() {
        poll.setInterest(read);
        poll.update();
        assertEquals(-1, poll.completed(Ending.SUCCEEDED, afd.localClose | afd.receive));
        assertTrue(poll.deleted());
    }

    @Test
    void aFailedPollIsReportedAndNotSubmittedAgainUntilTheInterestIsSet() {
        poll.setInterest(read);
        poll.update();
        assertEquals(afd.pollFailed, poll.completed(Ending.FAILED, 0));
        assertFalse(poll.queued(), "not re-armed: it would fail again at once");
        poll.setInterest(read);
        assertEquals(Action.SUBMIT, poll.update());
    }
}
