/* tcpdiag_conv_one_way.c - telling a capture of one direction of a conversation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_conv_private.h"

#include "tcpdiag_seq.h"
#include "tcpdiag_time.h"

/* A capture of one direction (asymmetric routing, a one-way SPAN) is told by
 * a side acknowledging what its peer must have sent while the capture ran,
 * with nothing of the peer captured: after its own SYN or SYN-ACK was
 * captured any ACK of it proves the peer's answer came later; mid-stream,
 * an ACK number that moves on proves new peer data, once data that was in
 * flight when the capture began must have arrived. */

/* Longer than the round trip of nearly any path (geostationary satellite:
 * ~600 ms) and than Linux's initial retransmission timeout (1 s). */
#define ONE_WAY_SETTLE_NS (2 * TCPDIAG_NS_PER_SEC)

void tcpdiag_conv_watch_one_direction(conv_private *p, const tcpdiag_segment *seg, const seg_facts *f,
                                tcpdiag_verdict *out)
{
    int dir = f->dir;
    const tcpdiag_endpoint *sender = &p->pub.ep[dir];
    bool peer_unseen = !p->last_frame_from[!dir];
    bool proven = false;
    if (f->ack && !f->syn && !f->rst && peer_unseen && p->silent_side < 0) {
        bool own_syn_captured = sender->syn_count || sender->synack_count;
        bool ack_moved = p->ack_known[dir] && tcpdiag_seq_gt(seg->ack, p->last_ack[dir]) &&
                         seg->time_ns - p->pub.first_ns >= ONE_WAY_SETTLE_NS;
        proven = own_syn_captured || ack_moved;
    }
    if (f->ack) {
        p->ack_known[dir] = true;
        p->last_ack[dir] = seg->ack;
    }
    if (proven) {
        p->silent_side = (int8_t)!dir;
        set_note(out, TCPDIAG_NOTE_ONE_DIRECTION);
    }
}
