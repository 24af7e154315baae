// SPDX-License-Identifier: Apache-2.0
package io.pants.posix;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.pants.Backends;
import io.pants.posix.ShimAbi.AbiSlot;
import io.pants.posix.ShimAbi.Table;
import io.pants.spi.Poller;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract between the C shim and Java (native/pants.h, mirrored by {@link ShimAbi}): the
 * shim built from this tree agrees with this jar on every table's slots, on the user word and
 * on the records Java lays out, and a shim that disagrees is refused.
 */
class ShimAbiTest {
    /** The shim this build made, asked directly; the test is skipped only where none was built. */
    private static NativeLibrary shim() {
        assumeTrue(Backends.shimWasBuilt() && !Platform.isWindows(), "no libpants was built for this platform");
        assertNull(Shim.loadFailure(), "the shim was built but did not load");
        return Shim.library();
    }

    private static List<String> names(Table table) {
        try (Memory m = new Memory(4096)) {
            int n = Shim.pants_abi_names(table.ordinal(), Pointer.nativeValue(m), (int) m.size());
            assertTrue(n >= 0, "pants_abi_names(" + table + ") failed: " + n);
            List<String> names = Arrays.asList(m.getString(0).split(",", -1));
            assertEquals(n, names.size(), "the count pants_abi_names returns for " + table);
            return names;
        }
    }

    @Test
    void everyTableHasTheSlotsOfPantsHInItsOrder() {
        shim();
        for (Table t : Table.values()) assertEquals(t.slotNames(), names(t), "the slots of the " + t + " table");
    }

    @Test
    void theWordTheModesAndTheRecordsAreLaidOutAsTheShimsCompilerSays() {
        shim();
        int[] theirs = ShimAbi.read(Table.ABI, Shim::pants_abi);
        int[] ours = ShimAbi.expectedAbi();
        for (AbiSlot s : AbiSlot.values()) assertEquals(ShimAbi.at(ours, s), ShimAbi.at(theirs, s), s.name());
        assertEquals(ShimAbi.VERSION, Shim.pants_version());
    }

    /** Each export function fills exactly its table: one that grew or shrank in C alone fails here. */
    @Test
    void everyExportFunctionFillsItsWholeTable() {
        NativeLibrary lib = shim();
        Map<Table, String> functions = new LinkedHashMap<>();
        functions.put(Table.ABI, "pants_abi");
        functions.put(Table.SOCKET, "pants_socket_constants");
        functions.put(Table.IOVEC, "pants_iovec_layout");
        functions.put(Table.DATAGRAM, "pants_datagram_constants");
        functions.put(Table.MSGHDR, "pants_msghdr_layout");
        if (Platform.isLinux()) {
            functions.put(Table.EPOLL, "pants_epoll_constants");
            functions.put(Table.EPOLL_EVENT, "pants_epoll_layout");
        }
        if (hasFunction(lib, "pants_kqueue_layout")) { // BSD and macOS; Linux with -Dpants.kqueue.include
            functions.put(Table.KQUEUE, "pants_kqueue_constants");
            functions.put(Table.KEVENT, "pants_kqueue_layout");
        }
        List<String> checked = new ArrayList<>();
        for (Map.Entry<Table, String> f : functions.entrySet()) {
            int[] values = ShimAbi.read(f.getKey(), (out, n) -> lib.getFunction(f.getValue()).invokeInt(new Object[] {out, n}));
            assertEquals(f.getKey().size(), values.length, f.getValue());
            checked.add(f.getValue());
        }
        assertTrue(checked.contains("pants_socket_constants"), "checked: " + checked);
    }

    private static boolean hasFunction(NativeLibrary lib, String name) {
        try {
            lib.getFunction(name);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    @Test
    void theWordKeepsTheDescriptorTheModeAndEveryTokenTheSpiAllows() {
        long word = ShimAbi.word(0x7fffffff, ShimAbi.MODE_WAKEUP, Poller.MAX_TOKEN);
        assertEquals(0x7fffffff, ShimAbi.fd(word));
        assertEquals(ShimAbi.MODE_WAKEUP, ShimAbi.mode(word));
        assertEquals(Poller.MAX_TOKEN, ShimAbi.token(word));
        word = ShimAbi.word(3, ShimAbi.MODE_PREREAD, 1);
        assertEquals(3, ShimAbi.fd(word));
        assertEquals(ShimAbi.MODE_PREREAD, ShimAbi.mode(word));
        assertEquals(1, ShimAbi.token(word));
        assertEquals(7L << 32 | 5L, ShimAbi.iovecSpan(7, 5));
        assertEquals(7, ShimAbi.spanFirst(ShimAbi.iovecSpan(7, 5)));
        assertEquals(5, ShimAbi.spanCount(ShimAbi.iovecSpan(7, 5)));
    }

    // ---------------------------------------------------------------- a shim that disagrees

    /** A pants_abi_names that answers this jar's names. */
    private static ShimAbi.Names agreeingNames() { return namesWithSwap(null); }

    /** A pants_abi_names that answers this jar's names, but {@code swapped}'s first two slots the other way round. */
    private static ShimAbi.Names namesWithSwap(Table swapped) {
        return (table, buf, len) -> {
            List<String> names = new ArrayList<>(Table.values()[table].slotNames());
            if (swapped != null && table == swapped.ordinal()) names.set(0, names.set(1, names.get(0)));
            new Pointer(buf).setString(0, String.join(",", names));
            return names.size();
        };
    }

    /** A pants_abi exporting these values. */
    private static ShimAbi.Export abi(int[] values) {
        return (out, n) -> {
            new Pointer(out).write(0, values, 0, Math.min(n, values.length));
            return values.length;
        };
    }

    @Test
    void aShimThatAgreesIsAccepted() {
        assertNull(ShimAbi.refusal("libtest", ShimAbi.VERSION, abi(ShimAbi.expectedAbi()), agreeingNames()));
    }

    @Test
    void aShimWhoseTableHasItsSlotsInAnotherOrderIsRefused() {
        for (Table t : Table.values()) {
            String refusal = ShimAbi.refusal("libtest", ShimAbi.VERSION, abi(ShimAbi.expectedAbi()), namesWithSwap(t));
            assertNotNull(refusal, t.name());
            List<String> slots = t.slotNames();
            assertEquals("libtest disagrees with this jar: the " + t + " table's slot 0 is " + slots.get(1) + " in the shim and "
                    + slots.get(0) + " in this jar. Use the shim of this jar's version", refusal);
        }
    }

    @Test
    void aShimThatLaysARecordOutDifferentlyIsRefused() {
        int[] values = ShimAbi.expectedAbi();
        values[AbiSlot.EPOLL_CHANGE_SIZE.ordinal()] = 40;
        String refusal = ShimAbi.refusal("libtest", ShimAbi.VERSION, abi(values), agreeingNames());
        assertEquals("libtest disagrees with this jar: EPOLL_CHANGE_SIZE is 40 in the shim and 32 in this jar."
                + " Use the shim of this jar's version", refusal);
    }

    @Test
    void aShimOfAnotherVersionIsRefused() {
        assertEquals("libtest is version 1, this jar needs " + ShimAbi.VERSION,
                ShimAbi.refusal("libtest", 1, abi(ShimAbi.expectedAbi()), agreeingNames()));
    }
}
