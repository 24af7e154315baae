// SPDX-License-Identifier: Apache-2.0
package io.pants.uring;

import io.pants.posix.ShimAbi;
import io.pants.posix.ShimAbi.Table;

import static io.pants.posix.ShimAbi.UringSlot.*;
import static io.pants.posix.ShimAbi.at;

/**
 * The shim's operation numbers for a turn's list, and the kernel's poll bits, completion flags,
 * features and error numbers, as the shim was compiled (pants_uring_constants).
 */
final class UringConstants {
    final int opPoll, opPollMulti, opPollUpdate, opPollUpdateMulti, opCancel, opAccept, opRecv, opSend, opSendmsg, opRecvmsg, opConnect, opShutdown,
            opCancelClose, opRead, opReadAt, opReadAtLink, opSendmsgLink, opInstall, opCloseSlot, opFixedFile;
    final int pollIn, pollOut, pollErr, pollHup, pollRdHup;
    final int cqeBuffer, cqeMore, bufferShift, sqCqOverflow;
    final int featNoDrop, featExtArg, featSingleMmap, featFastPoll, featSubmitStable;
    final int eCanceled, eNoBufs, eNoEnt, eAlready, eMFile, eNFile;

    private UringConstants(int[] v) {
        opPoll = at(v, OP_POLL); opPollMulti = at(v, OP_POLL_MULTI); opPollUpdate = at(v, OP_POLL_UPDATE);
        opPollUpdateMulti = at(v, OP_POLL_UPDATE_MULTI); opCancel = at(v, OP_CANCEL);
        opAccept = at(v, OP_ACCEPT); opRecv = at(v, OP_RECV); opSend = at(v, OP_SEND); opSendmsg = at(v, OP_SENDMSG);
        opRecvmsg = at(v, OP_RECVMSG); opConnect = at(v, OP_CONNECT); opShutdown = at(v, OP_SHUTDOWN);
        opCancelClose = at(v, OP_CANCEL_CLOSE); opRead = at(v, OP_READ); opReadAt = at(v, OP_READ_AT); opReadAtLink = at(v, OP_READ_AT_LINK);
        opSendmsgLink = at(v, OP_SENDMSG_LINK); opInstall = at(v, OP_INSTALL); opCloseSlot = at(v, OP_CLOSE_SLOT);
        opFixedFile = at(v, OP_FIXED_FILE);
        pollIn = at(v, POLLIN); pollOut = at(v, POLLOUT); pollErr = at(v, POLLERR); pollHup = at(v, POLLHUP);
        pollRdHup = at(v, POLLRDHUP);
        cqeBuffer = at(v, CQE_F_BUFFER); cqeMore = at(v, CQE_F_MORE); bufferShift = at(v, CQE_BUFFER_SHIFT);
        sqCqOverflow = at(v, SQ_CQ_OVERFLOW);
        featNoDrop = at(v, FEAT_NODROP); featExtArg = at(v, FEAT_EXT_ARG); featSingleMmap = at(v, FEAT_SINGLE_MMAP);
        featFastPoll = at(v, FEAT_FAST_POLL); featSubmitStable = at(v, FEAT_SUBMIT_STABLE);
        eCanceled = at(v, ECANCELED); eNoBufs = at(v, ENOBUFS); eNoEnt = at(v, ENOENT); eAlready = at(v, EALREADY);
        eMFile = at(v, EMFILE); eNFile = at(v, ENFILE);
    }

    static UringConstants fromShim() {
        return new UringConstants(ShimAbi.read(Table.URING, UringShim::pants_uring_constants));
    }
}
