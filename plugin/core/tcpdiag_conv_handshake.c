/* tcpdiag_conv_handshake.c - the handshake of one conversation: verdict, counts, round trips, invalid numbers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_conv_private.h"

#include "tcpdiag_seq.h"

/* A SYN-ACK may acknowledge the SYN alone or also data carried on it. */
bool tcpdiag_conv_synack_ack_valid(const tcpdiag_endpoint *syn_sender, uint32_t ack)
{
    if (!syn_sender->isn_known)
        return true;
    uint32_t first = syn_sender->isn + 1;
    return tcpdiag_seq_geq(ack, first) && tcpdiag_seq_leq(ack, first + syn_sender->syn_data_len);
}

/* The handshake's ACK acknowledges the SYN-ACK and possibly data the server
 * already sent (TCP Fast Open), but never beyond what it sent. */
static bool final_ack_valid(const tcpdiag_endpoint *server, uint32_t ack)
{
    if (!server->isn_known)
        return true;
    uint32_t first = server->isn + 1;
    uint32_t last = (server->snd_max_known && tcpdiag_seq_gt(server->snd_max, first)) ? server->snd_max : first;
    return tcpdiag_seq_geq(ack, first) && tcpdiag_seq_leq(ack, last);
}

void tcpdiag_conv_track_handshake(tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f,
                            tcpdiag_verdict *out)
{
    tcpdiag_endpoint *sender = &c->ep[f->dir];
    tcpdiag_endpoint *receiver = &c->ep[!f->dir];
    uint8_t before = c->handshake;

    if (f->syn) {
        if (f->bare_syn)
            sender->syn_count++;
        else
            sender->synack_count++;
        sender->last_syn_ns = seg->time_ns;
        if (!sender->isn_known || sender->isn != seg->seq) {
            sender->isn = seg->seq;
            sender->isn_known = true;
        }
        sender->syn_data_len = seg->payload_len;
        if (!f->rst)
            tcpdiag_syn_record_take(&sender->syn, seg);
        if (seg->payload_len > 0)
            set_note(out, TCPDIAG_NOTE_SYN_WITH_DATA);
    }
    if (f->bare_syn) {
        if (f->dir == TCPDIAG_CLIENT) {
            c->syn_frame = seg->frame;
            /* Within one conversation a client SYN is the same attempt
             * again: it reopens a refusal (the table says when). */
            hs_event(c, TCPDIAG_HS_EV_SYN_RETRY);
            if (sender->syn_count > 1 && c->handshake == TCPDIAG_HS_SYN_ONLY)
                set_note(out, TCPDIAG_NOTE_SYN_UNANSWERED);
        } else {
            hs_event(c, TCPDIAG_HS_EV_SYN_FROM_SERVER);
        }
    }
    if (f->synack) {
        if (!tcpdiag_conv_synack_ack_valid(receiver, seg->ack))
            set_note(out, TCPDIAG_NOTE_SYNACK_BAD_ACK);
        if (sender->synack_count > 1)
            set_note(out, TCPDIAG_NOTE_SYNACK_REPEATED);
        if (f->dir == TCPDIAG_SERVER) {
            /* Here and below: timestamps running backwards (captures merged
             * from unsynchronized clocks) give no round-trip time at all. */
            if (c->handshake == TCPDIAG_HS_SYN_ONLY && receiver->syn_count && !c->rtt_server_known &&
                seg->time_ns >= receiver->last_syn_ns) {
                c->rtt_server_ns = seg->time_ns - receiver->last_syn_ns;
                c->rtt_server_known = true;
            }
            hs_event(c, TCPDIAG_HS_EV_SYNACK);
        }
    }
    if (f->rst) {
        if (c->handshake == TCPDIAG_HS_SYN_ONLY && f->dir == TCPDIAG_SERVER) {
            set_note(out, TCPDIAG_NOTE_REJECTED_RST);
            out->evidence_frame = c->syn_frame;
        }
        hs_event(c, f->dir == TCPDIAG_SERVER ? TCPDIAG_HS_EV_RST_FROM_SERVER
                                             : TCPDIAG_HS_EV_RST_FROM_CLIENT);
        if (c->handshake == TCPDIAG_HS_ABORTED && before != TCPDIAG_HS_ABORTED)
            set_note(out, TCPDIAG_NOTE_HANDSHAKE_ABORTED);
    }
    bool plain_ack = f->ack && !f->syn && !f->rst;
    bool completes = false;
    if (plain_ack && f->dir == TCPDIAG_CLIENT &&
        (c->handshake == TCPDIAG_HS_SYN_ONLY || c->handshake == TCPDIAG_HS_SYN_SYNACK)) {
        if (!final_ack_valid(receiver, seg->ack)) {
            set_note(out, TCPDIAG_NOTE_FINAL_ACK_BAD);
        } else {
            hs_event(c, TCPDIAG_HS_EV_FINAL_ACK);
            completes = true;
            set_note(out, TCPDIAG_NOTE_HANDSHAKE_COMPLETE);
            if (!receiver->isn_known) {  /* the SYN-ACK escaped the tap */
                receiver->isn = seg->ack - 1;
                receiver->isn_known = true;
            }
            if (sender->syn_count && seg->time_ns >= sender->last_syn_ns) {
                c->rtt_ns = seg->time_ns - sender->last_syn_ns;
                c->rtt_known = true;
            }
            if (receiver->synack_count && seg->time_ns >= receiver->last_syn_ns) {
                c->rtt_client_ns = seg->time_ns - receiver->last_syn_ns;
                c->rtt_client_known = true;
            }
        }
    }
    if (!f->syn && !completes && seg->payload_len > 0 &&
        (before == TCPDIAG_HS_SYN_ONLY || before == TCPDIAG_HS_SYN_SYNACK))
        set_note(out, TCPDIAG_NOTE_DATA_BEFORE_HANDSHAKE);
}
