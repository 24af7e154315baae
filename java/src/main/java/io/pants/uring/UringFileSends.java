// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.pants.posix.Errors;
import io.pants.posix.PosixSocket;
import io.pants.spi.FileRegion;
import io.pants.spi.ReadyHandler;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import static io.pants.uring.UringPoller.FILE_CANCEL;
import static io.pants.uring.UringPoller.FILE_READ;
import static io.pants.uring.UringPoller.FILE_SEND;
import static io.pants.uring.UringPoller.userData;

/**
 * A stream's file regions by path on io_uring: a read of the file into the stream's file
 * buffer and a send of it, {@link #FILE_BUFFER} bytes at a time, instead of sendfile on the loop
 * thread. The two are linked (IOSQE_IO_LINK): submitted together with one turn's enter, the
 * kernel starts the send when the read has filled the buffer, so a chunk costs one turn, not one
 * for the read and one for the send. A short read (the file ended) or a failed one cancels the
 * send; what it read then goes as a send of its own. Where the probe found that a short read
 * does not cancel what is linked to it, the read's completion submits the send instead.
 *
 * <p>A read and a send rather than splice (file to a pipe, pipe to the socket): splice would
 * save the copy through the buffer, but needs a pipe per stream (two descriptors more, which
 * count against the process's limit as the connections do), and bytes left in the pipe by a
 * partial send, which must be drained before anything else of the stream's goes out and are
 * lost to a close. The buffer is ours to look at: the rest of a partial send is sent from it.
 *
 * <p>A closed stream's buffer is kept until the kernel is done with it ({@link RetiredFile}).
 * Loop thread only.
 */
final class UringFileSends {
    /** A result of a linked file read or send that has not come yet. */
    private static final int PENDING = Integer.MIN_VALUE;
    /** A file region goes out this much at a time: a read into the stream's file buffer, then a send of it. */
    private static final int FILE_BUFFER = 64 * 1024;

    private final UringPoller poller;
    private final UringRing ring;
    private final UringConstants constants;
    private final UringStats stats;
    /** A file's read and send go as one chain of two linked operations (the probe found that a short read cancels the send). */
    private final boolean linked;
    /** Closed streams' file reads and sends still in flight, by generation: their buffer is freed when they have ended. */
    private final Map<Integer, RetiredFile> retired = new HashMap<>();

    /**
     * A closed stream's file buffer, which the kernel may still read or write: freed when the
     * last of its operations has completed. A socket whose chained send may not have started
     * yet is closed then too (socketFd), not at once: the kernel takes the send's descriptor
     * when it starts it, and by then the number could be another socket's.
     */
    private static final class RetiredFile {
        final Memory buffer;
        final int token;
        int pending;
        boolean readPending;
        int socketFd = -1;

        RetiredFile(Memory buffer, int pending, int token) {
            this.buffer = buffer;
            this.pending = pending;
            this.token = token;
        }
    }

    UringFileSends(UringPoller poller, UringRing ring, UringConstants constants, UringStats stats, boolean linked) {
        this.poller = poller;
        this.ring = ring;
        this.constants = constants;
        this.stats = stats;
        this.linked = linked;
    }

    /** Sends the file region at the head of {@code r}'s queue: a read and a send, linked where the kernel can. */
    IOException send(Registration r, FileRegion file) {
        if (r.fileBuffer == null) r.fileBuffer = new Memory(FILE_BUFFER);
        long buffer = Pointer.nativeValue(r.fileBuffer);
        if (r.fileBuffered > r.fileSent) { // the rest of what was read: a send took part, or found the socket full
            r.sending = true;
            r.fileOps++;
            poller.add(userData(FILE_SEND, r.generation, r.token), constants.opSend, r.socket.fd, buffer + r.fileSent, r.fileBuffered - r.fileSent);
            return null;
        }
        if (file.nativeFd() < 0) {
            int fd = poller.sys.openReadOnly(file.path().toString());
            if (fd < 0) return Errors.exception(fd, "open " + file.path(), poller.sys, poller.sockets);
            file.nativeFd(fd, () -> poller.sys.close(fd));
        }
        int length = (int) Math.min(FILE_BUFFER, file.remaining());
        r.sending = true;
        r.fileBuffered = r.fileSent = 0;
        long read = (file.position() << 24) | length;
        if (linked) {
            r.fileChain = true;
            r.fileChainLength = length;
            r.fileChainRead = r.fileChainSend = PENDING;
            r.fileOps += 2;
            stats.fileChainsInFlight++;
            poller.warnIfRefused(ring.addLinked(userData(FILE_READ, r.generation, r.token), constants.opReadAtLink, file.nativeFd(), buffer, read,
                    userData(FILE_SEND, r.generation, r.token), constants.opSend, r.socket.fd, buffer, length));
            return null;
        }
        r.fileOps++;
        poller.add(userData(FILE_READ, r.generation, r.token), constants.opReadAt, file.nativeFd(), buffer, read);
        return null;
    }

    /** A live stream's file read completed (FILE_READ); returns the events delivered. */
    int readCompleted(Registration r, int res, ReadyHandler handler) {
        r.fileOps--;
        if (!r.fileChain) return fileRead(r, res, handler);
        r.fileChainRead = res;
        return r.fileChainSend == PENDING ? 0 : chainEnded(r, handler);
    }

    /** A live stream's file send completed (FILE_SEND); returns the events delivered. */
    int sendCompleted(Registration r, int res, ReadyHandler handler) {
        r.fileOps--;
        if (!r.fileChain) return fileSent(r, res, handler);
        r.fileChainSend = res;
        return r.fileChainRead == PENDING ? 0 : chainEnded(r, handler);
    }

    /** Both operations of a linked read and send have completed, in either order. */
    private int chainEnded(Registration r, ReadyHandler handler) {
        r.fileChain = false;
        stats.fileChainsInFlight--;
        int read = r.fileChainRead, send = r.fileChainSend;
        if (read == r.fileChainLength) { // the send ran, on a full buffer
            stats.fileChains++;
            stats.fileReads++;
            r.fileBuffered = read;
            r.fileSent = 0;
            return fileSent(r, send, handler);
        }
        if (send != -constants.eCanceled) {
            // the probe said a short read cancels what is linked to it: if it did not, the send
            // took bytes the read never wrote, and the stream's output is wrong from here
            r.sending = false;
            poller.queue(r);
            handler.sent(r.token, new IOException("io_uring sent a file buffer its read filled with " + read + " of "
                    + r.fileChainLength + " bytes (send: " + send + ")"));
            return 1;
        }
        return fileRead(r, read, handler); // short or failed: an error, or what it read goes as a send of its own
    }

    private int fileRead(Registration r, int res, ReadyHandler handler) {
        r.sending = false;
        FileRegion file = r.sendQueue.headFile();
        IOException error;
        if (res < 0) {
            error = Errors.exception(res, "read " + file.path(), poller.sys, poller.sockets);
        } else if (res == 0) {
            error = new IOException(file.path() + " is shorter than the " + (file.position() + file.remaining()) + " bytes queued");
        } else {
            stats.fileReads++;
            r.fileBuffered = res;
            r.fileSent = 0;
            send(r, file); // queues the send of what was read: nothing for the engine yet
            return 0;
        }
        poller.queue(r);
        handler.sent(r.token, error);
        return 1;
    }

    private int fileSent(Registration r, int res, ReadyHandler handler) {
        r.sending = false;
        if (res == -poller.sockets.eAgain) {
            stats.sendsRefused++;
            poller.queue(r); // WRITE interest polls for room; the engine's flush then sends the rest
            return 0;
        }
        IOException error;
        if (res < 0) {
            error = Errors.exception(res, "send", poller.sys, poller.sockets);
        } else {
            stats.sends++;
            r.fileSent += res;
            if (r.fileSent == r.fileBuffered) r.fileBuffered = r.fileSent = 0;
            r.sendQueue.consumeFile(res);
            error = poller.send(r);
        }
        if (!r.sending) poller.queue(r);
        handler.sent(r.token, error);
        return 1;
    }

    /** {@code Stream.flush()} writes at once: a file's bytes read but not sent are read again from the region's position, which is theirs. */
    static void forgetBuffered(Registration r) {
        r.fileBuffered = r.fileSent = 0;
    }

    /**
     * A stream closes: its file buffer is freed, or kept while the kernel may still use it.
     * Returns true when the socket's close must wait too (a chained send that may not have
     * started), in which case it is closed when that send has ended.
     */
    boolean retire(Registration r, PosixSocket s) {
        if (r.fileBuffer == null) return false;
        if (r.fileOps == 0) {
            r.fileBuffer.close();
            return false;
        }
        RetiredFile f = new RetiredFile(r.fileBuffer, r.fileOps, r.token);
        retired.put(r.generation, f);
        if (r.fileChain) stats.fileChainsInFlight--;
        if (!r.fileChain || r.fileChainSend != PENDING) return false;
        // the send linked to the read may not have started: it would take whatever socket has
        // the descriptor's number then. Both are cancelled, and the socket closed when the send
        // has completed (opEnded)
        f.readPending = r.fileChainRead == PENDING;
        f.socketFd = s.fd;
        if (f.readPending) {
            poller.add(userData(FILE_CANCEL, r.generation, r.token), constants.opCancel, -1, userData(FILE_READ, r.generation, r.token), 0);
        }
        cancelRetiredSend(r.generation, f);
        return true;
    }

    /** A closed stream's file read or send has completed: its buffer is freed once none is left, and a deferred close done. */
    void opEnded(int generation, int kind) {
        RetiredFile f = retired.get(generation);
        if (f == null) return;
        if (kind == FILE_READ) f.readPending = false;
        if (--f.pending > 0) {
            // the read is done, so its send starts now if it has not: the first cancel may have found nothing
            if (kind == FILE_READ && f.socketFd >= 0) cancelRetiredSend(generation, f);
            return;
        }
        retired.remove(generation);
        f.buffer.close();
        if (f.socketFd >= 0) poller.closeAfterCancel(generation, f.token, f.socketFd);
    }

    /**
     * A cancel of a closed stream's chained send found nothing (-ENOENT): the kernel had not
     * started the send yet, which it does in task work after the read, or it had just
     * completed, and its completion is on its way. Asked again with the next turn, whose enter
     * runs that task work, until the send's completion has come.
     */
    void cancelEnded(int generation, int res) {
        RetiredFile f = retired.get(generation);
        if (f != null && f.socketFd >= 0 && !f.readPending && res == -constants.eNoEnt) cancelRetiredSend(generation, f);
    }

    private void cancelRetiredSend(int generation, RetiredFile f) {
        poller.add(userData(FILE_CANCEL, generation, f.token), constants.opCancel, -1, userData(FILE_SEND, generation, f.token), 0);
    }

    /**
     * The poller closes: closed streams whose chained send had not completed have their
     * descriptors closed here (the ring, closed first, took what it had in flight with it).
     */
    void close() {
        for (RetiredFile f : retired.values()) {
            if (f.socketFd >= 0) poller.sys.close(f.socketFd);
        }
        retired.clear();
    }
}
