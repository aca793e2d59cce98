/* tcpdiag_conv_states.c - both endpoints' netstat states from one segment, FINs in flight, lasting CLOSE_WAIT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_conv_private.h"

#include "tcpdiag_seq.h"

static bool acks(const seg_facts *f, const tcpdiag_segment *seg, uint32_t target)
{
    return f->ack && tcpdiag_seq_geq(seg->ack, target);
}

static bool peer_fin_still_in_flight(tcpdiag_endpoint *sender, const tcpdiag_endpoint *receiver,
                                     const tcpdiag_segment *seg, const seg_facts *f);

/* Delivery of a FIN is assumed when it passes the tap, and remembered as an
 * assumption until the receiver acknowledges it. */
static void receive_peer_fin(tcpdiag_endpoint *receiver)
{
    uint8_t before = receiver->state;
    apply(receiver, TCPDIAG_EV_RCV_FIN);
    if (receiver->state != before) {
        receiver->peer_fin_unconfirmed = true;
        receiver->state_before_peer_fin = before;
        receiver->state_after_peer_fin = receiver->state;
    }
}

void tcpdiag_conv_track_states(tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f,
                         tcpdiag_verdict *out)
{
    tcpdiag_endpoint *sender = &c->ep[f->dir];
    tcpdiag_endpoint *receiver = &c->ep[!f->dir];

    if (c->rst_seen && !f->rst)
        set_note(out, TCPDIAG_NOTE_AFTER_RST);
    uint32_t seg_end = seg->seq + seg->payload_len + (f->syn ? 1u : 0u);
    uint32_t seq_end = seg_end + (f->fin ? 1u : 0u);
    if (!sender->snd_max_known || tcpdiag_seq_gt(seq_end, sender->snd_max)) {
        sender->snd_max = seq_end;
        sender->snd_max_known = true;
    }
    if (sender->fin_sent && seg->payload_len > 0 && tcpdiag_seq_gt(seg_end, sender->fin_seq))
        set_note(out, TCPDIAG_NOTE_DATA_AFTER_FIN);

    bool fin_in_flight = peer_fin_still_in_flight(sender, receiver, seg, f);
    if (f->rst) {
        c->rst_seen = true;
        apply(sender, TCPDIAG_EV_SND_RST);
        apply(receiver, TCPDIAG_EV_RCV_RST);
        return;
    }

    /* What the sender did, in the order its stack did it. */
    bool acks_peer_fin = receiver->fin_sent && acks(f, seg, receiver->fin_seq + 1);
    if (f->bare_syn)
        apply(sender, TCPDIAG_EV_SND_SYN);
    else if (f->synack)
        apply(sender, TCPDIAG_EV_SND_SYNACK);
    else if (acks_peer_fin)
        apply(sender, TCPDIAG_EV_SND_ACK_OF_FIN);
    else if (f->ack)
        apply(sender, TCPDIAG_EV_SND_ACK);
    if (f->fin) {
        if (!sender->fin_sent || tcpdiag_seq_gt(seg_end, sender->fin_seq)) {
            sender->fin_seq = seg_end;
            sender->fin_sent = true;
        }
        apply(sender, TCPDIAG_EV_SND_FIN);
    }
    if (fin_in_flight)
        receive_peer_fin(sender);

    /* What the receiver does with it: ACK field first, then FIN (RFC 9293 3.10.7.4). */
    if (f->bare_syn) {
        apply(receiver, TCPDIAG_EV_RCV_SYN);
    } else if (f->synack) {
        if (tcpdiag_conv_synack_ack_valid(receiver, seg->ack))
            apply(receiver, TCPDIAG_EV_RCV_SYNACK);
    } else if (f->ack) {
        bool bad_final = tcpdiag_verdict_has(out, TCPDIAG_NOTE_FINAL_ACK_BAD);
        /* A completing ACK proves the SYN-ACK the tap did not see. */
        if (receiver->state == TCPDIAG_STATE_LISTEN && tcpdiag_verdict_has(out, TCPDIAG_NOTE_HANDSHAKE_COMPLETE))
            apply(receiver, TCPDIAG_EV_SND_SYNACK);
        if (receiver->isn_known && !bad_final && acks(f, seg, receiver->isn + 1))
            apply(receiver, TCPDIAG_EV_RCV_ACK_OF_SYN);
        if (receiver->fin_sent && acks(f, seg, receiver->fin_seq + 1))
            apply(receiver, TCPDIAG_EV_RCV_ACK_OF_FIN);
    }
    if (f->fin)
        receive_peer_fin(receiver);
}

/* The sender SACKs data while its cumulative ACK stays below the peer's
 * FIN: data before the FIN is missing there, and a stack acts on a FIN only
 * once everything before it has arrived (RFC 9293 3.10.7.4: segments are
 * processed in sequence order). */
static bool fin_held_behind_gap(const tcpdiag_endpoint *receiver, const tcpdiag_segment *seg)
{
    return seg->sack_count > 0 && tcpdiag_seq_lt(seg->ack, receiver->fin_seq);
}

/* The sender's ACK number tells whether the peer's FIN had reached it. When
 * it had not, the FIN-driven state is undone; true means the FIN is still on
 * its way and must be received again after what the sender does now. A FIN
 * held behind a gap is not received again: the ACK that finally covers it
 * moves the state (EV_SND_ACK_OF_FIN). */
static bool peer_fin_still_in_flight(tcpdiag_endpoint *sender, const tcpdiag_endpoint *receiver,
                                     const tcpdiag_segment *seg, const seg_facts *f)
{
    if (!sender->peer_fin_unconfirmed || !f->ack)
        return false;
    sender->peer_fin_unconfirmed = false;
    if (acks(f, seg, receiver->fin_seq + 1) || sender->state != sender->state_after_peer_fin)
        return false;
    sender->state = sender->state_before_peer_fin;
    return !fin_held_behind_gap(receiver, seg);
}

void tcpdiag_conv_watch_close_wait(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                             const uint8_t prev[2], tcpdiag_verdict *out)
{
    for (int i = 0; i < 2; i++) {
        tcpdiag_endpoint *ep = &p->pub.ep[i];
        if (ep->state != TCPDIAG_STATE_CLOSE_WAIT)
            continue;
        if (prev[i] != TCPDIAG_STATE_CLOSE_WAIT) {
            ep->close_wait_since_ns = seg->time_ns;
            continue;
        }
        int64_t lasted = seg->time_ns - ep->close_wait_since_ns;
        if (lasted > out->close_wait_ns)
            out->close_wait_ns = lasted;
        if (lasted >= t->cfg.close_wait_warn_ns && !p->close_wait_warned[i]) {
            p->close_wait_warned[i] = true;
            set_note(out, TCPDIAG_NOTE_CLOSE_WAIT_LINGERS);
        }
    }
}
