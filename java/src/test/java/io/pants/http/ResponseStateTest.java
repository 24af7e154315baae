// SPDX-License-Identifier: Apache-2.0
package io.pants.http;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

import static io.pants.http.ResponseState.ABORTED;
import static io.pants.http.ResponseState.ABORTED_FINISHED;
import static io.pants.http.ResponseState.FINISHED;
import static io.pants.http.ResponseState.OPEN;
import static io.pants.http.ResponseState.STREAMING;
import static io.pants.http.ResponseState.UPGRADED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A response's life: the moves {@link ResponseState} allows, and no other; the response API's one way to send. */
class ResponseStateTest {
    @Test
    void theAllowedMovesAreMade() {
        assertEquals(STREAMING, OPEN.moveTo(STREAMING));
        assertEquals(FINISHED, OPEN.moveTo(FINISHED)); // finished in the callback that sent: head and body at once
        assertEquals(ABORTED, OPEN.moveTo(ABORTED));
        assertEquals(FINISHED, STREAMING.moveTo(FINISHED));
        assertEquals(ABORTED, STREAMING.moveTo(ABORTED));
        assertEquals(ABORTED_FINISHED, FINISHED.moveTo(ABORTED_FINISHED)); // closed before it was all out
        assertEquals(ABORTED_FINISHED, ABORTED.moveTo(ABORTED_FINISHED)); // the handler finished after the close
    }

    @Test
    void everyOtherMoveIsRefused() {
        List<List<ResponseState>> refused = List.of(
                List.of(OPEN, OPEN), List.of(OPEN, ABORTED_FINISHED),
                List.of(STREAMING, OPEN), List.of(STREAMING, STREAMING), List.of(STREAMING, ABORTED_FINISHED),
                List.of(FINISHED, OPEN), List.of(FINISHED, STREAMING), List.of(FINISHED, ABORTED), List.of(FINISHED, FINISHED),
                List.of(ABORTED, OPEN), List.of(ABORTED, STREAMING), List.of(ABORTED, FINISHED), List.of(ABORTED, ABORTED));
        for (List<ResponseState> move : refused) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> move.get(0).moveTo(move.get(1)), move.toString());
            assertTrue(e.getMessage().contains(move.get(0) + " to " + move.get(1)), e.getMessage());
        }
        for (ResponseState to : ResponseState.values()) {
            assertThrows(IllegalStateException.class, () -> ABORTED_FINISHED.moveTo(to), "nothing follows ABORTED_FINISHED, not " + to);
        }
    }

    @Test
    void anUpgradeIsMadeFromOpenAndEndsOnlyWithTheClose() {
        assertEquals(UPGRADED, OPEN.moveTo(UPGRADED));
        assertEquals(ABORTED_FINISHED, UPGRADED.moveTo(ABORTED_FINISHED)); // the connection closed before the 101 headed the line
        for (ResponseState from : List.of(STREAMING, FINISHED, ABORTED, UPGRADED)) {
            assertThrows(IllegalStateException.class, () -> from.moveTo(UPGRADED), from + " to UPGRADED");
        }
        for (ResponseState to : List.of(OPEN, STREAMING, FINISHED, ABORTED, UPGRADED)) {
            assertThrows(IllegalStateException.class, () -> UPGRADED.moveTo(to), "UPGRADED to " + to);
        }
        assertTrue(UPGRADED.isUpgraded());
        assertFalse(UPGRADED.isFinished() || UPGRADED.isLive() || UPGRADED.isOpen() || UPGRADED.isAborted());
    }

    @Test
    void theQuestionsTheApiAsks() {
        for (ResponseState s : ResponseState.values()) {
            assertEquals(s == FINISHED || s == ABORTED_FINISHED, s.isFinished(), s + " finished");
            assertEquals(s == ABORTED || s == ABORTED_FINISHED, s.isAborted(), s + " aborted");
            assertEquals(s == OPEN || s == STREAMING, s.isLive(), s + " live");
            assertEquals(s == OPEN, s.isOpen(), s + " open");
        }
    }

    /** {@code write} used to be a second name for every {@code send}: one name for one thing. */
    @Test
    void theBodyIsSentOneWay() {
        List<String> publicNames = Arrays.stream(HttpRequest.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers())).map(Method::getName).toList();
        assertTrue(publicNames.contains("send"), publicNames.toString());
        assertFalse(publicNames.contains("write"), "HttpRequest.write duplicates send: " + publicNames);
    }
}
