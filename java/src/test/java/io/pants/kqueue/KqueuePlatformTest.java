// SPDX-License-Identifier: Apache-2.0
package io.pants.kqueue;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import io.pants.posix.DatagramConstants;
import io.pants.posix.Sendfile;
import io.pants.posix.ShimAbi;
import io.pants.posix.SocketConstants;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The per-OS table the kqueue backend falls back on where the shim is not built, against the
 * systems' documented headers: struct kevent in sys/sys/event.h of xnu, FreeBSD (11 and 12+),
 * NetBSD, OpenBSD and DragonFly, and libkqueue's include/sys/event.h. Runs everywhere: nothing
 * here needs a kqueue.
 */
class KqueuePlatformTest {

    /** The layout as offsets and widths: size, ident, filter@/width, flags@/width, fflags, data, udata. */
    private static void assertLayout(KeventLayout l, int size, int filterOffset, int filterSize, int flagsOffset, int flagsSize,
                                     int fflagsOffset, int dataOffset, int udataOffset) {
        String what = l.toString();
        assertEquals(size, l.size, "size of " + what);
        assertEquals(0, l.identOffset, "ident of " + what);
        assertEquals(filterOffset, l.filterOffset, "filter of " + what);
        assertEquals(filterSize, l.filterSize, "filter width of " + what);
        assertEquals(flagsOffset, l.flagsOffset, "flags of " + what);
        assertEquals(flagsSize, l.flagsSize, "flags width of " + what);
        assertEquals(fflagsOffset, l.fflagsOffset, "fflags of " + what);
        assertEquals(dataOffset, l.dataOffset, "data of " + what);
        assertEquals(udataOffset, l.udataOffset, "udata of " + what);
    }

    /** The flag values are 4.4BSD's everywhere, and so is NOTE_TRIGGER. */
    private static void assertBsdFlags(KeventLayout l) {
        assertEquals(0x1, l.evAdd);
        assertEquals(0x2, l.evDelete);
        assertEquals(0x20, l.evClear);
        assertEquals(0x8000, l.evEof);
        assertEquals(0x4000, l.evError);
        assertEquals(0x01000000, l.noteTrigger);
        assertTrue(l.hasUserFilter, l.toString());
    }

    @Test
    void macOsHasThe32ByteKeventAndEvfiltUserMinus10() {
        KqueuePlatform p = KqueuePlatform.forOs("Mac OS X", "14.4.1");
        assertLayout(p.kevent, 32, 8, 2, 10, 2, 12, 16, 24);
        assertEquals(-1, p.kevent.evfiltRead);
        assertEquals(-2, p.kevent.evfiltWrite);
        assertEquals(-10, p.kevent.evfiltUser);
        assertBsdFlags(p.kevent);
        assertEquals(Sendfile.Kind.DARWIN, p.sendfile);
        assertEquals("kevent", p.keventSymbol);
        assertTrue(p.hasKqueue);
        assertTrue(p.sockaddr.hasLengthByte(), "BSD addresses start with sin_len");
        assertEquals(104, p.sockaddr.unixPathMax());
        assertEquals(30, p.socket.afInet6);
        assertEquals(0x4, p.oNonBlock);
    }

    @Test
    void freeBsdGrewExtToSixtyFourBytesIn12() {
        for (String v : new String[] {"10.4-RELEASE", "11.4-RELEASE-p13"}) {
            KqueuePlatform p = KqueuePlatform.forOs("FreeBSD", v);
            assertLayout(p.kevent, 32, 8, 2, 10, 2, 12, 16, 24);
        }
        for (String v : new String[] {"12.0-RELEASE", "13.2-RELEASE-p4", "14.1-STABLE", "15.0-CURRENT"}) {
            KqueuePlatform p = KqueuePlatform.forOs("FreeBSD", v);
            assertLayout(p.kevent, 64, 8, 2, 10, 2, 12, 16, 24); // ext[4] after udata, at 32
        }
        KqueuePlatform p = KqueuePlatform.forOs("FreeBSD", "14.1-RELEASE");
        assertEquals(-11, p.kevent.evfiltUser);
        assertEquals(-1, p.kevent.evfiltRead);
        assertEquals(-2, p.kevent.evfiltWrite);
        assertBsdFlags(p.kevent);
        assertEquals(Sendfile.Kind.FREEBSD, p.sendfile);
        assertEquals(28, p.socket.afInet6);
        assertEquals(92, p.socket.eProto);
    }

    @Test
    void netBsdHas32BitFilterAndFlagsAndCountsFiltersUpFromZero() {
        for (String v : new String[] {"9.3", "10.0"}) {
            KqueuePlatform p = KqueuePlatform.forOs("NetBSD", v);
            assertLayout(p.kevent, 40, 8, 4, 12, 4, 16, 24, 32);
            assertEquals(0, p.kevent.evfiltRead);
            assertEquals(1, p.kevent.evfiltWrite);
            assertEquals(8, p.kevent.evfiltUser);
            assertBsdFlags(p.kevent);
            // plain "kevent" is the pre-5.0 compatibility entry point with a 32-bit time_t
            assertEquals("__kevent50", p.keventSymbol);
            assertEquals(Sendfile.Kind.NONE, p.sendfile);
            assertEquals(24, p.socket.afInet6);
            assertEquals(96, p.socket.eProto);
        }
    }

    @Test
    void openBsdAndDragonFly() {
        KqueuePlatform o = KqueuePlatform.forOs("OpenBSD", "7.5");
        assertLayout(o.kevent, 32, 8, 2, 10, 2, 12, 16, 24);
        assertEquals(-10, o.kevent.evfiltUser);
        assertEquals(Sendfile.Kind.NONE, o.sendfile);
        assertEquals(24, o.socket.afInet6);
        KqueuePlatform d = KqueuePlatform.forOs("DragonFly", "6.4-RELEASE");
        assertLayout(d.kevent, 32, 8, 2, 10, 2, 12, 16, 24);
        assertEquals(-9, d.kevent.evfiltUser);
        assertEquals(Sendfile.Kind.FREEBSD, d.sendfile);
    }

    @Test
    void linuxMeansLibkqueueWithLinuxSockets() {
        KqueuePlatform p = KqueuePlatform.forOs("Linux", "6.1.0-18-amd64");
        assertFalse(p.hasKqueue, "Linux has no kqueue of its own: a library must be named");
        assertLayout(p.kevent, 32, 8, 2, 10, 2, 12, 16, 24);
        assertEquals(-11, p.kevent.evfiltUser); // libkqueue takes FreeBSD's numbers
        assertBsdFlags(p.kevent);
        assertFalse(p.sockaddr.hasLengthByte(), "Linux addresses have no sin_len");
        assertEquals(108, p.sockaddr.unixPathMax());
        assertEquals(10, p.socket.afInet6);
        assertEquals(11, p.socket.eAgain);
        assertEquals(0x800, p.oNonBlock);
        assertEquals(Sendfile.Kind.LINUX, p.sendfile);
    }

    @Test
    void systemsWithoutKqueueAreRefusedWithTheReason() {
        for (String os : new String[] {"Windows 11", "SunOS", "AIX"}) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> KqueuePlatform.forOs(os, "1.0"));
            assertTrue(e.getMessage().contains(os) && e.getMessage().contains("macOS"), e.getMessage());
        }
    }

    @Test
    void majorVersionReadsTheLeadingNumber() {
        assertEquals(13, KqueuePlatform.majorVersion("13.2-RELEASE"));
        assertEquals(9, KqueuePlatform.majorVersion("9"));
        assertEquals(0, KqueuePlatform.majorVersion("CURRENT"));
    }

    /** Entries written with put() land where each layout says, and read back the same. */
    @Test
    void entriesRoundTripInEveryLayout() {
        KeventLayout[] layouts = {KeventLayout.macOs(), KeventLayout.freeBsd(11), KeventLayout.freeBsd(14),
            KeventLayout.netBsd(), KeventLayout.openBsd(), KeventLayout.dragonFly(), KeventLayout.libkqueue()};
        for (KeventLayout l : layouts) {
            ByteBuffer b = ByteBuffer.allocate(3 * l.size).order(ByteOrder.nativeOrder());
            for (int i = 0; i < b.capacity(); i++) b.put(i, (byte) 0x5a); // garbage put() must clear
            long udata = ShimAbi.word(1234, ShimAbi.MODE_PREREAD, 0x0abcdef);
            l.put(b, l.size, 1234, l.evfiltWrite, l.evAdd | l.evClear, l.noteTrigger, udata);
            String what = l.toString();
            assertEquals(1234, l.ident(b, l.size), what);
            assertEquals(l.evfiltWrite, l.filter(b, l.size), what);
            assertEquals(l.evAdd | l.evClear, l.flags(b, l.size), what);
            assertEquals(l.noteTrigger, l.fflags(b, l.size), what);
            assertEquals(0, l.data(b, l.size), what);
            assertEquals(udata, l.udata(b, l.size), what);
            assertEquals(1234L, b.getLong(l.size + l.identOffset), "ident is a uintptr_t at 0: " + what);
            if (l.filterSize == 2) assertEquals((short) l.evfiltWrite, b.getShort(l.size + l.filterOffset), what);
            else assertEquals(l.evfiltWrite, b.getInt(l.size + l.filterOffset), what);
            assertEquals((byte) 0x5a, b.get(l.size - 1), "the entry before is untouched: " + what);
            assertEquals((byte) 0x5a, b.get(2 * l.size), "the entry after is untouched: " + what);
            for (int i = l.fflagsOffset + 4; i < l.dataOffset; i++) assertEquals(0, b.get(l.size + i), "padding cleared: " + what);
            for (int i = l.udataOffset + 8; i < l.size; i++) assertEquals(0, b.get(l.size + i), "ext[] cleared: " + what);
            ByteBuffer eof = ByteBuffer.allocate(l.size).order(ByteOrder.nativeOrder());
            l.put(eof, 0, 7, l.evfiltRead, l.evEof | l.evError, 0, 0);
            assertEquals(l.evEof | l.evError, l.flags(eof, 0), "high flag bits read back unsigned: " + what);
            assertEquals(l.evfiltRead, l.filter(eof, 0), "negative filters read back signed: " + what);
        }
    }

    /**
     * Where the shim was built with a kqueue part, its compiler's layout and constants must be
     * the table's for this system (on Linux: the libkqueue header it was built against).
     */
    @Test
    void theTableAgreesWithTheShimsCompiler() {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance("pants", KqueuePlatformTest.class.getClassLoader());
            lib.getFunction("pants_kqueue_layout");
        } catch (UnsatisfiedLinkError e) {
            assumeTrue(false, "the shim on the class path has no kqueue part (build with -Dpants.kqueue.include=DIR on Linux,"
                    + " DIR holding a userspace kqueue's sys/event.h, e.g. libkqueue's include/): " + e.getMessage());
            return;
        }
        try (Memory m = new Memory(4 * 64)) {
            int n = lib.getFunction("pants_kqueue_layout").invokeInt(new Object[] {m, 64});
            int[] layout = m.getIntArray(0, n);
            n = lib.getFunction("pants_kqueue_constants").invokeInt(new Object[] {m, 64});
            int[] constants = m.getIntArray(0, n);
            KeventLayout shim = KeventLayout.of(layout, constants);
            KeventLayout table = KqueuePlatform.forOs(System.getProperty("os.name"), System.getProperty("os.version")).kevent;
            assertEquals(table.toString(), shim.toString());
            assertEquals(table.evAdd, shim.evAdd);
            assertEquals(table.evDelete, shim.evDelete);
            assertEquals(table.evClear, shim.evClear);
            assertEquals(table.evEof, shim.evEof);
            assertEquals(table.evError, shim.evError);
            assertEquals(table.noteTrigger, shim.noteTrigger);
        }
    }

    /** The socket table for this system is what the shim's compiler says (the shim is always built on Linux). */
    @Test
    void theSocketTableAgreesWithTheShimsCompiler() {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance("pants", KqueuePlatformTest.class.getClassLoader());
        } catch (UnsatisfiedLinkError e) {
            assumeTrue(false, "no shim on the class path (built with -Dpants.native.skip?): " + e.getMessage());
            return;
        }
        try (Memory m = new Memory(4 * 64)) {
            int n = lib.getFunction("pants_socket_constants").invokeInt(new Object[] {m, 64});
            SocketConstants shim = SocketConstants.of(m.getIntArray(0, n), "the shim");
            SocketConstants table = KqueuePlatform.forOs(System.getProperty("os.name"), System.getProperty("os.version")).socket;
            assertEquals(Arrays.toString(values(table)), Arrays.toString(values(shim)), "expected: " + table.source() + ", actual: the shim");
        }
    }

    /** The datagram table for this system is what the shim's compiler says (its option numbers and msghdr layout). */
    @Test
    void theDatagramTableAgreesWithTheShimsCompiler() {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance("pants", KqueuePlatformTest.class.getClassLoader());
            lib.getFunction("pants_datagram_constants");
        } catch (UnsatisfiedLinkError e) {
            assumeTrue(false, "no shim with datagrams on the class path: " + e.getMessage());
            return;
        }
        try (Memory m = new Memory(4 * 64)) {
            int n = lib.getFunction("pants_datagram_constants").invokeInt(new Object[] {m, 64});
            int[] constants = m.getIntArray(0, n);
            n = lib.getFunction("pants_msghdr_layout").invokeInt(new Object[] {m, 64});
            DatagramConstants shim = DatagramConstants.of(constants, m.getIntArray(0, n));
            DatagramConstants table = KqueuePlatform.forOs(System.getProperty("os.name"), System.getProperty("os.version")).datagram;
            assertArrayEquals(table.constants(), shim.constants(), "option numbers, flags and errno values");
            int[] t = table.layout(), sh = shim.layout();
            // the msghdr must match; the entry around it is the binding's own through JNA (recvmsg per datagram)
            assertArrayEquals(Arrays.copyOfRange(t, 4, t.length), Arrays.copyOfRange(sh, 4, sh.length), "struct msghdr");
        }
    }

    @Test
    void theBsdsShareTheirDatagramNumbersAndMsghdr() {
        for (String os : new String[] {"Mac OS X", "FreeBSD", "NetBSD", "OpenBSD", "DragonFly"}) {
            KqueuePlatform p = KqueuePlatform.forOs(os, "14.0");
            DatagramConstants d = p.datagram;
            assertEquals(0x20, d.soBroadcast, os);
            assertEquals(0x1002, d.soRcvBuf, os);
            assertEquals(0x200, d.soReusePort, os);
            assertEquals(12, d.ipAddMembership, os);
            assertEquals(12, d.ipv6JoinGroup, os);
            assertEquals(0x80, d.msgDontWait, os);
            // struct msghdr of LP64 BSD: int msg_iovlen and socklen_t msg_controllen, 48 bytes
            assertEquals(8, d.nameLenOffset, os);
            assertEquals(24, d.iovLenOffset, os);
            assertEquals(4, d.iovLenSize, os);
            assertEquals(40, d.controlLenOffset, os);
            assertEquals(44, d.flagsOffset, os);
            assertFalse(p.linuxMulticast, os + " joins IPv4 groups with struct ip_mreq");
        }
        KqueuePlatform linux = KqueuePlatform.forOs("Linux", "6.1");
        assertTrue(linux.linuxMulticast);
        assertEquals(8, linux.datagram.iovLenSize, "glibc's size_t msg_iovlen");
    }

    private static int[] values(SocketConstants k) {
        return new int[] {k.afInet, k.afInet6, k.afUnix, k.sockStream, k.solSocket, k.soReuseAddr, k.soError, k.ipprotoTcp,
            k.tcpNoDelay, k.ipprotoIpv6, k.ipv6V6Only, k.shutWr, k.eAgain, k.eInProgress, k.eIntr, k.eMFile, k.eNFile, k.eNoBufs,
            k.eNoMem, k.eConnAborted, k.eProto, k.ePerm, k.eConnRefused, k.eTimedOut, k.eHostUnreach, k.eNetUnreach,
            k.eAddrInUse, k.eAddrNotAvail, k.ePipe, k.eConnReset, k.eNotConn, k.eBadF, k.sockaddrStorageSize};
    }
}
