/* tcpdiag_conv_retrans.c - a conversation's flows: created, window-scaled, and fed to the retransmission analysis.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_conv_private.h"

/* Best round trip known for the whole path through the capture point. */
static int64_t conv_rtt(const tcpdiag_conv *c)
{
    if (c->rtt_known)
        return c->rtt_ns;
    if (c->rtt_server_known && c->rtt_client_known)
        return c->rtt_server_ns + c->rtt_client_ns;
    return c->rtt_server_known ? c->rtt_server_ns : 0;
}

/* Flows exist once a conversation is more than bare SYNs (a SYN flood costs no flow). */
static void ensure_flows(conv_private *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->flow[i])
            continue;
        p->flow[i] = tcpdiag_flow_new();
        const tcpdiag_endpoint *ep = &p->pub.ep[i];
        if (ep->isn_known)
            tcpdiag_flow_start(p->flow[i], ep->isn + 1 + ep->syn_data_len, p->pub.ep[i].syn_tx.count);
    }
}

/* Windows are comparable with bytes in flight once both SYNs are known. */
static void apply_window_scale(conv_private *p, const seg_facts *f)
{
    if (p->wscale_applied || !p->flow[0] || !(f->synack || (!f->syn && p->pub.ep[TCPDIAG_SERVER].syn_tx.count)))
        return;
    p->wscale_applied = true;
    tcpdiag_syn_record syn[2];
    syn_records(&p->pub, syn);
    tcpdiag_option_use use = tcpdiag_syn_option_use(syn, TCPDIAG_OPT_WSCALE);
    /* A SYN not captured, or cut where the option may have been: windows
     * stay of unknown scale (no window-full inference). */
    if (use == TCPDIAG_OPTION_UNDECIDED)
        return;
    /* Flow i is sent by side i; its receiver (the other side) scales its
     * windows (RFC 7323: shifts above 14 are taken as 14). */
    for (int i = 0; i < 2; i++)
        tcpdiag_flow_set_window_scale(p->flow[i], use == TCPDIAG_OPTION_ON ? MIN(syn[!i].wscale, 14) : 0);
}

void tcpdiag_conv_track_retrans(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                          const seg_facts *f, bool repeat_syn, tcpdiag_verdict *out,
                          tcpdiag_retrans_info *info)
{
    tcpdiag_conv *c = &p->pub;
    int dir = f->dir;
    tcpdiag_retrans_context ctx = {
        .cfg = &t->cfg.retrans,
        .rtt_ns = conv_rtt(c),
        .rtt_sender_leg_ns = dir == TCPDIAG_CLIENT ? (c->rtt_client_known ? c->rtt_client_ns : 0)
                                                   : (c->rtt_server_known ? c->rtt_server_ns : 0),
        .peer_reply_frame = p->last_frame_from[!dir],
        .icmp_frame = p->icmp_frame,
        .peer_mss = c->ep[!dir].syn.mss,
    };
    /* The peer's latest segment is a repeat of its SYN, sent after this side's latest SYN-ACK. */
    const tcpdiag_syn_history *peer_syns = &p->pub.ep[!dir].syn_tx;
    ctx.peer_repeated_syn = ctx.peer_reply_frame && peer_syns->count >= 2 &&
                            peer_syns->last_frame == ctx.peer_reply_frame &&
                            peer_syns->last_frame > p->pub.ep[dir].syn_tx.last_frame;
    if (f->syn && !f->rst) {
        if (repeat_syn)
            tcpdiag_retrans_syn(&ctx, &p->pub.ep[dir].syn_tx, seg, f->synack, info);
        else
            tcpdiag_syn_history_first(&p->pub.ep[dir].syn_tx, seg);
    }
    if (f->bare_syn && !p->flow[dir]) {
        apply_window_scale(p, f);
        c->seq_segs[dir]++;
        if (repeat_syn)
            c->retrans_segs[dir]++;
    } else {
        ensure_flows(p);
        apply_window_scale(p, f);
        tcpdiag_retrans_process(&ctx, p->flow[dir], p->flow[!dir], seg, info);
        c->seq_segs[dir] = tcpdiag_flow_data_segments(p->flow[dir]);
        c->retrans_segs[dir] = tcpdiag_flow_retrans_count(p->flow[dir]);
    }
    p->last_frame_from[dir] = seg->frame;
    out->retrans_kind = info->kind;
    out->lookalike = info->lookalike;
    out->fragment_completion = info->fragment_completion;
    out->has_retrans_info = info->kind || info->lookalike || info->gave_up || info->rate_over ||
                            info->unneeded;
}

bool tcpdiag_conv_repeats_syn(const tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f)
{
    if (!f->syn || f->rst)
        return false;
    const tcpdiag_endpoint *sender = &c->ep[f->dir];
    uint16_t sent = f->bare_syn ? sender->syn_count : sender->synack_count;
    return sent > 0 && sender->isn_known && sender->isn == seg->seq;
}
