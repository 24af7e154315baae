// SPDX-License-Identifier: Apache-2.0
package io.pants;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bookkeeping under {@link Server#connections()}, through its growth and compactions: what
 * an iteration returns while streams leave and join under it. (Over real sockets, on every
 * backend: BroadcastTest.)
 */
class ConnectionSetTest {
    private static List<Stream> streams(int n) {
        List<Stream> made = new ArrayList<>();
        for (int i = 0; i < n; i++) made.add(new Stream() {});
        return made;
    }

    @Test
    void anIterationSurvivesLeavesAndJoinsThroughCompactions() {
        ConnectionSet set = new ConnectionSet();
        List<Stream> first = streams(1000);
        for (Stream s : first) set.join(s);
        List<Stream> later = streams(1000);
        List<Stream> joined = new ArrayList<>();
        Set<Stream> left = new HashSet<>();
        List<Stream> seen = new ArrayList<>();
        int i = 0;
        for (Stream s : set) {
            assertFalse(left.contains(s), "an iteration returned a stream that had left: " + first.indexOf(s));
            seen.add(s);
            // every second step: the stream at hand leaves, and one not yet reached, and one joins;
            // so many leave that the set compacts (more than once) under the iteration
            if (i % 2 == 0) {
                set.leave(s);
                left.add(s);
                int at = first.indexOf(s);
                Stream ahead = at < 0 ? null : first.get(Math.min(first.size() - 1, at + 7));
                if (ahead != null && !left.contains(ahead) && !seen.contains(ahead)) {
                    set.leave(ahead);
                    left.add(ahead);
                }
            }
            if (i < later.size() && i % 3 == 0) {
                set.join(later.get(i));
                joined.add(later.get(i));
            }
            i++;
        }
        for (Stream s : first) {
            if (!left.contains(s)) assertEquals(1, seen.stream().filter(x -> x == s).count(), "a stream that stayed, seen once: " + first.indexOf(s));
        }
        assertEquals(seen.size(), new HashSet<>(seen).size(), "no stream twice");

        Set<Stream> expected = new HashSet<>(first);
        expected.addAll(joined);
        expected.removeAll(left);
        assertEquals(expected, new HashSet<>(set), "what the set holds after the iteration");
        assertEquals(expected.size(), set.size());
        for (Stream s : left) assertFalse(set.contains(s), "contains() of a stream that left");
        for (Stream s : expected) assertTrue(set.contains(s), "contains() of a stream that stayed");
    }

    @Test
    void emptiedSetsAreReusedAndReadOnly() {
        ConnectionSet set = new ConnectionSet();
        List<Stream> made = streams(100);
        for (Stream s : made) set.join(s);
        for (Stream s : made) set.leave(s);
        assertEquals(0, set.size());
        assertFalse(set.iterator().hasNext(), "an empty set iterates nothing");
        set.join(made.get(0)); // a stream's second membership is not a thing servers do, but the slots are reusable
        assertEquals(List.of(made.get(0)), new ArrayList<>(set));
        assertThrows(UnsupportedOperationException.class, set::clear);
        assertThrows(UnsupportedOperationException.class, () -> set.add(made.get(1)));
        assertThrows(UnsupportedOperationException.class, () -> set.remove(made.get(0)));
    }
}
